import { describeValue, MappingError } from './errors.js';
import { calendarMillis, isoFromMillis } from './civil.js';
import { formatIsoInZone } from './date-patterns.js';

/** How a source writes a date. */
export type DateStyle = 'iso' | 'odata-v2' | 'yyyymmdd' | 'yymmdd';
/** What the target wants: a calendar date (`2024-01-31`) or a full ISO 8601 instant. */
export type DateOutput = 'date' | 'date-time';

/** Maps a defined input to `string` and a missing one (null/undefined) to absent (undefined). */
export type StringOf<T> = T extends string | number ? string : undefined;

const ODATA_V2 = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;
const YYYYMMDD = /^(\d{4})(\d{2})(\d{2})$/;
const YYMMDD = /^(\d{2})(\d{2})(\d{2})$/;

/**
 * Parses a date written in `style` and writes it as ISO 8601 in the target's form. OData V2 dates
 * (`/Date(1552867200000)/`, milliseconds since the epoch, UTC) keep their instant; EDI dates have no
 * time zone and become calendar dates. Two-digit years pivot at 70 (00–69 → 20xx), as X12 does.
 */
export function toDate<T extends string | number | null | undefined>(
  value: T,
  style: DateStyle,
  output: DateOutput,
  target: string,
  zone?: string,
): StringOf<T> {
  if (value === null || value === undefined) return undefined as StringOf<T>;
  const text = typeof value === 'string' ? value.trim() : String(value).trim();
  let instant: number | undefined;
  switch (style) {
    case 'odata-v2': {
      const match = ODATA_V2.exec(text);
      if (match) instant = Number(match[1]);
      break;
    }
    case 'yyyymmdd': {
      const match = YYYYMMDD.exec(text);
      if (match) instant = calendarMillis(Number(match[1]), Number(match[2]), Number(match[3]));
      break;
    }
    case 'yymmdd': {
      const match = YYMMDD.exec(text);
      if (match) {
        const yy = Number(match[1]);
        instant = calendarMillis(yy < 70 ? 2000 + yy : 1900 + yy, Number(match[2]), Number(match[3]));
      }
      break;
    }
    case 'iso': {
      if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
        const parsed = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
        if (!Number.isNaN(parsed)) instant = parsed;
      }
      break;
    }
  }
  if (instant === undefined || Number.isNaN(instant)) {
    throw new MappingError('date-invalid', target, value, `${describeValue(value)} is not a ${style} date`);
  }
  // A date-time written as a date in a zone: that zone's calendar date. An EDI date or a bare ISO date
  // is a calendar date already, which no zone moves.
  const calendarOnly = style === 'yyyymmdd' || style === 'yymmdd' || (style === 'iso' && text.length === 10);
  if (zone !== undefined && output === 'date' && !calendarOnly) return formatIsoInZone(instant, true, zone) as StringOf<T>;
  return isoFromMillis(instant, output === 'date') as StringOf<T>;
}
