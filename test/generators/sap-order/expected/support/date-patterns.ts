import { describeValue, MappingError } from './errors.js';
import { CelTimestamp, parseIsoInstant } from './timestamps.js';
import type { PresentAs } from './timestamps.js';
import { daysFromCivil, isCalendarDate, isoFromMillis } from './civil.js';
import { instantOf, offsetAt, wallClock } from './wall-clock.js';

/**
 * Explicit date patterns (`YYYYMMDDhhmmss`, `CCYYMMDD`, `HHMM`, `DD.MM.YYYY`) and IANA time zones,
 * for `parseDate(text, pattern, zone)` and `formatDate(value, pattern, zone)` in mapping expressions.
 * Zones go through Intl (no time-zone database is bundled); a zone's offset at an instant comes from
 * `Intl.DateTimeFormat#formatToParts`, and one formatter per zone is kept.
 */

/**
 * A pattern token: `YYYY`/`CCYY` year, `YY` two-digit year, `MM` month (minutes right after an hour,
 * as in EDI's `HHMM`), `DD` day, `HH`/`hh` hour (0–23), `mm` minutes, `ss` seconds, `SSS` milliseconds.
 */
type Token = 'YYYY' | 'YY' | 'MM' | 'DD' | 'hh' | 'mm' | 'ss' | 'SSS';
type Part = { token: Token } | { literal: string };

const TOKENS: readonly [string, Token][] = [
  ['YYYY', 'YYYY'],
  ['CCYY', 'YYYY'],
  ['SSS', 'SSS'],
  ['YY', 'YY'],
  ['MM', 'MM'],
  ['DD', 'DD'],
  ['HH', 'hh'],
  ['hh', 'hh'],
  ['mm', 'mm'],
  ['ss', 'ss'],
];
const WIDTH: Record<Token, number> = { YYYY: 4, YY: 2, MM: 2, DD: 2, hh: 2, mm: 2, ss: 2, SSS: 3 };
/** Characters a pattern may hold between tokens. */
const LITERALS = new Set(['-', '/', ':', '.', ' ', 'T', '_', ',']);

const compiled = new Map<string, Part[]>();

/**
 * Splits a pattern into tokens and literals, or says what is wrong with it. The generator calls this
 * at build time, so a pattern that reaches run time is valid.
 */
export function datePatternParts(pattern: string): { ok: true; parts: Part[] } | { ok: false; message: string } {
  const parts: Part[] = [];
  const seen = new Set<Token>();
  let i = 0;
  while (i < pattern.length) {
    const match = TOKENS.find(([text]) => pattern.startsWith(text, i));
    if (match) {
      // EDI's `HHMM`: right after the hour, `MM` is minutes.
      const previous = parts[parts.length - 1];
      const token = match[1] === 'MM' && previous !== undefined && 'token' in previous && previous.token === 'hh' ? 'mm' : match[1];
      if (seen.has(token) || (token === 'YY' && seen.has('YYYY')) || (token === 'YYYY' && seen.has('YY')))
        return { ok: false, message: `the pattern names the ${token === 'YY' ? 'year' : token} twice` };
      seen.add(token);
      parts.push({ token });
      i += match[0].length;
      continue;
    }
    const ch = pattern[i]!;
    if (!LITERALS.has(ch))
      return {
        ok: false,
        message: `\`${ch}\` at position ${i + 1} is neither a token (YYYY CCYY YY MM DD HH hh mm ss SSS) nor a separator (- / : . space T _ ,)`,
      };
    parts.push({ literal: ch });
    i++;
  }
  if (seen.size === 0) return { ok: false, message: 'the pattern has no date or time token' };
  return { ok: true, parts };
}

function partsOf(pattern: string): Part[] {
  let parts = compiled.get(pattern);
  if (!parts) {
    const result = datePatternParts(pattern);
    if (!result.ok) throw new Error(`date pattern ${JSON.stringify(pattern)}: ${result.message}`);
    parts = result.parts;
    compiled.set(pattern, parts);
  }
  return parts;
}

/** True when `zone` is an IANA time zone this runtime knows (`America/New_York`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * `parseDate(text, 'YYYYMMDDhhmmss', 'America/New_York')`: reads `text` laid out as `pattern`. A
 * pattern with a time gives the instant (ISO 8601 in UTC, `2026-11-26T02:00:00.000Z`), reading the
 * wall time in `zone` (UTC when none is given); a date-only pattern gives the calendar date
 * (`2026-11-25`), which no zone shifts. Two-digit years pivot at 70, as X12 does. A missing value
 * stays absent; text that does not fit the pattern, or names no real date, fails the message.
 */
export function parseDate<T extends string | number | null | undefined>(
  value: T,
  pattern: string,
  target: string,
  zone = 'UTC',
): PresentAs<T, string> {
  if (value === null || value === undefined) return undefined as PresentAs<T, string>;
  const text = String(value).trim();
  // One pass over the text with the fields in locals (-1: not in the pattern): this runs per message.
  let Y4 = -1;
  let Y2 = -1;
  let MO = -1;
  let D = -1;
  let H = -1;
  let MI = -1;
  let S = -1;
  let MS = -1;
  let at = 0;
  let ok = true;
  for (const part of partsOf(pattern)) {
    if ('literal' in part) {
      if (text[at] !== part.literal) ok = false;
      at++;
    } else {
      const width = WIDTH[part.token];
      let n = 0;
      for (let j = 0; j < width && ok; j++) {
        const digit = text.charCodeAt(at + j) - 48;
        if (digit >= 0 && digit <= 9) n = n * 10 + digit;
        else ok = false;
      }
      at += width;
      if (part.token === 'YYYY') Y4 = n;
      else if (part.token === 'YY') Y2 = n;
      else if (part.token === 'MM') MO = n;
      else if (part.token === 'DD') D = n;
      else if (part.token === 'hh') H = n;
      else if (part.token === 'mm') MI = n;
      else if (part.token === 'ss') S = n;
      else MS = n;
    }
    if (!ok) break;
  }
  if (!ok || at !== text.length) throw notMatching(value, pattern, target);
  const year = Y4 >= 0 ? Y4 : Y2 < 0 ? 1970 : Y2 < 70 ? 2000 + Y2 : 1900 + Y2;
  const month = MO >= 0 ? MO : 1;
  const day = D >= 0 ? D : 1;
  const h = Math.max(H, 0);
  const mi = Math.max(MI, 0);
  const sec = Math.max(S, 0);
  const ms = Math.max(MS, 0);
  if (!isCalendarDate(year, month, day) || h > 23 || mi > 59 || sec > 59) throw notMatching(value, pattern, target);
  const hasTime = H >= 0 || MI >= 0 || S >= 0;
  if (!hasTime) return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` as PresentAs<T, string>;
  const wall = daysFromCivil(year, month, day) * 86_400_000 + ((h * 60 + mi) * 60 + sec) * 1000 + ms;
  return isoFromMillis(instantOf(wall, zone), false) as PresentAs<T, string>;
}

function notMatching(value: unknown, pattern: string, target: string): MappingError {
  return new MappingError('date-invalid', target, value, `parseDate(): ${describeValue(value)} does not match the pattern '${pattern}'`);
}

/**
 * Writes an instant (or a calendar date) in `pattern`, in `zone`'s wall time. A bare ISO date is a
 * calendar date: no zone moves it to another day.
 */
export function formatPattern(value: string | CelTimestamp, pattern: string, zone: string): string | undefined {
  const text = value instanceof CelTimestamp ? undefined : value.trim();
  const ms = value instanceof CelTimestamp ? value.epochMillis : parseIsoInstant(text!);
  if (ms === undefined) return undefined;
  const calendarDate = text !== undefined && text.length === 10;
  const w = wallClock(ms, calendarDate ? 'UTC' : zone);
  let out = '';
  for (const part of partsOf(pattern)) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    switch (part.token) {
      case 'YYYY':
        out += pad(w.y, 4);
        break;
      case 'YY':
        out += pad(((w.y % 100) + 100) % 100, 2);
        break;
      case 'MM':
        out += pad(w.mo, 2);
        break;
      case 'DD':
        out += pad(w.d, 2);
        break;
      case 'hh':
        out += pad(w.h, 2);
        break;
      case 'mm':
        out += pad(w.mi, 2);
        break;
      case 'ss':
        out += pad(w.s, 2);
        break;
      case 'SSS':
        out += pad(w.ms, 3);
        break;
    }
  }
  return out;
}

/** `iso-date` and `iso` in a zone: the wall date, or the instant with the zone's offset (`…-05:00`). */
export function formatIsoInZone(ms: number, dateOnly: boolean, zone: string): string {
  const w = wallClock(ms, zone);
  const date = `${pad(w.y, 4)}-${pad(w.mo, 2)}-${pad(w.d, 2)}`;
  if (dateOnly) return date;
  const offset = Math.round(offsetAt(ms, zone) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zoneText = offset === 0 ? 'Z' : `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
  return `${date}T${pad(w.h, 2)}:${pad(w.mi, 2)}:${pad(w.s, 2)}.${pad(w.ms, 3)}${zoneText}`;
}
