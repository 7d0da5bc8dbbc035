import type { PresentAs } from './timestamps.js';

/** Lone or paired UTF-16 surrogates: where code points and string indexes differ. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * CEL `s.substring(start, end?)`: the characters (code points, as `size()` counts them) from `start`
 * up to, not including, `end`. Positions are clamped to the string (CEL would fail the message; a
 * mapping keeps the part that is there, so `name.substring(0, 35)` fits a 35-character EDI field).
 * A missing value stays absent.
 */
export function substring<T extends string | null | undefined>(value: T, start: number, end?: number): PresentAs<T, string> {
  if (value === null || value === undefined) return undefined as PresentAs<T, string>;
  const text = value as string;
  if (!SURROGATE.test(text))
    return text.slice(Math.max(0, start), end === undefined ? undefined : Math.max(0, end)) as PresentAs<T, string>;
  const chars = Array.from(text);
  return chars.slice(Math.max(0, start), end === undefined ? undefined : Math.max(0, end)).join('') as PresentAs<T, string>;
}

/** CEL `s.replace(old, new)`: every occurrence of the text `old` (not a pattern) becomes `new`. */
export function replaceText<T extends string | null | undefined>(value: T, old: string, replacement: string): PresentAs<T, string> {
  if (value === null || value === undefined) return undefined as PresentAs<T, string>;
  return (old === '' ? (value as string) : (value as string).split(old).join(replacement)) as PresentAs<T, string>;
}
