/**
 * Reading numeric limits out of a conjunction: the tightest value of a keyword across the atoms, and
 * the effective lower/upper bound combining `minimum`/`exclusiveMinimum` (and the draft-04 boolean
 * form of the exclusive keywords, still common in OpenAPI 3.0 schemas).
 */
import { valuesOf, type Conj } from './conjunction.ts';
import type { Atom } from './resolve.ts';

export interface Limit {
  readonly value: number;
  readonly atom: Atom;
}

/** The strictest numeric value of `keyword`: the largest for lower limits, the smallest for upper ones. */
export function strictest(c: Conj, keyword: string, side: 'lower' | 'upper'): Limit | undefined {
  let best: Limit | undefined;
  for (const { value, atom } of valuesOf(c, keyword)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    if (!best || (side === 'lower' ? value > best.value : value < best.value)) best = { value, atom };
  }
  return best;
}

export interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
  /** The keyword that set it, which names the finding ('minimum' or 'exclusiveMinimum', …). */
  readonly keyword: string;
  /** As written, for messages ('5', '> 5'). */
  readonly shown: string;
  readonly atom: Atom;
}

/**
 * The effective bound on one side. With `integerOnly`, bounds become inclusive integer bounds so
 * that `exclusiveMinimum: 0` and `minimum: 1` on an integer are recognised as the same limit.
 */
export function numericBound(c: Conj, side: 'lower' | 'upper', integerOnly: boolean): Bound | undefined {
  const inclusiveKey = side === 'lower' ? 'minimum' : 'maximum';
  const exclusiveKey = side === 'lower' ? 'exclusiveMinimum' : 'exclusiveMaximum';
  const symbol = side === 'lower' ? '>' : '<';
  let best: Bound | undefined;
  const consider = (candidate: Bound): void => {
    let bound = candidate;
    if (integerOnly) {
      const value =
        side === 'lower'
          ? bound.exclusive
            ? Math.floor(bound.value) + 1
            : Math.ceil(bound.value)
          : bound.exclusive
            ? Math.ceil(bound.value) - 1
            : Math.floor(bound.value);
      bound = { ...bound, value, exclusive: false };
    }
    if (!best || stricter(bound, best, side)) best = bound;
  };
  for (const atom of c.atoms) {
    const schema = atom.schema;
    if (typeof schema !== 'object' || schema === null) continue;
    const s = schema as Record<string, unknown>;
    const inclusive = s[inclusiveKey];
    const exclusive = s[exclusiveKey];
    if (typeof inclusive === 'number') {
      const draft4Exclusive = exclusive === true;
      consider({
        value: inclusive,
        exclusive: draft4Exclusive,
        keyword: draft4Exclusive ? exclusiveKey : inclusiveKey,
        shown: draft4Exclusive ? `${symbol} ${inclusive}` : String(inclusive),
        atom,
      });
    }
    if (typeof exclusive === 'number')
      consider({ value: exclusive, exclusive: true, keyword: exclusiveKey, shown: `${symbol} ${exclusive}`, atom });
  }
  return best;
}

/** True when `a` admits fewer values than `b` on that side. */
export function stricter(a: Bound, b: Bound | undefined, side: 'lower' | 'upper'): boolean {
  if (!b) return true;
  if (a.value !== b.value) return side === 'lower' ? a.value > b.value : a.value < b.value;
  return a.exclusive && !b.exclusive;
}

/** True when `value` satisfies the bound. */
export function withinBound(value: number, bound: Bound, side: 'lower' | 'upper'): boolean {
  if (side === 'lower') return bound.exclusive ? value > bound.value : value >= bound.value;
  return bound.exclusive ? value < bound.value : value <= bound.value;
}

/** True when `value` is a multiple of `step` (with a tolerance for binary fractions such as 0.1). */
export function isMultipleOf(value: number, step: number): boolean {
  if (step <= 0) return true;
  const quotient = value / step;
  return Math.abs(quotient - Math.round(quotient)) <= 1e-9 * Math.max(1, Math.abs(quotient));
}
