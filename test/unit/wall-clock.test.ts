import { describe, expect, it } from 'vitest';
import { instantOf, offsetAt, wallClock } from '../../generators/support/wall-clock.ts';

/**
 * The wall clock in an IANA zone (generators/support/wall-clock.ts) remembers offsets per UTC hour;
 * it must agree with Intl at every instant, also in the hour of a change that is not on a UTC hour
 * (St. John's changes at 02:00 local = 05:30 UTC) and across many zones and years.
 */
function intl(ms: number, zone: string) {
  const f = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(ms)
      .map((p) => [p.type, Number(p.value)]),
  );
  return { y: f.year, mo: f.month, d: f.day, h: f.hour, mi: f.minute, s: f.second };
}

const fields = (ms: number, zone: string) => {
  const { ms: _millis, ...rest } = wallClock(ms, zone);
  return rest;
};

describe('wall clock in a zone', () => {
  it('agrees with Intl around a change in the middle of a UTC hour (St. John’s, 2026-03-08 05:30Z)', () => {
    const change = Date.UTC(2026, 2, 8, 5, 30);
    for (const at of [change - 1000, change, change + 1000, change - 30 * 60_000, change + 29 * 60_000]) {
      expect(fields(at, 'America/St_Johns')).toEqual(intl(at, 'America/St_Johns'));
    }
    expect(fields(change - 1000, 'America/St_Johns')).toMatchObject({ h: 1, mi: 59, s: 59 });
    expect(fields(change, 'America/St_Johns')).toMatchObject({ h: 3, mi: 0 });
    expect(offsetAt(change, 'America/St_Johns')).toBe(-2.5 * 3_600_000);
  });

  it('agrees with Intl at every 7 minutes of two years in several zones (cached hours included)', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Apia'];
    for (const zone of zones) {
      for (let at = Date.UTC(2025, 0, 1); at < Date.UTC(2027, 0, 1); at += 7 * 60_000 * 97) {
        expect(fields(at, zone), `${zone} ${new Date(at).toISOString()}`).toEqual(intl(at, zone));
        // Asked twice: the second answer comes from the cache.
        expect(fields(at + 1, zone)).toEqual(intl(at + 1, zone));
      }
    }
  });

  it('finds the instant of a wall time: 21:00 New York on 2026-12-03 is 02:00Z on the 4th', () => {
    expect(new Date(instantOf(Date.UTC(2026, 11, 3, 21), 'America/New_York')).toISOString()).toBe('2026-12-04T02:00:00.000Z');
  });
});
