import { alternatives } from './schema-walk.ts';
import { forEachSubschema } from './subschemas.ts';
import type { SchemaPath } from './subschemas.ts';

/**
 * A contract field whose values are the names of documents of one kind in the estate: `source.system`
 * of a canonical order names the System it came from. Written in a contract's schema as
 *
 *     system: { type: string, x-interlace-registry: System }
 *
 * so onboarding a new channel (a new System) needs no edit of the canonical contract, which another
 * team owns: the generators expand the field into an `enum` of the estate's System names at generate
 * time (validators and types), and validation checks every constant a mapping writes there. Only
 * `System` is a registry today.
 */
export const REGISTRY_KEYWORD = 'x-interlace-registry';

/** The kinds whose names a registry field may hold. */
export const REGISTRY_KINDS: readonly string[] = ['System'];

/** The names each registry holds (`System` → the estate's System names). */
export type Registries = Readonly<Record<string, readonly string[]>>;

/** Registry fields of a schema: where they are and the kind they name. */
export function registryFields(schema: unknown): { path: SchemaPath; kind: unknown; node: Record<string, unknown> }[] {
  const found: { path: SchemaPath; kind: unknown; node: Record<string, unknown> }[] = [];
  forEachSubschema(schema, (node, path) => {
    if (Object.hasOwn(node, REGISTRY_KEYWORD)) found.push({ path, kind: node[REGISTRY_KEYWORD], node });
  });
  return found;
}

/** True when the schema declares any registry field (the common case has none: nothing is copied). */
export function hasRegistryFields(schema: unknown): boolean {
  return registryFields(schema).length > 0;
}

/**
 * The schema with each registry field closed to the names its registry holds (`enum`, sorted), for
 * the generated validators, types and mapping checks. Pure: `schema` is not changed; a schema without registry fields
 * is returned as is. An empty registry gives an empty `enum` (nothing is valid), not an open string.
 */
export function expandRegistries<T>(schema: T, registries: Registries): T {
  if (!hasRegistryFields(schema)) return schema;
  const copy = structuredClone(schema);
  for (const { node, kind } of registryFields(copy)) {
    const names = typeof kind === 'string' && Object.hasOwn(registries, kind) ? registries[kind]! : [];
    // The keyword stays (validators and the type generator ignore it), so the mapping compiler can
    // still tell a registry field from a plain enum and name the registry in its message.
    node.enum = [...new Set(names)].sort();
  }
  return copy;
}

/** The registry kind a field's schemas name (through `$ref`/`allOf`/`anyOf`), or undefined. */
export function registryOf(schemas: readonly unknown[], root: unknown): string | undefined {
  for (const schema of schemas.flatMap((s) => alternatives(s, root))) {
    const kind = schema[REGISTRY_KEYWORD];
    if (typeof kind === 'string') return kind;
  }
  return undefined;
}
