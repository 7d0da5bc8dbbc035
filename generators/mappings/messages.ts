import type { TypeError } from './typecheck.ts';

/**
 * Turns a TypeScript checker message about generated code into the user's words: field paths and
 * contract names from the YAML, not generated identifiers. Unknown messages pass through with the
 * generated names tidied.
 */
export function explainTypeError(error: TypeError, target: string, targetContract: string, code?: string): { message: string; hint: string } {
  const first = error.message.split('\n')[0]!;
  const all = error.message;
  const tidy = (text: string) => text.replace(/NonNullable<([A-Za-z0-9_]+)(\["[^"]*"\])*>(\[number\])?/g, (m) => m.replace(/NonNullable<|>|\[number\]/g, '').replace(/\["([^"]*)"\]/g, '.$1')).replace(/\bv_([A-Za-z_][A-Za-z0-9_]*)/g, '$1');
  const notAssignable = /Type '(.+)' is not assignable to type '(.+)'\./.exec(first);
  let missingProperty = /Property '(.+)' does not exist on type '(.+)'\.(?: Did you mean '(.+)'\?)?/.exec(all);
  if (missingProperty) {
    const [, name, type, suggestion] = missingProperty;
    return { message: `${target}: ${tidy(type!)} has no property '${name}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
      hint: suggestion ? `Write \`${suggestion}\`.` : 'Use a field the contract declares, or add the field to the contract.' };
  }
  missingProperty = null;
  if (notAssignable) {
    const [, from, to] = notAssignable;
    const sourceMayBeMissing = /\bundefined\b/.test(from!) && !/\bundefined\b/.test(to!);
    if (sourceMayBeMissing) {
      return { message: `${target}: the value may be missing, but ${targetContract} requires \`${target}\` (${to})`,
        hint: 'Give the rule a `default:`, or make the source field required in its contract.' };
    }
    if (/^string/.test(from!) && /^number/.test(to!)) {
      return { message: `${target}: the value is ${from} but ${targetContract} wants ${to}`, hint: 'Add `convert: { number: decimal-point }` (or decimal-comma, implied-2 …) to parse it.' };
    }
    if (/^number/.test(from!) && /^string/.test(to!)) {
      return { message: `${target}: the value is ${from} but ${targetContract} wants ${to}`, hint: 'Use `expr: string(...)` to turn it into text.' };
    }
    return { message: `${target}: the value is ${tidy(from!)} but ${targetContract} wants ${tidy(to!)}`, hint: 'Convert the value, or fix the contract.' };
  }
  const argument = /Argument of type '(.+)' is not assignable to parameter of type '(.+)'\./.exec(first);
  if (argument) {
    const [, from, to] = argument;
    const what = code ? `\`${celText(code)}\`` : 'a value';
    if (/\bundefined\b/.test(from!) && !/\bundefined\b/.test(to!)) {
      return { message: `${target}: ${what} may be missing (it is optional in the source contract)`, hint: 'Guard it with `has(...)`, give the rule a `default:`, or make the field required in the source contract.' };
    }
    return { message: `${target}: ${what} is ${tidy(from!)}, where ${tidy(to!)} is needed`, hint: 'Convert it with int(), double() or string(), or use a field of the right type.' };
  }
  const possiblyUndefined = /'(.+)' is possibly '(undefined|null)'/.exec(first);
  if (possiblyUndefined) {
    return { message: `${target}: \`${tidy(possiblyUndefined[1]!)}\` may be missing (it is optional in the source contract)`,
      hint: 'Guard it with `has(...) ? ... : ...`, or make the field required in the source contract.' };
  }
  const operator = /Operator '(.+)' cannot be applied to types '(.+)' and '(.+)'\./.exec(first);
  if (operator) {
    return { message: `${target}: \`${operator[1]}\` cannot combine ${tidy(operator[2]!)} and ${tidy(operator[3]!)}`, hint: 'Convert one side with int(), double() or string().' };
  }
  return { message: `${target}: ${tidy(all.split('\n').map((l) => l.trim()).join(' '))}`, hint: 'Fix the rule so its value has the type the target contract declares.' };
}

/** Generated access code back in the user's notation: `item?.PO1?.["x y"]` → `item.PO1["x y"]`, `v_l` → `l`. */
function celText(code: string): string {
  return code.replace(/\?\./g, '.').replace(/\.\[/g, '[').replace(/\bv_([A-Za-z_][A-Za-z0-9_]*)/g, '$1');
}
