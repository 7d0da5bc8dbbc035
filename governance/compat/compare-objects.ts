/**
 * Object keywords, following Confluent Schema Registry's rules for open and closed content models.
 *
 * The schemas that apply to a property name are computed per atom, as JSON Schema does: the atom's
 * `properties[name]`, its `patternProperties` whose expression matches, and — only when neither
 * does — its `additionalProperties`. That makes the open/closed rules fall out of one comparison:
 * - a property the writer declares and the reader does not is checked against the reader's
 *   `additionalProperties`: `false` (closed) → 'property-removed-closed', absent/true (open) → fine;
 * - a property the reader declares and the writer does not is checked against what the writer allows
 *   for undeclared names: closed → the writer never sends it (fine); open → the writer may already send
 *   it with any value, so unless the reader accepts anything there → 'property-added-open'.
 */
import { strictest } from './bounds.ts';
import { acceptsAll, conj, hasFalse, unsatisfiable, valuesOf, type Conj } from './conjunction.ts';
import type { Context } from './context.ts';
import { childPointer } from '../../language/schema/json-pointer.ts';
import { propertyField } from '../../language/schema/field-path.ts';
import { additionalField, patternField } from './field-path.ts';
import { compilePattern } from './regex.ts';
import { isSchemaObject } from '../../language/schema/local-ref.ts';
import { flatten, type Atom } from './resolve.ts';
import type { Located } from './types.ts';

interface Pattern {
  readonly source: string;
  readonly located: Located;
}

interface Additional {
  readonly located: Located;
  /** Names and patterns of the same atom, which `additionalProperties` does not apply to. */
  readonly declared: ReadonlySet<string>;
  readonly patterns: readonly string[];
}

interface ObjectView {
  readonly properties: Map<string, Located[]>;
  readonly patterns: Pattern[];
  readonly additional: Additional[];
  readonly required: Map<string, Atom>;
}

function view(c: Conj): ObjectView {
  const properties = new Map<string, Located[]>();
  const patterns: Pattern[] = [];
  const additional: Additional[] = [];
  const required = new Map<string, Atom>();
  for (const atom of c.atoms) {
    const s = atom.schema;
    if (!isSchemaObject(s)) continue;
    const own = isSchemaObject(s.properties) ? s.properties : {};
    for (const [name, schema] of Object.entries(own)) {
      const list = properties.get(name) ?? [];
      list.push({ schema, ptr: childPointer(atom.ptr, 'properties', name) });
      properties.set(name, list);
    }
    const ownPatterns = isSchemaObject(s.patternProperties) ? s.patternProperties : {};
    for (const [source, schema] of Object.entries(ownPatterns))
      patterns.push({ source, located: { schema, ptr: childPointer(atom.ptr, 'patternProperties', source) } });
    if (s.additionalProperties !== undefined) {
      additional.push({
        located: { schema: s.additionalProperties, ptr: childPointer(atom.ptr, 'additionalProperties') },
        declared: new Set(Object.keys(own)),
        patterns: Object.keys(ownPatterns),
      });
    }
    if (Array.isArray(s.required))
      for (const name of s.required) if (typeof name === 'string' && !required.has(name)) required.set(name, atom);
  }
  return { properties, patterns, additional, required };
}

/**
 * True when the pattern matches the name. An expression JavaScript cannot compile is assumed to
 * match, which makes the reader stricter and the writer looser: both err towards reporting.
 */
function matches(source: string, name: string): boolean {
  const regex = compilePattern(source);
  return regex ? regex.test(name) : true;
}

/** The schemas that apply to property `name` (empty = anything goes). */
function schemasFor(v: ObjectView, name: string): Located[] {
  const out = [...(v.properties.get(name) ?? [])];
  for (const p of v.patterns) if (matches(p.source, name)) out.push(p.located);
  for (const a of v.additional) if (!a.declared.has(name) && !a.patterns.some((source) => matches(source, name))) out.push(a.located);
  return out;
}

export function compareObjects(ctx: Context, r: Conj, w: Conj, field: string): void {
  const rv = view(r);
  const wv = view(w);

  const names = [...new Set([...rv.properties.keys(), ...wv.properties.keys()])];
  for (const name of names) {
    const childField = propertyField(field, name);
    const wc = conj(w.root, schemasFor(wv, name), w.ptr);
    // The writer never sends this property (closed without it, or `false`): nothing to read.
    if (unsatisfiable(wc)) continue;
    const rc = conj(r.root, schemasFor(rv, name), r.ptr);
    const inReader = rv.properties.has(name);
    const inWriter = wv.properties.has(name);
    if (inReader && inWriter) {
      ctx.compare(rc, wc, childField);
    } else if (inWriter) {
      if (acceptsAll(rc)) continue;
      const writerPtr = wv.properties.get(name)?.[0]?.ptr ?? w.ptr;
      if (hasFalse(rc)) ctx.report('property-removed-closed', childField, writerPtr, { name });
      else ctx.compare(rc, wc, childField);
    } else {
      if (acceptsAll(rc)) continue;
      const readerPtr = rv.properties.get(name)?.[0]?.ptr ?? r.ptr;
      // What the writer allows for this undeclared name: anything (open) or its additional/pattern schema.
      const found = acceptsAll(wc) ? ['any'] : ctx.collect(() => ctx.compare(rc, wc, childField));
      if (found.length > 0) {
        ctx.report('property-added-open', childField, readerPtr, {
          name,
          note: acceptsAll(wc) ? undefined : 'its additionalProperties/patternProperties schema is looser',
        });
      }
    }
  }

  compareRequired(ctx, rv, wv, r, field);
  compareUndeclared(ctx, rv, wv, r, w, field);

  const rMin = strictest(r, 'minProperties', 'lower');
  const wMin = strictest(w, 'minProperties', 'lower');
  if (rMin && rMin.value > (wMin?.value ?? 0))
    ctx.report('properties-min-increased', field, rMin.atom.ptr, { reader: rMin.value, writer: wMin?.value });
  const rMax = strictest(r, 'maxProperties', 'upper');
  const wMax = strictest(w, 'maxProperties', 'upper');
  if (rMax && rMax.value < (wMax?.value ?? Infinity))
    ctx.report('properties-max-decreased', field, rMax.atom.ptr, { reader: rMax.value, writer: wMax?.value });

  comparePropertyNames(ctx, r, w, wv, field);
  compareDependentRequired(ctx, r, w, wv, field);
}

/**
 * A property the reader requires and the writer does not. Confluent treats a required property with a
 * `default` as compatible (a reader can fill it in), so this checker does too, although a plain
 * JSON Schema validator would still reject the instance.
 */
function compareRequired(ctx: Context, rv: ObjectView, wv: ObjectView, r: Conj, field: string): void {
  for (const [name, atom] of rv.required) {
    if (wv.required.has(name)) continue;
    const declared = rv.properties.get(name) ?? [];
    const hasDefault = flatten(r.root, declared, () => true).some((a) => isSchemaObject(a.schema) && Object.hasOwn(a.schema, 'default'));
    if (hasDefault) continue;
    ctx.report('required-added', propertyField(field, name), declared[0]?.ptr ?? atom.ptr, { name });
  }
}

/**
 * Names neither side declares. Regular-expression overlap is not decided: patterns are matched by
 * their text, and a reader pattern the writer does not have is assumed to match names the writer
 * may send through its open content (conservative); writer patterns the reader lacks are assumed to
 * fall under the reader's `additionalProperties`.
 */
function compareUndeclared(ctx: Context, rv: ObjectView, wv: ObjectView, r: Conj, w: Conj, field: string): void {
  const writerAdditional = wv.additional.map((a) => a.located);
  const writerClosed = hasFalse(conj(w.root, writerAdditional, w.ptr));
  const readerAdditionalFor = (source: string): Located[] =>
    rv.additional.filter((a) => !a.patterns.includes(source)).map((a) => a.located);

  // Names matching a writer pattern.
  for (const p of wv.patterns) {
    const wc = conj(w.root, [p.located]);
    if (unsatisfiable(wc)) continue;
    const same = rv.patterns.filter((q) => q.source === p.source).map((q) => q.located);
    const rc = conj(r.root, [...same, ...readerAdditionalFor(p.source)], r.ptr);
    if (acceptsAll(rc)) continue;
    if (same.length === 0 && hasFalse(rc)) {
      const closedAt = rv.additional.find((a) => a.located.schema === false)?.located.ptr ?? r.ptr;
      ctx.report('additional-properties-closed', field, closedAt, { note: `properties whose names match /${p.source}/` });
    } else {
      ctx.compare(rc, wc, patternField(field, p.source));
    }
  }

  // Reader patterns the writer does not have: the writer's open content may carry matching names.
  const writerSources = new Set(wv.patterns.map((p) => p.source));
  if (!writerClosed) {
    const wc = conj(w.root, writerAdditional, w.ptr);
    for (const q of rv.patterns) {
      if (writerSources.has(q.source)) continue;
      const rc = conj(r.root, [q.located]);
      if (acceptsAll(rc)) continue;
      const found = acceptsAll(wc) ? ['any'] : ctx.collect(() => ctx.compare(rc, wc, patternField(field, q.source)));
      if (found.length > 0) ctx.report('pattern-properties-added', patternField(field, q.source), q.located.ptr, { name: q.source });
    }
  }

  // Names matching no pattern: additionalProperties against additionalProperties.
  if (writerClosed) return;
  const rc = conj(
    r.root,
    rv.additional.map((a) => a.located),
    r.ptr,
  );
  if (acceptsAll(rc)) return;
  const wc = conj(w.root, writerAdditional, w.ptr);
  if (hasFalse(rc)) {
    const closedAt = rv.additional.find((a) => a.located.schema === false)?.located.ptr ?? r.ptr;
    ctx.report('additional-properties-closed', field, closedAt);
  } else if (acceptsAll(wc)) {
    ctx.report('additional-properties-narrowed', field, rc.ptr);
  } else {
    ctx.compare(rc, wc, additionalField(field));
  }
}

/** propertyNames: the writer's names must all pass the reader's rule. */
function comparePropertyNames(ctx: Context, r: Conj, w: Conj, wv: ObjectView, field: string): void {
  const readerRules = valuesOf(r, 'propertyNames');
  if (readerRules.length === 0) return;
  const writerRules = valuesOf(w, 'propertyNames').map(({ value, atom }) => ({
    schema: value,
    ptr: childPointer(atom.ptr, 'propertyNames'),
  }));
  // Property names are strings: without a rule the writer may use any string.
  const wc = conj(w.root, writerRules.length > 0 ? writerRules : [{ schema: ANY_STRING, ptr: w.ptr }]);
  for (const { value, atom } of readerRules) {
    const rc = conj(r.root, [{ schema: value, ptr: childPointer(atom.ptr, 'propertyNames') }]);
    if (acceptsAll(rc)) continue;
    // A closed writer without patterns only ever sends its declared names: check those by name.
    const closedNames =
      wv.patterns.length === 0 &&
      hasFalse(
        conj(
          w.root,
          wv.additional.map((a) => a.located),
        ),
      );
    if (closedNames) {
      const names = [...wv.properties.keys()];
      const rejected = names.filter(
        (name) => ctx.collect(() => ctx.compare(rc, conj(w.root, [{ schema: { const: name }, ptr: w.ptr }]), field)).length > 0,
      );
      if (rejected.length === 0) continue;
    } else if (ctx.collect(() => ctx.compare(rc, wc, field)).length === 0) {
      continue;
    }
    ctx.report('property-names-narrowed', field, rc.ptr);
  }
}

const ANY_STRING = { type: 'string' } as const;

/** dependentRequired: each dependency the reader adds must already hold for the writer. */
function compareDependentRequired(ctx: Context, r: Conj, w: Conj, wv: ObjectView, field: string): void {
  const writerDeps = new Map<string, Set<string>>();
  for (const { value } of valuesOf(w, 'dependentRequired')) {
    if (!isSchemaObject(value)) continue;
    for (const [name, deps] of Object.entries(value)) {
      const set = writerDeps.get(name) ?? new Set<string>();
      if (Array.isArray(deps)) for (const d of deps) if (typeof d === 'string') set.add(d);
      writerDeps.set(name, set);
    }
  }
  for (const { value, atom } of valuesOf(r, 'dependentRequired')) {
    if (!isSchemaObject(value)) continue;
    for (const [name, deps] of Object.entries(value)) {
      if (!Array.isArray(deps)) continue;
      if (unsatisfiable(conj(w.root, schemasFor(wv, name)))) continue;
      const missing = deps.filter((d): d is string => typeof d === 'string' && !wv.required.has(d) && !writerDeps.get(name)?.has(d));
      if (missing.length > 0)
        ctx.report('dependent-required-added', field, childPointer(atom.ptr, 'dependentRequired'), { name, lost: missing });
    }
  }
}
