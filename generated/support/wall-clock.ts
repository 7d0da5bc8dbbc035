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

/** Wall-clock fields of an instant in `zone` (UTC without Intl). */
export function wallClock(ms: number, zone: string): WallClock {
  const millis = ((ms % 1000) + 1000) % 1000;
  if (zone === 'UTC') {
    const t = new Date(ms);
    return {
      y: t.getUTCFullYear(),
      mo: t.getUTCMonth() + 1,
      d: t.getUTCDate(),
      h: t.getUTCHours(),
      mi: t.getUTCMinutes(),
      s: t.getUTCSeconds(),
      ms: millis,
    };
  }
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
  return {
    y: f.era === 'BC' || f.era === 'B' ? 1 - year : year,
    mo: Number(f.month),
    d: Number(f.day),
    h: Number(f.hour),
    mi: Number(f.minute),
    s: Number(f.second),
    ms: millis,
  };
}

/** Offset of `zone` from UTC at instant `ms`, in milliseconds (New York in winter: −5 h). */
export function offsetAt(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s, w.ms) - ms;
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
