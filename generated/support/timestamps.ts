import { describeValue, MappingError } from './errors.js';
import { wallClock } from './wall-clock.js';

/**
 * CEL's `google.protobuf.Timestamp`, as compiled mapping expressions use it: `timestamp('…')` makes
 * one, its getters read it in UTC (CEL's default time zone) or in the IANA zone they are given, `int(t)` is seconds since the epoch and
 * `string(t)` RFC 3339. A class rather than a number so that the type checker refuses `t + 1` or
 * `t.size()`, as CEL does; `formatDate` writes it in the formats ERPs and EDI want.
 */
export class CelTimestamp {
  /** Milliseconds since 1970-01-01T00:00:00Z. */
  readonly epochMillis: number;

  constructor(epochMillis: number) {
    this.epochMillis = epochMillis;
  }

  /** The wall clock in `zone` (an IANA name the generator checked at build time), UTC by default. */
  private wall(zone: string | undefined) {
    return wallClock(this.epochMillis, zone ?? 'UTC');
  }

  getFullYear(zone?: string): number {
    return this.wall(zone).y;
  }

  /** 0-based, as in CEL (January is 0). */
  getMonth(zone?: string): number {
    return this.wall(zone).mo - 1;
  }

  /** 1-based day of the month, as in CEL. */
  getDate(zone?: string): number {
    return this.wall(zone).d;
  }

  /** 0-based day of the month, as in CEL. */
  getDayOfMonth(zone?: string): number {
    return this.wall(zone).d - 1;
  }

  /** 0 = Sunday, as in CEL. */
  getDayOfWeek(zone?: string): number {
    const w = this.wall(zone);
    return new Date(Date.UTC(w.y, w.mo - 1, w.d)).getUTCDay();
  }

  /** 0-based day of the year, as in CEL. */
  getDayOfYear(zone?: string): number {
    const w = this.wall(zone);
    const day = new Date(Date.UTC(w.y, w.mo - 1, w.d));
    const start = new Date(Date.UTC(w.y, 0, 1));
    // setUTCFullYear keeps years 0–99 as they are (Date.UTC reads them as 19xx).
    day.setUTCFullYear(w.y);
    start.setUTCFullYear(w.y);
    return Math.round((day.getTime() - start.getTime()) / 86_400_000);
  }

  getHours(zone?: string): number {
    return this.wall(zone).h;
  }

  getMinutes(zone?: string): number {
    return this.wall(zone).mi;
  }

  getSeconds(zone?: string): number {
    return this.wall(zone).s;
  }

  getMilliseconds(zone?: string): number {
    return this.wall(zone).ms;
  }

  /** RFC 3339 in UTC, as CEL's `string(timestamp)`. */
  toString(): string {
    return new Date(this.epochMillis).toISOString();
  }

  /** Lets `<`, `<=`, `>`, `>=` compare two timestamps by instant. */
  valueOf(): number {
    return this.epochMillis;
  }
}

/** Maps a defined input to `R` and passes a missing one (null/undefined) through as absent. */
export type PresentAs<T, R> = T extends null | undefined ? undefined : R;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Reads an ISO 8601 date (`2026-11-27`, midnight UTC) or date-time with a zone (`…T14:32:10.5Z`,
 * `…+01:00`) as an instant; undefined when the text is neither. A date-time without a zone is
 * refused: it names no instant.
 */
export function parseIsoInstant(text: string): number | undefined {
  const date = ISO_DATE.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const at = Date.UTC(year, month - 1, day);
    const check = new Date(at);
    return check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day ? at : undefined;
  }
  if (!ISO_DATE_TIME.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

/**
 * CEL `timestamp(text)`. Accepts RFC 3339 as CEL does, and a bare ISO date as midnight UTC (so
 * `timestamp(source.orderDate)` works on `format: date` fields). A missing value stays absent; text
 * that is no date fails the message with a MappingError naming `target`.
 */
export function toTimestamp<T extends string | CelTimestamp | null | undefined>(value: T, target: string): PresentAs<T, CelTimestamp> {
  if (value === null || value === undefined) return undefined as PresentAs<T, CelTimestamp>;
  if (value instanceof CelTimestamp) return value as PresentAs<T, CelTimestamp>;
  const at = parseIsoInstant(String(value).trim());
  if (at === undefined)
    throw new MappingError(
      'date-invalid',
      target,
      value,
      `timestamp(): ${describeValue(value)} is not an ISO 8601 date or date-time with a time zone`,
    );
  return new CelTimestamp(at) as PresentAs<T, CelTimestamp>;
}
