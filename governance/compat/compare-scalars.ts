/**
 * String and number keywords: any limit the reader makes stricter than the writer's is a finding;
 * looser or equal limits are fine. When the writer has a finite set of values (enum/const), the values
 * themselves are checked instead, which avoids reporting a new limit that every old value meets.
 */
import { numericBound, isMultipleOf, strictest, stricter, withinBound, type Bound } from './bounds.ts';
import { valuesOf, type Conj } from './conjunction.ts';
import type { Context } from './context.ts';
import type { Details } from './explain.ts';
import { compilePattern, matchesEverything } from './regex.ts';

/** minLength, maxLength and pattern, when the writer may produce any string. */
export function compareStrings(ctx: Context, r: Conj, w: Conj, field: string): void {
  const rMin = strictest(r, 'minLength', 'lower');
  const wMin = strictest(w, 'minLength', 'lower');
  if (rMin && rMin.value > (wMin?.value ?? 0))
    ctx.report('min-length-increased', field, rMin.atom.ptr, { reader: rMin.value, writer: wMin?.value });
  const rMax = strictest(r, 'maxLength', 'upper');
  const wMax = strictest(w, 'maxLength', 'upper');
  if (rMax && rMax.value < (wMax?.value ?? Infinity))
    ctx.report('max-length-decreased', field, rMax.atom.ptr, { reader: rMax.value, writer: wMax?.value });
  const writerPatterns = stringValues(w, 'pattern').map((p) => p.value);
  for (const { value, ptr } of stringValues(r, 'pattern')) {
    if (matchesEverything(value) || writerPatterns.includes(value)) continue;
    // Whether one regular expression's language contains another's is not decided here: any new or
    // different pattern is reported, and the same pattern text is never reported.
    if (writerPatterns.length > 0) ctx.report('pattern-changed', field, ptr, { reader: value, writer: writerPatterns[0] });
    else ctx.report('pattern-added', field, ptr, { reader: value });
  }
}

/** format, for any type (ajv-formats also defines numeric formats such as int32). */
export function compareFormats(ctx: Context, r: Conj, w: Conj, field: string): void {
  const writerFormats = stringValues(w, 'format').map((f) => f.value);
  for (const { value, ptr } of stringValues(r, 'format')) {
    if (writerFormats.includes(value)) continue;
    if (writerFormats.length > 0) ctx.report('format-changed', field, ptr, { reader: value, writer: writerFormats[0] });
    else ctx.report('format-added', field, ptr, { reader: value });
  }
}

/** minimum/maximum (inclusive and exclusive) and multipleOf, when the writer may produce any number. */
export function compareNumbers(ctx: Context, r: Conj, w: Conj, field: string, integerOnly: boolean): void {
  for (const side of ['lower', 'upper'] as const) {
    const rb = numericBound(r, side, integerOnly);
    const wb = numericBound(w, side, integerOnly);
    if (rb && stricter(rb, wb, side)) ctx.report(boundChange(rb, side), field, rb.atom.ptr, { reader: rb.shown, writer: wb?.shown });
  }
  const writerSteps = valuesOf(w, 'multipleOf')
    .map((v) => v.value)
    .filter((v): v is number => typeof v === 'number' && v > 0);
  for (const { value, atom } of valuesOf(r, 'multipleOf')) {
    if (typeof value !== 'number' || value <= 0) continue;
    const implied = integerOnly && isMultipleOf(1, value);
    if (implied || writerSteps.some((step) => isMultipleOf(step, value))) continue;
    ctx.report('multiple-of-changed', field, atom.ptr, { reader: value, writer: writerSteps[0] });
  }
}

/**
 * The writer's enum/const values against the reader's string and number keywords: each violated
 * keyword is reported once, listing the values it rejects.
 */
export function compareValues(ctx: Context, r: Conj, w: Conj, field: string, values: readonly unknown[]): void {
  const found = new Map<string, { ptr: string; details: Details; lost: unknown[] }>();
  const add = (change: string, ptr: string, details: Details, value: unknown): void => {
    const entry = found.get(change) ?? { ptr, details, lost: [] };
    entry.lost.push(value);
    found.set(change, entry);
  };
  const rMin = strictest(r, 'minLength', 'lower');
  const rMax = strictest(r, 'maxLength', 'upper');
  const writerPatterns = stringValues(w, 'pattern').map((p) => p.value);
  const lower = numericBound(r, 'lower', false);
  const upper = numericBound(r, 'upper', false);
  for (const value of values) {
    if (typeof value === 'string') {
      const length = [...value].length;
      if (rMin && length < rMin.value)
        add('min-length-increased', rMin.atom.ptr, { reader: rMin.value, writer: strictest(w, 'minLength', 'lower')?.value }, value);
      if (rMax && length > rMax.value)
        add('max-length-decreased', rMax.atom.ptr, { reader: rMax.value, writer: strictest(w, 'maxLength', 'upper')?.value }, value);
      for (const { value: source, ptr } of stringValues(r, 'pattern')) {
        // An expression JavaScript cannot compile is assumed not to match (conservative).
        if (compilePattern(source)?.test(value)) continue;
        if (writerPatterns.length > 0) add('pattern-changed', ptr, { reader: source, writer: writerPatterns[0] }, value);
        else add('pattern-added', ptr, { reader: source }, value);
      }
    } else if (typeof value === 'number') {
      if (lower && !withinBound(value, lower, 'lower'))
        add(boundChange(lower, 'lower'), lower.atom.ptr, { reader: lower.shown, writer: numericBound(w, 'lower', false)?.shown }, value);
      if (upper && !withinBound(value, upper, 'upper'))
        add(boundChange(upper, 'upper'), upper.atom.ptr, { reader: upper.shown, writer: numericBound(w, 'upper', false)?.shown }, value);
      for (const { value: step, atom } of valuesOf(r, 'multipleOf')) {
        if (typeof step === 'number' && step > 0 && !isMultipleOf(value, step))
          add('multiple-of-changed', atom.ptr, { reader: step }, value);
      }
    }
  }
  for (const [change, { ptr, details, lost }] of found) ctx.report(change, field, ptr, { ...details, lost });
}

function boundChange(bound: Bound, side: 'lower' | 'upper'): string {
  if (bound.keyword === 'minimum' || bound.keyword === 'maximum') return side === 'lower' ? 'minimum-increased' : 'maximum-decreased';
  return 'exclusive-bound-tightened';
}

function stringValues(c: Conj, keyword: string): { value: string; ptr: string }[] {
  return valuesOf(c, keyword).flatMap(({ value, atom }) => (typeof value === 'string' ? [{ value, ptr: atom.ptr }] : []));
}
