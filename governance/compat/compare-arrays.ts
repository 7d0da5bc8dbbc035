/**
 * Array keywords. Each atom's `items` applies to the positions after that atom's own `prefixItems`
 * (draft-07's array form of `items` with `additionalItems` is read the same way), so the schemas that
 * apply at a position are computed per atom, exactly as for properties.
 */
import { strictest } from './bounds.ts';
import { acceptsAll, conj, unsatisfiable, valuesOf, type Conj } from './conjunction.ts';
import type { Context } from './context.ts';
import { childPointer } from '../../language/schema/json-pointer.ts';
import { itemsField } from '../../language/schema/field-path.ts';
import { indexField } from './field-path.ts';
import { isSchemaObject } from '../../language/schema/local-ref.ts';
import type { Located } from './types.ts';

interface Positional {
  readonly prefix: Located[];
  readonly rest: Located | undefined;
}

function positional(c: Conj): Positional[] {
  const out: Positional[] = [];
  for (const atom of c.atoms) {
    const s = atom.schema;
    if (!isSchemaObject(s)) continue;
    if (Array.isArray(s.prefixItems)) {
      out.push({
        prefix: s.prefixItems.map((schema, i) => ({ schema, ptr: childPointer(atom.ptr, 'prefixItems', i) })),
        rest: s.items === undefined ? undefined : { schema: s.items, ptr: childPointer(atom.ptr, 'items') },
      });
    } else if (Array.isArray(s.items)) {
      out.push({
        prefix: s.items.map((schema, i) => ({ schema, ptr: childPointer(atom.ptr, 'items', i) })),
        rest: s.additionalItems === undefined ? undefined : { schema: s.additionalItems, ptr: childPointer(atom.ptr, 'additionalItems') },
      });
    } else if (s.items !== undefined) {
      out.push({ prefix: [], rest: { schema: s.items, ptr: childPointer(atom.ptr, 'items') } });
    }
  }
  return out;
}

/** The schemas that apply to the element at `index` (for the tail: any index past every prefix). */
function schemasAt(list: readonly Positional[], index: number): Located[] {
  return list.flatMap((p) => {
    const own = index < p.prefix.length ? p.prefix[index] : p.rest;
    return own ? [own] : [];
  });
}

export function compareArrays(ctx: Context, r: Conj, w: Conj, field: string): void {
  const rPos = positional(r);
  const wPos = positional(w);
  const prefixLength = Math.max(0, ...rPos.map((p) => p.prefix.length), ...wPos.map((p) => p.prefix.length));
  let writerStops = false;
  for (let i = 0; i <= prefixLength && !writerStops; i++) {
    const ws = schemasAt(wPos, i);
    const wc = conj(w.root, ws, w.ptr);
    // The writer's arrays never reach this position (items: false after a prefix).
    if (unsatisfiable(wc)) {
      writerStops = true;
      continue;
    }
    const rs = schemasAt(rPos, i);
    const rc = conj(r.root, rs, r.ptr);
    if (acceptsAll(rc)) continue;
    ctx.compare(rc, wc, i < prefixLength ? indexField(field, i) : itemsField(field));
  }

  const rMin = strictest(r, 'minItems', 'lower');
  const wMin = strictest(w, 'minItems', 'lower');
  if (rMin && rMin.value > (wMin?.value ?? 0))
    ctx.report('items-min-increased', field, rMin.atom.ptr, { reader: rMin.value, writer: wMin?.value });
  const rMax = strictest(r, 'maxItems', 'upper');
  const wMax = strictest(w, 'maxItems', 'upper');
  if (rMax && rMax.value < (wMax?.value ?? Infinity))
    ctx.report('items-max-decreased', field, rMax.atom.ptr, { reader: rMax.value, writer: wMax?.value });
  const unique = valuesOf(r, 'uniqueItems').find((v) => v.value === true);
  if (unique && !valuesOf(w, 'uniqueItems').some((v) => v.value === true)) ctx.report('unique-items-added', field, unique.atom.ptr);

  compareContains(ctx, r, w, field);
}

/**
 * `contains` (with minContains, default 1): the writer must guarantee enough elements that match the
 * reader's `contains`, which holds when it has its own `contains` that is at least as strict and
 * requires at least as many. `maxContains` in the reader is only accepted when unchanged.
 */
function compareContains(ctx: Context, r: Conj, w: Conj, field: string): void {
  for (const { value, atom } of valuesOf(r, 'contains')) {
    const s = atom.schema as Record<string, unknown>;
    const minimum = typeof s.minContains === 'number' ? s.minContains : 1;
    const maximum = typeof s.maxContains === 'number' ? s.maxContains : undefined;
    if (minimum === 0 && maximum === undefined) continue;
    const reader = conj(r.root, [{ schema: value, ptr: childPointer(atom.ptr, 'contains') }]);
    const candidates = valuesOf(w, 'contains');
    const ok = candidates.some(({ value: wValue, atom: wAtom }) => {
      const ws = wAtom.schema as Record<string, unknown>;
      const wMinimum = typeof ws.minContains === 'number' ? ws.minContains : 1;
      const wMaximum = typeof ws.maxContains === 'number' ? ws.maxContains : undefined;
      if (wMinimum < minimum) return false;
      if (maximum !== undefined && (wMaximum === undefined || wMaximum > maximum)) return false;
      const writer = conj(w.root, [{ schema: wValue, ptr: childPointer(wAtom.ptr, 'contains') }]);
      // Same-schema test both ways for maxContains: counting needs the same notion of "matching".
      const inside = ctx.collect(() => ctx.compare(reader, writer, field)).length === 0;
      const same = maximum === undefined || ctx.collect(() => ctx.compare(writer, reader, field)).length === 0;
      return inside && same;
    });
    if (!ok) ctx.report(candidates.length > 0 ? 'contains-changed' : 'contains-added', field, atom.ptr);
  }
}
