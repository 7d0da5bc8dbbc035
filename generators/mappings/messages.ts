import type { TypeError as CheckerError } from './typecheck.ts';

/**
 * Turns a TypeScript checker message about generated code into the user's words: field paths and
 * contract names from the YAML, not generated identifiers. Unknown messages pass through with the
 * generated names tidied.
 */
export function explainTypeError(
  error: CheckerError,
  target: string,
  targetContract: string,
  code?: string,
  targetReference = targetContract,
  sourceNote?: string,
): { message: string; hint: string } {
  const first = error.message.split('\n')[0]!;
  const all = error.message;
  const tidy = (text: string) =>
    text
      .replace(/NonNullable<([A-Za-z0-9_]+)(\["[^"]*"\])*>(\[number\])?/g, (m) =>
        m.replace(/NonNullable<|>|\[number\]/g, '').replace(/\["([^"]*)"\]/g, '.$1'),
      )
      .replace(/\bv_([A-Za-z_][A-Za-z0-9_]*)/g, '$1');
  const notAssignable = /Type '(.+)' is not assignable to type '(.+)'\./.exec(first);
  let missingProperty = /Property '(.+)' does not exist on type '(.+)'\.(?: Did you mean '(.+)'\?)?/.exec(all);
  if (missingProperty) {
    const [, name, type, suggestion] = missingProperty;
    return {
      message: `${target}: ${tidy(type!)} has no property '${name}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
      hint: suggestion ? `Write \`${suggestion}\`.` : 'Use a field the contract declares, or add the field to the contract.',
    };
  }
  missingProperty = null;
  const nested = nestedMismatch(all);
  if (notAssignable && nested) {
    const where = `${target}${nested.path.startsWith('[') ? '' : '.'}${nested.path}`;
    if (/\bundefined\b/.test(nested.from) && !/\bundefined\b/.test(nested.to)) {
      return {
        message: `${target}: optional source into required target: \`${where}\` may be missing, but ${targetReference} requires it`,
        hint: 'Build that part only from fields that are present (guard with `has(...)` and the rule with `when:`), or make the source field required in its contract.',
      };
    }
    if (mayBeNull(nested.from, nested.to)) {
      return {
        message: `${target}: \`${where}\` may be null, but ${targetReference} wants ${tidy(nested.to)} there`,
        hint: NULL_HINT,
      };
    }
    return {
      message: `${target}: \`${where}\` is ${tidy(nested.from)} but ${targetReference} wants ${tidy(nested.to)}`,
      hint: 'Convert the value, or fix the contract.',
    };
  }
  if (notAssignable) {
    const [, from, to] = notAssignable;
    if (mayBeNull(from!, to!)) {
      return {
        message: `${target}: the value may be null, but ${targetReference} requires \`${target}\` to be ${tidy(to!)}`,
        hint: NULL_HINT,
      };
    }
    const sourceMayBeMissing = /\bundefined\b/.test(from!) && !/\bundefined\b/.test(to!);
    if (sourceMayBeMissing) {
      return {
        message: `${target}: optional source into required target: the value may be missing${sourceNote ? ` (${sourceNote})` : ''}, but ${targetReference} requires \`${target}\``,
        hint: `Give the rule a \`default:\`, guard it with \`when:\` (a message that no rule of \`${target}\` applies to then fails as a contract violation), or make the source field required in its contract.`,
      };
    }
    if (/^string/.test(from!) && /^number/.test(to!)) {
      return {
        message: `${target}: the value is ${from} but ${targetReference} wants ${to}`,
        hint: 'Add `convert: { number: decimal-point }` (or decimal-comma, implied-2 …) to parse it.',
      };
    }
    if (/^number/.test(from!) && /^string/.test(to!)) {
      return {
        message: `${target}: the value is ${from} but ${targetReference} wants ${to}`,
        hint: 'Use `expr: string(...)` to turn it into text.',
      };
    }
    return {
      message: `${target}: the value is ${tidy(from!)} but ${targetReference} wants ${tidy(to!)}`,
      hint: 'Convert the value, or fix the contract.',
    };
  }
  if (/^No overload matches this call/.test(first) && all.includes("'(a: string, b: string): string'")) {
    const missing = /Argument of type '([^']*\bundefined\b[^']*)' is not assignable to parameter of type '(number|string)'/.exec(all);
    const nullable = /Argument of type '([^']*\bnull\b[^']*)' is not assignable to parameter of type '(number|string)'/.exec(all);
    if (nullable && !missing)
      return {
        message: `${target}: \`+\` on a value that may be null`,
        hint: 'Guard it with `x != null ? … : …` or the rule with `when: has(x) && x != null`, or make the field non-null in the source contract.',
      };
    return missing
      ? {
          message: `${target}: \`+\` on a value that may be missing (it is optional in the source contract)`,
          hint: 'Guard it with `has(...) ? ... : ...` or a `when: has(...)`, or make the field required in the source contract.',
        }
      : {
          message: `${target}: \`+\` needs two numbers, two strings or two lists`,
          hint: 'Convert one side with int(), double() or string().',
        };
  }
  const argument = /Argument of type '(.+)' is not assignable to parameter of type '(.+)'\./.exec(first);
  if (argument) {
    const [, from, to] = argument;
    const what = code ? `\`${celText(code)}\`` : 'a value';
    if (mayBeNull(from!, to!)) {
      return {
        message: `${target}: ${what} may be null, where ${tidy(to!)} is needed`,
        hint: 'Guard it with `x != null ? … : …` or the rule with `when: has(x) && x != null`, or give the rule a `default:`.',
      };
    }
    if (/\bundefined\b/.test(from!) && !/\bundefined\b/.test(to!)) {
      return {
        message: `${target}: ${what} may be missing (it is optional in the source contract), but is used where a value is needed`,
        hint: 'Guard it with `has(...) ? ... : ...` or a `when: has(...)`, give the rule a `default:`, or make the field required in the source contract.',
      };
    }
    return {
      message: `${target}: ${what} is ${tidy(from!)}, where ${tidy(to!)} is needed`,
      hint: 'Convert it with int(), double() or string(), or use a field of the right type.',
    };
  }
  const possiblyUndefined = /'(.+)' is possibly '(undefined|null)'/.exec(first);
  if (possiblyUndefined) {
    return {
      message: `${target}: \`${celText(tidy(possiblyUndefined[1]!))}\` may be missing (it is optional in the source contract), but is used where a value is needed`,
      hint: 'Guard it with `has(...) ? ... : ...` or a `when: has(...)`, or make the field required in the source contract.',
    };
  }
  const operator = /Operator '(.+)' cannot be applied to types '(.+)' and '(.+)'\./.exec(first);
  if (operator) {
    return {
      message: `${target}: \`${operator[1]}\` cannot combine ${tidy(operator[2]!)} and ${tidy(operator[3]!)}`,
      hint: 'Convert one side with int(), double() or string().',
    };
  }
  return {
    message: `${target}: ${tidy(
      all
        .split('\n')
        .map((l) => l.trim())
        .join(' '),
    )}`,
    hint: 'Fix the rule so its value has the type the target contract declares.',
  };
}

/** The hint for a value that may be null where the target has no null (docs/mapping-language.md, "Missing values"). */
const NULL_HINT =
  'Null means "no value": give the rule a `default:` (it also replaces null), guard it with `when: has(x) && x != null`, make the target field optional (null then leaves it out), or allow null there in the target contract (`type: [string, "null"]`).';

/** The source side may be null and the target side has no null. */
function mayBeNull(from: string, to: string): boolean {
  return /\bnull\b/.test(from) && !/\bnull\b/.test(to);
}

/** Generated access code back in the user's notation: `item?.PO1?.["x y"]` → `item.PO1["x y"]`, `xs?.[0]!` → `xs[0]`, `v_l` → `l`. */
function celText(code: string): string {
  return code
    .replace(/\]!/g, ']')
    .replace(/\?\./g, '.')
    .replace(/\.\[/g, '[')
    .replace(/\bv_([A-Za-z_][A-Za-z0-9_]*)/g, '$1');
}

/**
 * For a structural mismatch deep inside a value (a list of maps built by one expression), the path
 * to the field that does not fit (`[].HLLoop[].LIN.LIN03`) and its types, from the checker's
 * message chain; undefined when the mismatch is at the top.
 */
function nestedMismatch(chain: string): { path: string; from: string; to: string } | undefined {
  let path = '';
  let innermost: { from: string; to: string } | undefined;
  let deep = false;
  for (const raw of chain.split('\n')) {
    const line = raw.trim();
    const property =
      /^Types of property '(.+)' are incompatible\.$/.exec(line) ??
      /^The types of '(.+)' are incompatible between these types\.$/.exec(line);
    if (property) {
      path += `${path === '' ? '' : '.'}${property[1]}`;
      deep = true;
      continue;
    }
    const assignable = /^Type '(.+)' is not assignable to type '(.+)'\.$/.exec(line);
    if (!assignable) continue;
    const [, from, to] = assignable;
    if (innermost !== undefined && to!.endsWith('[]') === false && innermost.to === `${to}[]`) path += '[]';
    if (/\[\]$/.test(to!) && from!.endsWith('[]')) {
      innermost = { from: from!, to: to! };
      continue;
    }
    // `Type 'undefined' is not assignable to type 'string'` only restates the line before it.
    if (from === 'undefined' && innermost) continue;
    innermost = { from: from!, to: to! };
  }
  return deep && innermost ? { path, from: innermost.from, to: innermost.to } : undefined;
}
