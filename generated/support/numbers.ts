import { describeValue, MappingError } from './errors.js';

/** How a string holds a number: `12.50`, `12,50` (with `.` as thousands separator), or an implied-decimal integer. */
export type NumberStyle = 'decimal-point' | 'decimal-comma' | 'implied-2' | 'implied-3' | 'implied-4';

/** Maps a defined input to `number` and a missing one (null/undefined) to absent (undefined). */
export type NumberOf<T> = T extends string | number ? number : undefined;

/**
 * `/^[+-]?(\d+\.?\d*|\.\d+)$/` as a loop: the check runs for every number of every message, and a
 * character scan of a short string is cheaper than a regular expression call.
 */
function isDecimal(text: string): boolean {
  const n = text.length;
  let i = 0;
  const first = n > 0 ? text.charCodeAt(0) : 0;
  if (first === 43 || first === 45) i = 1; // + -
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot)
      dot = true; // .
    else return false;
  }
  return digits > 0;
}

/**
 * Parses a number written in `style`. Implied decimals are placed by moving the decimal point in
 * the text (not by dividing), so `1255` with implied-2 is exactly 12.55 with no binary rounding.
 * A value that does not parse fails the message with a MappingError naming `target`.
 */
export function toNumber<T extends string | number | null | undefined>(value: T, style: NumberStyle, target: string): NumberOf<T> {
  if (value === null || value === undefined) return undefined as NumberOf<T>;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MappingError('number-invalid', target, value, `${describeValue(value)} is not a finite number`);
    return (style.startsWith('implied-') ? shiftDecimal(String(value), impliedDigits(style), target) : value) as NumberOf<T>;
  }
  const text = (value as string).trim();
  let normalized: string;
  switch (style) {
    case 'decimal-point':
      normalized = text.indexOf(',') === -1 ? text : text.replace(/,/g, '');
      break;
    case 'decimal-comma':
      normalized = text.replace(/\./g, '').replace(',', '.');
      break;
    default:
      return shiftDecimal(text, impliedDigits(style), target) as NumberOf<T>;
  }
  if (!isDecimal(normalized)) throw new MappingError('number-invalid', target, value, `${describeValue(value)} is not a ${style} number`);
  return Number(normalized) as NumberOf<T>;
}

function impliedDigits(style: NumberStyle): number {
  return Number(style.slice('implied-'.length));
}

function shiftDecimal(text: string, digits: number, target: string): number {
  const match = /^([+-]?)(\d+)$/.exec(text);
  if (!match) throw new MappingError('number-invalid', target, text, `${describeValue(text)} is not an implied-decimal integer`);
  const digitsText = match[2]!.padStart(digits + 1, '0');
  return Number(`${match[1]}${digitsText.slice(0, -digits)}.${digitsText.slice(-digits)}`);
}
