/**
 * Where JSON text stops being JSON: the offset of the first character a JSON parser cannot accept
 * (V8's JSON.parse often does not say). Iterative, so deeply nested input cannot exhaust the stack;
 * called only after JSON.parse failed.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const stack: ('{' | '[')[] = [];
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  const string = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    while (i < text.length) {
      const ch = text[i] as string;
      if (ch === '"') {
        i++;
        return true;
      }
      if (ch === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2;
        else return false;
      } else if (ch.charCodeAt(0) < 0x20) return false;
      else i++;
    }
    return false;
  };
  const scalar = (): boolean => {
    const rest = text.slice(i, i + 5);
    for (const word of ['true', 'false', 'null'])
      if (rest.startsWith(word)) {
        i += word.length;
        return true;
      }
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 400));
    if (!number) return false;
    i += number[0].length;
    return true;
  };
  // value: returns false on error (i is at the offending character)
  const value = (): boolean => {
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      stack.push(ch);
      i++;
      ws();
      if (text[i] === (ch === '{' ? '}' : ']')) {
        stack.pop();
        i++;
        return true;
      }
      if (ch === '{') {
        if (!string()) return false;
        ws();
        if (text[i] !== ':') return false;
        i++;
      }
      return 'open' as unknown as boolean;
    }
    if (ch === '"') return string();
    return scalar();
  };
  let result = value();
  for (;;) {
    if (result === false) return Math.min(i, text.length);
    if ((result as unknown) === 'open') {
      result = value();
      continue;
    }
    // a value ended: close containers or continue them
    ws();
    const top = stack[stack.length - 1];
    if (top === undefined) return Math.min(i, text.length);
    if (text[i] === ',') {
      i++;
      if (top === '{') {
        ws();
        if (!string()) return i;
        ws();
        if (text[i] !== ':') return i;
        i++;
      }
      result = value();
    } else if (text[i] === (top === '{' ? '}' : ']')) {
      stack.pop();
      i++;
      result = true;
    } else return i;
  }
}
