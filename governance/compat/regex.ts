/** Compiling the regular expressions of `pattern` and `patternProperties` once. */

const cache = new Map<string, RegExp | null>();

/**
 * The compiled expression, or undefined when it cannot be compiled by JavaScript. JSON Schema
 * patterns are ECMA-262 with the `u` flag (as ajv compiles them); without it as a fallback for
 * patterns written for older validators.
 */
export function compilePattern(source: string): RegExp | undefined {
  let compiled = cache.get(source);
  if (compiled === undefined) {
    compiled = tryCompile(source, 'u') ?? tryCompile(source, '') ?? null;
    cache.set(source, compiled);
  }
  return compiled ?? undefined;
}

function tryCompile(source: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

/** Patterns that match every string, so adding one restricts nothing. */
// ('^.*$' is not here: without the s flag it rejects strings containing a line break.)
const MATCH_ALL = new Set(['', '.*', '^.*', '.*$', '(.*)', '[\\s\\S]*', '^[\\s\\S]*$']);

/** True when the pattern accepts every string (checked textually: inclusion of regexes is undecidable here). */
export function matchesEverything(source: string): boolean {
  return MATCH_ALL.has(source);
}
