/**
 * `anyOf`/`oneOf`, `not` and the keywords the checker does not reason about.
 *
 * Disjunctions: every writer alternative must be accepted by some reader alternative. The writer's
 * alternatives are expanded first (each checked on its own), then the reader's are tried one by one.
 * `oneOf` is read like `anyOf`: proving that no two reader alternatives overlap on a writer value is
 * not attempted (it would report every unchanged oneOf whose branches are not obviously disjoint).
 */
import { acceptsAll, canonical, conj, enumOf, expand, typeAccepts, typesOf, valuesOf, type Conj, type Group } from './conjunction.ts';
import type { Context, Live, WriterBranch } from './context.ts';
import { locatedEqual } from './equality.ts';
import { childPointer } from '../../language/schema/json-pointer.ts';
import { OPAQUE } from './keywords.ts';
import { isSchemaObject } from '../../language/schema/local-ref.ts';
import type { Incompatibility } from './types.ts';

/** Findings that mean "this alternative is for another kind of value", not "this alternative got stricter". */
const MISMATCH = new Set([
  'type-narrowed',
  'const-changed',
  'const-added',
  'enum-value-removed',
  'enum-added',
  'schema-false',
  'combinator-branch-removed',
  'combinator-added',
]);

function isMismatch(found: readonly Incompatibility[], field: string): boolean {
  // A changed const anywhere marks a different alternative of a discriminated union ({kind: {const: …}}).
  return found.some((f) => (f.field === field && MISMATCH.has(f.change)) || f.change === 'const-changed');
}

/**
 * The writer value (no disjunction left on its side) against the reader's disjunction `group`.
 * When no alternative accepts it, the closest one's findings are reported if it is the same kind of
 * value (it was narrowed); otherwise one structural finding: 'combinator-branch-removed' when the
 * writer value is one of the writer's own alternatives, 'combinator-added' when the writer had none.
 */
export function compareReaderDisjunction(
  ctx: Context,
  r: Conj,
  w: Conj,
  field: string,
  group: Group,
  branch: WriterBranch | undefined,
  sink: (found: Incompatibility[]) => void,
): void {
  let best: { found: Incompatibility[]; score: number } | undefined;
  for (let i = 0; i < group.branches.length; i++) {
    const rb = expand(r, group, i);
    const found = ctx.collect(() => ctx.compare(rb, w, field, branch));
    if (found.length === 0) return;
    const score = found.length + (isMismatch(found, field) ? 10_000 : 0);
    if (!best || score < best.score) best = { found, score };
  }
  if (best && best.score < 10_000) {
    sink(best.found);
    return;
  }
  if (branch) {
    ctx.report('combinator-branch-removed', field, branch.branch.ptr, {
      name: `#${branch.index + 1} of ${branch.group.kind}`,
      note: summary(w),
    });
  } else {
    ctx.report('combinator-added', field, childPointer(group.atom.ptr, group.kind), {
      name: group.kind,
      note: summary(w) ? `the writer allows ${summary(w)}` : undefined,
    });
  }
}

/** A few words describing a writer alternative ('type number', 'value "B"'). */
function summary(w: Conj): string | undefined {
  const e = enumOf(w);
  if (e) return `value ${e.values.map((v) => JSON.stringify(v)).join(', ')}`;
  const { types } = typesOf(w);
  return types ? `type ${[...types].join(' | ')}` : undefined;
}

/**
 * `not`: the writer must never produce a value the reader's `not` schema accepts. That is proven when
 * the `not` schema is for other types than the writer produces, rejects every enum value of the
 * writer, or is no wider than a `not` the writer already had.
 */
export function compareNot(ctx: Context, r: Conj, w: Conj, field: string, live: Live): void {
  for (const { value, atom } of valuesOf(r, 'not')) {
    const rn = conj(r.root, [{ schema: value, ptr: childPointer(atom.ptr, 'not') }]);
    if (!acceptsAll(rn)) {
      const { types } = typesOf(rn);
      if (types && [...live.types].every((t) => !typeAccepts(types, t) && !(t === 'number' && types.has('integer')))) continue;
      const forbidden = enumOf(rn);
      if (live.values && forbidden) {
        const keys = new Set(forbidden.values.map(canonical));
        if (live.values.every((v) => !keys.has(canonical(v)))) continue;
      }
    }
    const covered = valuesOf(w, 'not').some(({ value: wValue, atom: wAtom }) => {
      const wn = conj(w.root, [{ schema: wValue, ptr: childPointer(wAtom.ptr, 'not') }]);
      return ctx.collect(() => ctx.compare(wn, rn, field)).length === 0;
    });
    if (!covered) ctx.report('not-added', field, childPointer(atom.ptr, 'not'));
  }
}

/**
 * Keywords compared by equality only (if/then/else, dependentSchemas, unevaluated*, $dynamicRef, and
 * references that cannot be resolved locally): a reader constraint the writer does not have verbatim
 * is reported as 'constraint-changed'. Conservative: it may report a change that is in fact safe.
 */
export function compareOpaque(ctx: Context, r: Conj, w: Conj, field: string): void {
  for (const atom of r.atoms) {
    if (atom.unresolvedRef !== undefined && !w.atoms.some((a) => a.unresolvedRef === atom.unresolvedRef)) {
      ctx.report('constraint-changed', field, atom.ptr, { name: '$ref' });
    }
    const s = atom.schema;
    if (!isSchemaObject(s)) continue;
    for (const keyword of Object.keys(s)) {
      if (!OPAQUE.has(keyword) || keyword === 'then' || keyword === 'else') continue;
      if (keyword === 'if' && s.then === undefined && s.else === undefined) continue;
      if ((keyword === 'unevaluatedProperties' || keyword === 'unevaluatedItems') && s[keyword] === true) continue;
      const pick = (o: Record<string, unknown>): Record<string, unknown> =>
        keyword === 'if' ? { if: o.if, then: o.then, else: o.else } : { [keyword]: o[keyword] };
      const mine = pick(s);
      const same = w.atoms.some(
        (other) =>
          isSchemaObject(other.schema) &&
          Object.hasOwn(other.schema, keyword) &&
          locatedEqual(r.root, { schema: mine, ptr: atom.ptr }, w.root, { schema: pick(other.schema), ptr: other.ptr }),
      );
      if (!same)
        ctx.report('constraint-changed', field, childPointer(atom.ptr, keyword), { name: keyword === 'if' ? 'if/then/else' : keyword });
    }
  }
}
