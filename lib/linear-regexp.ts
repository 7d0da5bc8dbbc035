import { RE2JS } from 're2js';

/**
 * Regular expressions that come from specs (JSON Schema `pattern`, `patternProperties`) run on RE2,
 * whose matching time is linear in the input: a pattern such as `^(a+)+$` cannot stall a process the
 * way it stalls JavaScript's backtracking engine (50 s for 31 characters). RE2 has no lookaround and
 * no backreferences; such patterns are refused where a spec declares them (`linearRegExpProblem`).
 */
export interface LinearRegExp {
  test(text: string): boolean;
  toString(): string;
}

/**
 * Compiles an ECMAScript-syntax pattern for RE2 (`\u00e9`, named groups and the like are translated).
 * Flags `i`, `s` and `m` mean what they mean for RegExp; `u` is how RE2 always reads patterns.
 */
function compile(pattern: string, flags = ''): RE2JS {
  let options = 0;
  if (flags.includes('i')) options |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('s')) options |= RE2JS.DOTALL;
  if (flags.includes('m')) options |= RE2JS.MULTILINE;
  return RE2JS.compile(RE2JS.translateRegExp(pattern), options);
}

/**
 * ajv's `code.regExp` engine: `(pattern, flags) => { test }`. Searches like `RegExp.prototype.test`
 * (unanchored unless the pattern anchors itself). Throws on a pattern RE2 cannot run, so a schema
 * that slipped past `linearRegExpProblem` fails to compile instead of running on a backtracking engine.
 */
export function linearRegExp(pattern: string, flags = ''): LinearRegExp {
  const re = compile(pattern, flags);
  // ajv tells patterns apart by toString(): it must differ per pattern, or all would share the first.
  return { test: (text: string) => re.test(text), toString: () => `/${pattern}/${flags}` };
}
/** What ajv writes into standalone code to call this engine (unused by in-process compilation). */
linearRegExp.code = 'linearRegExp';

/** Why RE2 cannot run the pattern (lookaround, backreference, bad syntax), or undefined when it can. */
export function linearRegExpProblem(pattern: string): string | undefined {
  try {
    compile(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^error parsing regexp: /, '');
  }
}
