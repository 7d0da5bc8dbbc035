import { describeValue, MappingError } from './errors.js';
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
      if (match) instant = calendar(Number(match[1]), Number(match[2]), Number(match[3]));
      break;
    }
    case 'yymmdd': {
      const match = YYMMDD.exec(text);
      if (match) {
        const yy = Number(match[1]);
        instant = calendar(yy < 70 ? 2000 + yy : 1900 + yy, Number(match[2]), Number(match[3]));
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

/** Years 0000–9999, where ISO 8601 has four-digit years: written by hand below. */
const MIN_FAST = -62167219200000;
const MAX_FAST = 253402300800000;
const DAY = 86_400_000;
/** `00`…`99`, so two-digit fields cost an array read instead of padStart. */
const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

/**
 * `new Date(ms).toISOString()` (or its first ten characters) without a Date object: the civil date
 * from days since the epoch (H. Hinnant's algorithm), so a mapping's hot path allocates one string.
 * Outside years 0–9999 (extended years, invalid instants) it defers to Date, which also throws alike.
 */
export function isoFromMillis(ms: number, dateOnly: boolean): string {
  if (!(ms >= MIN_FAST && ms < MAX_FAST) || !Number.isInteger(ms)) {
    const iso = new Date(ms).toISOString();
    return dateOnly ? iso.slice(0, 10) : iso;
  }
  const days = Math.floor(ms / DAY);
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const date = `${year >= 1000 ? year : String(year).padStart(4, '0')}-${TWO[month]}-${TWO[day]}`;
  if (dateOnly) return date;
  const rest = ms - days * DAY;
  const msPart = rest % 1000;
  const seconds = (rest - msPart) / 1000;
  return `${date}T${TWO[Math.floor(seconds / 3600)]}:${TWO[Math.floor(seconds / 60) % 60]}:${TWO[seconds % 60]}.${msPart < 10 ? `00${msPart}` : msPart < 100 ? `0${msPart}` : msPart}Z`;
}

/** Milliseconds of a calendar date at 00:00 UTC, or NaN when the date does not exist (2023-02-30). */
function calendar(year: number, month: number, day: number): number {
  const at = Date.UTC(year, month - 1, day);
  const check = new Date(at);
  return check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day ? at : Number.NaN;
}
