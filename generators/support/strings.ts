/** Maps a defined input to `string` and a missing one (null/undefined) to absent (undefined). */
export type TextOf<T> = T extends string | number ? string : undefined;

/** `0000164` → `164`; an all-zero value keeps one zero. SAP pads document numbers to ten digits. */
export function trimLeadingZeros<T extends string | number | null | undefined>(value: T): TextOf<T> {
  if (value === null || value === undefined) return undefined as TextOf<T>;
  const text = String(value);
  const trimmed = text.replace(/^0+(?=.)/, '');
  return trimmed as TextOf<T>;
}

/** Left-pads to `length` with `fill` (one character). */
export function padStart<T extends string | number | null | undefined>(value: T, length: number, fill: string): TextOf<T> {
  if (value === null || value === undefined) return undefined as TextOf<T>;
  return String(value).padStart(length, fill) as TextOf<T>;
}

export function upper<T extends string | null | undefined>(value: T): T {
  return (typeof value === 'string' ? value.toUpperCase() : value) as T;
}

export function lower<T extends string | null | undefined>(value: T): T {
  return (typeof value === 'string' ? value.toLowerCase() : value) as T;
}

export function trim<T extends string | null | undefined>(value: T): T {
  return (typeof value === 'string' ? value.trim() : value) as T;
}
