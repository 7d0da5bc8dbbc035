/**
 * The one duration parser: Go/Kubernetes-style durations (`time.ParseDuration` restricted to the units
 * specs use): one or more `<number><unit>` groups with unit `h`, `m`, `s` or `ms`, the number a
 * non-negative decimal (`1h30m`, `1.5h`, `500ms`, `30s`). This is exactly what the Estate CRD's
 * pattern admits; the spec language's own schema admits a subset (one group, whole number).
 *
 * Anything else is refused with a reason a person can act on — no sign, no spaces, no bare numbers, no
 * other units, nothing longer than {@link MAX_DURATION_TEXT} characters, nothing whose milliseconds
 * are no longer exact. Callers that read a user's field turn a refusal into a diagnostic (or, in the controller, a
 * Stalled condition) naming the field; they never throw it at the user.
 */

/** What a duration looks like, for hints: `250ms, 30s, 5m or 1h30m`. */
export const DURATION_EXAMPLES = '250ms, 30s, 5m or 1h30m';

/** Longest text parsed: a duration is a few groups, not a document. */
export const MAX_DURATION_TEXT = 64;

/**
 * The longest duration: whole milliseconds stay exact up to here. Larger than Go's largest (about
 * 2562047h) because the spec language's schema admits up to `999999999h`, and a value the schema
 * admits must parse.
 */
const MAX_MS = Number.MAX_SAFE_INTEGER;

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const GROUP = /([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)/y;

export type DurationParse = { ok: true; ms: number } | { ok: false; reason: string };

/** Milliseconds in `text` (rounded to a whole millisecond), or why it is not a duration. */
export function parseDuration(text: string): DurationParse {
  const refuse = (why: string): DurationParse => ({ ok: false, reason: `${why}; write a duration such as ${DURATION_EXAMPLES}` });
  if (typeof text !== 'string') return refuse(`expected a duration text, got ${text === null ? 'null' : typeof text}`);
  if (text.length === 0) return refuse('empty duration');
  const shown = JSON.stringify(text.length > MAX_DURATION_TEXT ? `${text.slice(0, MAX_DURATION_TEXT)}…` : text);
  if (text.length > MAX_DURATION_TEXT) return refuse(`${shown} is longer than ${MAX_DURATION_TEXT} characters`);
  let total = 0;
  let at = 0;
  while (at < text.length) {
    GROUP.lastIndex = at;
    const match = GROUP.exec(text);
    if (!match) return refuse(whyNot(text.slice(at), at, shown));
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    at = GROUP.lastIndex;
  }
  if (!(total <= MAX_MS)) return refuse(`${shown} is longer than the longest duration (about 2.5 billion hours)`);
  return { ok: true, ms: Math.round(total) };
}

/** Why the rest of a duration text (from position `at`) does not start with a `<number><unit>` group. */
function whyNot(rest: string, at: number, shown: string): string {
  const number = /^[0-9]+(?:\.[0-9]+)?/.exec(rest)?.[0];
  if (number === undefined) return `${shown} is not a duration: unexpected ${JSON.stringify(rest[0])} at position ${at + 1}`;
  const after = rest.slice(number.length);
  if (after === '') return `${shown} has a number without a unit (h, m, s or ms)`;
  const word = /^[A-Za-zµ]+/.exec(after)?.[0];
  if (word) return `${shown} has an unknown unit ${JSON.stringify(word)} (h, m, s or ms)`;
  return `${shown} is not a duration: unexpected ${JSON.stringify(after[0])} at position ${at + number.length + 1}`;
}

/** A text that is not a duration, where the caller has no diagnostic to give (a validated spec, a program's own constant). */
export class DurationError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'DurationError';
  }
}

/**
 * Milliseconds in `text`, or `fallbackMs` when it is undefined. For values already checked by a schema
 * (the runtime reads validated specs): a refusal here is a bug, thrown as {@link DurationError}.
 */
export function durationMs(text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new DurationError(parsed.reason);
  return parsed.ms;
}
