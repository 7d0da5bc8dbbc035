/**
 * Wall-clock time in an IANA zone, through Intl (no time-zone database is bundled): the fields a
 * clock in `zone` shows at an instant, the zone's offset, and the instant a wall time names. Used by
 * `parseDate`/`formatDate` patterns, `convert: { date, zone }` and the timestamp getters' zone.
 */

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** The fields of a wall clock: `mo` is 1-based, `ms` the milliseconds. */
interface WallClock {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
}

/** The UTC fields of an instant (`mo` 1-based). */
function utcFields(ms: number): WallClock {
  const t = new Date(ms);
  return {
    y: t.getUTCFullYear(),
    mo: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    h: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    s: t.getUTCSeconds(),
    ms: ((ms % 1000) + 1000) % 1000,
  };
}

/** The zone's offset at an instant, read from Intl (`formatToParts`, the slow part). */
function exactOffset(ms: number, zone: string): number {
  let formatter = zoneFormatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    zoneFormatters.set(zone, formatter);
  }
  const f: Record<string, string> = {};
  for (const p of formatter.formatToParts(ms)) f[p.type] = p.value;
  const year = Number(f.year);
  const wall = new Date(0);
  // setUTCFullYear keeps years 0–99 as they are (Date.UTC reads them as 19xx).
  wall.setUTCFullYear(f.era === 'BC' || f.era === 'B' ? 1 - year : year, Number(f.month) - 1, Number(f.day));
  wall.setUTCHours(Number(f.hour), Number(f.minute), Number(f.second), ((ms % 1000) + 1000) % 1000);
  return wall.getTime() - ms;
}

const HOUR = 3_600_000;
/** Offsets by zone, then by UTC hour, for hours in which the offset does not change (bounded per zone). */
const hourOffsets = new Map<string, Map<number, number>>();
const MAX_CACHED_HOURS = 4096;

/**
 * Offset of `zone` from UTC at instant `ms`, in milliseconds (New York in winter: −5 h). Intl is
 * asked for the first and last millisecond of the instant's UTC hour; when they agree (every hour but
 * one at a change) the offset is remembered for that hour, so messages of the same hour cost a map
 * lookup instead of two `formatToParts` calls.
 */
export function offsetAt(ms: number, zone: string): number {
  if (zone === 'UTC') return 0;
  const hour = Math.floor(ms / HOUR);
  let hours = hourOffsets.get(zone);
  if (hours === undefined) {
    hours = new Map();
    hourOffsets.set(zone, hours);
  }
  // A number key: no `zone|hour` string to build and hash per call.
  const cached = hours.get(hour);
  if (cached !== undefined) return cached;
  const start = exactOffset(hour * HOUR, zone);
  if (start !== exactOffset(hour * HOUR + HOUR - 1, zone)) return exactOffset(ms, zone);
  if (hours.size >= MAX_CACHED_HOURS) hours.clear();
  hours.set(hour, start);
  return start;
}

/** Wall-clock fields of an instant in `zone` (UTC without Intl). */
export function wallClock(ms: number, zone: string): WallClock {
  return utcFields(zone === 'UTC' ? ms : ms + offsetAt(ms, zone));
}

/**
 * The instant at which clocks in `zone` show the given wall time. Two passes settle the offset around
 * a change; a time skipped by a spring-forward gap lands after the gap, a repeated one on its first
 * occurrence.
 */
export function instantOf(wall: number, zone: string): number {
  if (zone === 'UTC') return wall;
  const first = wall - offsetAt(wall, zone);
  const second = wall - offsetAt(first, zone);
  return second === first ? first : Math.min(first, second);
}
