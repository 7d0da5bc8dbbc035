import type { FieldSegment } from './field-path.ts';

export type Schema = Record<string, any>;

/**
 * Walks contract schemas along field paths: what the mapping compiler needs to check a rule before
 * the type checker sees it (does the field exist, is it a list, is it required, what format is it).
 */

/** The sub-schemas a schema stands for: itself, its local `$ref` target, and combinator branches. */
export function alternatives(schema: Schema | undefined, root: Schema, depth = 0): Schema[] {
  if (depth > 16 || schema === null || typeof schema !== 'object') return [];
  const out: Schema[] = [schema];
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/')) {
    const target = schema.$ref
      .slice(2)
      .split('/')
      .reduce<any>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], root);
    if (target) out.push(...alternatives(target, root, depth + 1));
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(schema[keyword])) for (const branch of schema[keyword]) out.push(...alternatives(branch, root, depth + 1));
  }
  return out;
}

/** Property names an object schema declares (for "did you mean"). */
export function propertyNames(schemas: readonly Schema[], root: Schema): string[] {
  const names = new Set<string>();
  for (const s of schemas.flatMap((x) => alternatives(x, root))) for (const key of Object.keys(s.properties ?? {})) names.add(key);
  return [...names].sort();
}

/** Required property names of an object schema. */
export function requiredNames(schemas: readonly Schema[], root: Schema): string[] {
  const names = new Set<string>();
  for (const s of schemas.flatMap((x) => alternatives(x, root)))
    if (Array.isArray(s.required)) for (const key of s.required) names.add(String(key));
  return [...names].sort();
}

/** True when some alternative says the value is (or may be) a list. */
export function isListSchema(schemas: readonly Schema[], root: Schema): boolean {
  return schemas
    .flatMap((s) => alternatives(s, root))
    .some((s) => s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array')) || s.items !== undefined);
}

/** The item schemas of list schemas. */
export function itemSchemas(schemas: readonly Schema[], root: Schema): Schema[] {
  return schemas
    .flatMap((s) => alternatives(s, root))
    .map((s) => s.items)
    .filter((s): s is Schema => s !== null && typeof s === 'object');
}

/** The `format` of a string schema, if any alternative declares one. */
export function formatOf(schemas: readonly Schema[], root: Schema): string | undefined {
  for (const s of schemas.flatMap((x) => alternatives(x, root))) if (typeof s.format === 'string') return s.format;
  return undefined;
}

export type WalkResult = { ok: true; schemas: Schema[] } | { ok: false; at: number; missing: string; available: string[] };

/**
 * Follows a field path from `start`. A segment marked `[]` steps into the list's items. On a miss,
 * says which segment is missing and which names were available there.
 */
export function walk(start: readonly Schema[], segments: readonly FieldSegment[], root: Schema): WalkResult {
  let current: Schema[] = [...start];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const next: Schema[] = [];
    for (const schema of current.flatMap((s) => alternatives(s, root))) {
      const property = schema.properties?.[segment.name];
      if (property !== undefined && Object.hasOwn(schema.properties, segment.name)) next.push(property);
    }
    if (next.length === 0) return { ok: false, at: i, missing: segment.name, available: propertyNames(current, root) };
    current = segment.list ? itemSchemas(next, root) : next;
    if (segment.list && current.length === 0) current = [{}];
  }
  return { ok: true, schemas: current };
}
