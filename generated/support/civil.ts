/**
 * Calendar arithmetic without Date objects (H. Hinnant's days-from-civil algorithms), for the date
 * helpers a mapping calls on every message: checking a date, its instant, and writing an instant as
 * ISO 8601 cost a few integer operations and one string instead of a Date allocation each.
 */

const DAY = 86_400_000;

/** Days from 1970-01-01 to the proleptic Gregorian date (`month` 1-based); any integer year. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/** True when the date exists (2024-02-29 does, 2023-02-29 and 2024-13-01 do not). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}

/** Milliseconds of a calendar date at 00:00 UTC, or NaN when the date does not exist (2023-02-30). */
export function calendarMillis(year: number, month: number, day: number): number {
  return isCalendarDate(year, month, day) ? daysFromCivil(year, month, day) * DAY : Number.NaN;
}

/** Years 0000–9999, where ISO 8601 has four-digit years: written by hand below. */
const MIN_FAST = -62167219200000;
const MAX_FAST = 253402300800000;
/** `00`…`99`, so two-digit fields cost an array read instead of padStart. */
const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

/**
 * `new Date(ms).toISOString()` (or its first ten characters) without a Date object: the civil date
 * from days since the epoch, so a mapping's hot path allocates one string. Outside years 0–9999
 * (extended years, invalid instants) it defers to Date, which also throws alike.
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
