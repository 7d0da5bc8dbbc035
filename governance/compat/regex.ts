/** Compiling the regular expressions of `pattern` and `patternProperties` once. */
import { type LinearRegExp, linearRegExp } from '../../lib/linear-regexp.ts';

const cache = new Map<string, LinearRegExp | null>();

/**
 * The compiled expression, or undefined when RE2 cannot run it. Patterns run on RE2 (linear time)
 * as everywhere else specs declare them: comparing a backtracking pattern with a crafted `enum` value
 * of the other revision must not stall `interlace check`.
 */
export function compilePattern(source: string): LinearRegExp | undefined {
  let compiled = cache.get(source);
  if (compiled === undefined) {
    compiled = tryCompile(source);
    cache.set(source, compiled);
  }
  return compiled ?? undefined;
}

function tryCompile(source: string): LinearRegExp | null {
  try {
    return linearRegExp(source, 'u');
  } catch {
    return null;
  }
}

/** Patterns that match every string, so adding one restricts nothing. */
// ('^.*$' is not here: without the s flag it rejects strings containing a line break.)
const MATCH_ALL = new Set(['', '.*', '^.*', '.*$', '(.*)', '[\\s\\S]*', '^[\\s\\S]*$']);

/** True when the pattern accepts every string (checked textually: inclusion of regexes is undecidable here). */
export function matchesEverything(source: string): boolean {
  return MATCH_ALL.has(source);
}
