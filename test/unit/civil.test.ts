import { describe, expect, it } from 'vitest';
import { calendarMillis, daysFromCivil, isCalendarDate, isoFromMillis } from '../../generators/support/civil.ts';

/** The calendar arithmetic the date helpers use instead of Date objects, checked against Date itself. */
describe('calendar arithmetic without Date', () => {
  it('agrees with Date on every day of years 0–2, 1899–1901, 1969–1972, 1999–2001, 2099–2101 and 9998–9999', () => {
    for (const [from, to] of [
      [0, 2],
      [1899, 1901],
      [1969, 1972],
      [1999, 2001],
      [2099, 2101],
      [9998, 9999],
    ] as const) {
      for (let year = from; year <= to; year++) {
        for (let month = 1; month <= 12; month++) {
          for (let day = 1; day <= 32; day++) {
            const date = new Date(0);
            date.setUTCFullYear(year, month - 1, day);
            const exists = date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
            expect(isCalendarDate(year, month, day), `${year}-${month}-${day}`).toBe(exists);
            if (!exists) {
              expect(calendarMillis(year, month, day)).toBeNaN();
              continue;
            }
            expect(daysFromCivil(year, month, day) * 86_400_000).toBe(date.getTime());
            expect(calendarMillis(year, month, day)).toBe(date.getTime());
            const noon = date.getTime() + 12 * 3_600_000 + 34 * 60_000 + 56_789;
            expect(isoFromMillis(noon, false)).toBe(new Date(noon).toISOString());
            expect(isoFromMillis(noon, true)).toBe(new Date(noon).toISOString().slice(0, 10));
          }
        }
      }
    }
  });

  it('refuses month 0 and 13 and day 0, and defers extended years and invalid instants to Date', () => {
    expect([isCalendarDate(2026, 0, 1), isCalendarDate(2026, 13, 1), isCalendarDate(2026, 1, 0)]).toEqual([false, false, false]);
    expect(isoFromMillis(-62198755200000, false)).toBe(new Date(-62198755200000).toISOString());
    expect(() => isoFromMillis(Number.NaN, false)).toThrow(RangeError);
  });
});
