/**
 * JSON Schema `pattern`s are ECMA-262 regular expressions; Kubernetes checks CRD patterns with Go's
 * RE2 dialect. Most patterns mean the same in both. This module rewrites the constructs that are
 * spelled differently and refuses the ones RE2 cannot express (look-around, back-references), so a
 * CRD never carries a pattern the API server rejects or reads differently.
 */

export type GoRegex = { ok: true; pattern: string } | { ok: false; reason: string };

/** Converts one ECMA-262 pattern (no flags) to Go's RE2 syntax, or says why it cannot. */
export function toGoRegex(pattern: string): GoRegex {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return { ok: false, reason: 'ends with a lone backslash' };
      if (next === 'u') {
        // \uXXXX (and \u{X...} with the u flag) → \x{XXXX}
        const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(pattern.slice(i + 2));
        const plain = /^[0-9A-Fa-f]{4}/.exec(pattern.slice(i + 2));
        if (braced) {
          out += `\\x{${braced[1]}}`;
          i += 1 + braced[0].length;
          continue;
        }
        if (plain) {
          out += `\\x{${plain[0]}}`;
          i += 5;
          continue;
        }
        return { ok: false, reason: 'has a malformed \\u escape' };
      }
      if (next === 'c') return { ok: false, reason: 'uses a \\c control escape, which RE2 does not know' };
      if (/[1-9]/.test(next) && !inClass) return { ok: false, reason: 'uses a back-reference, which RE2 cannot express' };
      if (next === 'k' && pattern[i + 2] === '<') return { ok: false, reason: 'uses a named back-reference, which RE2 cannot express' };
      if (next === '0') {
        out += '\\x00';
        i++;
        continue;
      }
      if (next === '/') {
        out += '/';
        i++;
        continue;
      }
      out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      if (pattern.startsWith('[^]', i)) {
        out += '[\\s\\S]';
        i += 2;
        continue;
      }
      if (pattern.startsWith('[]', i)) return { ok: false, reason: 'uses the empty class [], which RE2 does not accept' };
      inClass = true;
      out += c;
      // A leading ']' (after an optional '^') is a literal in both dialects only in RE2; ECMA closes the class.
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('=') || rest.startsWith('!')) return { ok: false, reason: 'uses a look-ahead, which RE2 cannot express' };
      if (rest.startsWith('<=') || rest.startsWith('<!')) return { ok: false, reason: 'uses a look-behind, which RE2 cannot express' };
      if (rest.startsWith('<')) {
        out += '(?P<';
        i += 2;
        continue;
      }
      if (rest.startsWith(':')) {
        out += '(?:';
        i += 2;
        continue;
      }
      return { ok: false, reason: 'uses a group modifier RE2 does not share with ECMA-262' };
    }
    out += c;
  }
  if (inClass) return { ok: false, reason: 'has an unterminated character class' };
  return { ok: true, pattern: out };
}
