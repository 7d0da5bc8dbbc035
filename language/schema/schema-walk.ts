/**
 * Walks a JSON Schema along field paths: does a field exist, is it a list, is it required, what format
 * is it, which fields does the schema declare. Validation (identity, business keys, classification),
 * governance rules and the mapping compiler all use these, so they agree on what a schema declares.
 * Only own properties count: `toString` is not a field of every schema.
 */
import { type FieldSegment, itemsField, parseFieldPath, propertyField } from './field-path.ts';
import { deref, isSchemaObject, refTarget, resolveRef, type SchemaNode } from './local-ref.ts';

/** How deep `$ref`s and combinators are followed before a branch is given up as a loop. */
const MAX_DEPTH = 16;

/** The schema a node's `properties` declares for `name`, own properties only. */
export function declaredProperty(schema: SchemaNode, name: string): unknown {
  const properties = schema.properties;
  return isSchemaObject(properties) && Object.hasOwn(properties, name) ? properties[name] : undefined;
}

/** The names a node's `properties` declares. */
function declaredNames(schema: SchemaNode): string[] {
  return isSchemaObject(schema.properties) ? Object.keys(schema.properties) : [];
}

/** The schemas under a combinator keyword (`allOf`, `anyOf`, `oneOf`). */
function branches(schema: SchemaNode, keyword: 'allOf' | 'anyOf' | 'oneOf'): unknown[] {
  const value = schema[keyword];
  return Array.isArray(value) ? value : [];
}

/** The sub-schemas a schema stands for: itself, its local `$ref` target, and combinator branches. */
export function alternatives(schema: unknown, root: unknown, depth = 0): SchemaNode[] {
  if (depth > MAX_DEPTH || !isSchemaObject(schema)) return [];
  const out: SchemaNode[] = [schema];
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(root, schema.$ref);
    if (target) out.push(...alternatives(target.schema, root, depth + 1));
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const)
    for (const branch of branches(schema, keyword)) out.push(...alternatives(branch, root, depth + 1));
  return out;
}

/** Property names the schemas declare in any alternative (for "did you mean"). */
export function propertyNames(schemas: readonly unknown[], root: unknown): string[] {
  const names = new Set<string>();
  for (const s of schemas.flatMap((x) => alternatives(x, root))) for (const key of declaredNames(s)) names.add(key);
  return [...names].sort();
}

/** Required property names in any alternative (an over-approximation the mapping compiler wants). */
export function requiredNames(schemas: readonly unknown[], root: unknown): string[] {
  const names = new Set<string>();
  for (const s of schemas.flatMap((x) => alternatives(x, root)))
    if (Array.isArray(s.required)) for (const key of s.required) names.add(String(key));
  return [...names].sort();
}

/** True when some alternative says the value is (or may be) a list. */
export function isListSchema(schemas: readonly unknown[], root: unknown): boolean {
  return schemas
    .flatMap((s) => alternatives(s, root))
    .some((s) => s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array')) || s.items !== undefined);
}

/** The item schemas of list schemas. */
export function itemSchemas(schemas: readonly unknown[], root: unknown): SchemaNode[] {
  return schemas
    .flatMap((s) => alternatives(s, root))
    .map((s) => s.items)
    .filter(isSchemaObject);
}

/** The `format` of a string schema, if any alternative declares one. */
export function formatOf(schemas: readonly unknown[], root: unknown): string | undefined {
  for (const s of schemas.flatMap((x) => alternatives(x, root))) if (typeof s.format === 'string') return s.format;
  return undefined;
}

export type WalkResult = { ok: true; schemas: unknown[] } | { ok: false; at: number; missing: string; available: string[] };

/**
 * Follows a field path from `start`. A segment marked `[]` (or `[0]`) steps into the list's items (an untyped
 * list gives `{}`). On a miss, says which segment is missing and which names were available there.
 */
export function walk(start: readonly unknown[], segments: readonly FieldSegment[], root: unknown): WalkResult {
  let current: unknown[] = [...start];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const next: unknown[] = [];
    for (const schema of current.flatMap((s) => alternatives(s, root))) {
      const property = declaredProperty(schema, segment.name);
      if (property !== undefined) next.push(property);
    }
    if (next.length === 0) return { ok: false, at: i, missing: segment.name, available: propertyNames(current, root) };
    const item = segment.list || segment.index !== undefined;
    current = item ? itemSchemas(next, root) : next;
    if (item && current.length === 0) current = [{}];
  }
  return { ok: true, schemas: current };
}

/**
 * True when the schema declares the field path, and every segment written `name[]` is a list: what a
 * contract's identity, business keys and classification must name.
 */
export function schemaHasField(root: unknown, path: string): boolean {
  const parsed = parseFieldPath(path);
  if (!parsed.ok) return false;
  let current: unknown[] = [root];
  for (const segment of parsed.segments) {
    const found = walk(current, [{ name: segment.name, list: false }], root);
    if (!found.ok) return false;
    if (!segment.list) current = found.schemas;
    else if (isListSchema(found.schemas, root)) current = itemSchemas(found.schemas, root);
    else return false;
  }
  return true;
}

/** A field a schema declares, in user terms and where it is written. */
export interface ListedField {
  /** `a.b`, `lines[].sku`, `["@odata.etag"]`. */
  path: string;
  name: string;
  /** The field's schema, its `$ref` followed (`{}` when it dangles). */
  schema: SchemaNode;
  /** Where the property is written, as keys into the root schema, so findings point at it in the YAML. */
  pointer: (string | number)[];
}

/** Every field of a schema, following `$ref`s, list items and combinators; stops at recursion. */
export function listFields(root: unknown): ListedField[] {
  const out: ListedField[] = [];
  // Ancestors only: a shared definition (an address used for ship-from and ship-to) is listed under
  // each use, while a recursive one stops.
  const ancestors = new Set<SchemaNode>();
  // `at` is where the (possibly referenced) schema is written, so findings point at the property in the YAML.
  const visit = (schema: unknown, prefix: string, at: (string | number)[]) => {
    const s = deref(schema, root);
    if (!s || ancestors.has(s) || ancestors.size > 32) return;
    ancestors.add(s);
    const here = s === schema ? at : refTarget(schema, root, at);
    for (const name of declaredNames(s)) {
      const child = declaredProperty(s, name);
      const path = propertyField(prefix, name);
      const pointer = [...here, 'properties', name];
      const resolved = deref(child, root) ?? {};
      out.push({ path, name, schema: resolved, pointer });
      const base = resolved === child ? pointer : refTarget(child, root, pointer);
      if (resolved.type === 'array' || resolved.items) visit(resolved.items, itemsField(path), [...base, 'items']);
      else visit(resolved, path, base);
    }
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const)
      branches(s, key).forEach((branch, i) => {
        visit(branch, prefix, [...here, key, i]);
      });
    ancestors.delete(s);
  };
  visit(root, '', []);
  return out;
}

/** Required property names of an object schema, merging `allOf` (what is required whatever the branch). */
export function requiredOf(schema: unknown, root: unknown): string[] {
  const s = deref(schema, root);
  if (!s) return [];
  const own = Array.isArray(s.required) ? s.required.map(String) : [];
  return [...own, ...branches(s, 'allOf').flatMap((b) => requiredOf(b, root))];
}

/** The schema of a property (merging `allOf`), its `$ref` followed, or undefined. */
export function propertyOf(schema: unknown, name: string, root: unknown): SchemaNode | undefined {
  const s = deref(schema, root);
  if (!s) return undefined;
  const direct = declaredProperty(s, name);
  if (direct !== undefined) return deref(direct, root);
  for (const branch of branches(s, 'allOf')) {
    const found = propertyOf(branch, name, root);
    if (found) return found;
  }
  return undefined;
}
