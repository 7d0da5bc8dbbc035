import { describeValue, MappingError } from './errors.js';
import { CelTimestamp, parseIsoInstant } from './timestamps.js';
import type { PresentAs } from './timestamps.js';
import { formatIsoInZone, formatPattern } from './date-patterns.js';

/**
 * The formats `formatDate(value, format)` writes, all in UTC:
 * `iso` 2026-11-27T14:32:10.500Z, `iso-date` 2026-11-27, `odata-v2` /Date(1795737600000)/,
 * `yyyymmdd` 20261127 (X12 CCYYMMDD), `yymmdd` 261127, `hhmm` 1432, `hhmmss` 143210.
 */
export const DATE_FORMATS = ['iso', 'iso-date', 'odata-v2', 'yyyymmdd', 'yymmdd', 'hhmm', 'hhmmss'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

const two = (n: number) => String(n).padStart(2, '0');

/** The named formats as patterns, for writing them in a time zone's wall time. */
const AS_PATTERN: Partial<Record<DateFormat, string>> = { yyyymmdd: 'YYYYMMDD', yymmdd: 'YYMMDD', hhmm: 'hhmm', hhmmss: 'hhmmss' };

/**
 * Writes an ISO 8601 date or date-time (as canonical contracts hold them) or a CEL timestamp in
 * `format`: a named format (DATE_FORMATS) or a pattern (`YYYYMMDDhhmmss`, `CCYYMMDD`, `DD.MM.YYYY`,
 * see date-patterns.ts). With `zone` (`America/New_York`) it writes that zone's wall time, so a
 * 21:00 New York order keeps its New York date; a bare ISO date is a calendar date no zone moves.
 * A missing value stays absent, so an optional source field can feed an optional target. The
 * generator checks `format` and `zone` at build time; text that is no ISO date fails the message.
 */
export function formatDate<T extends string | CelTimestamp | null | undefined>(
  value: T,
  format: DateFormat | (string & {}),
  target: string,
  zone?: string,
): PresentAs<T, string> {
  if (value === null || value === undefined) return undefined as PresentAs<T, string>;
  const at = value instanceof CelTimestamp ? value.epochMillis : parseIsoInstant(String(value).trim());
  if (at === undefined)
    throw new MappingError(
      'date-invalid',
      target,
      value,
      `formatDate(): ${describeValue(value)} is not an ISO 8601 date or date-time with a time zone`,
    );
  const named = (DATE_FORMATS as readonly string[]).includes(format);
  if (!named || (zone !== undefined && zone !== 'UTC' && format !== 'odata-v2')) {
    const calendarDate = typeof value === 'string' && value.trim().length === 10;
    if (named && (format === 'iso' || format === 'iso-date'))
      return formatIsoInZone(at, format === 'iso-date', calendarDate ? 'UTC' : zone!) as PresentAs<T, string>;
    return formatPattern(value as string | CelTimestamp, AS_PATTERN[format as DateFormat] ?? format, zone ?? 'UTC') as PresentAs<T, string>;
  }
  const d = new Date(at);
  const date = `${String(d.getUTCFullYear()).padStart(4, '0')}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`;
  let text: string;
  switch (format as DateFormat) {
    case 'iso':
      text = d.toISOString();
      break;
    case 'iso-date':
      text = d.toISOString().slice(0, 10);
      break;
    case 'odata-v2':
      text = `/Date(${at})/`;
      break;
    case 'yyyymmdd':
      text = date;
      break;
    case 'yymmdd':
      text = date.slice(2);
      break;
    case 'hhmm':
      text = `${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
      break;
    case 'hhmmss':
      text = `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
      break;
  }
  return text as PresentAs<T, string>;
}
