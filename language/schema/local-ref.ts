/**
 * Local `$ref` resolution: the one resolver that validation, governance and the generators use.
 * Contracts are self-contained, so only references inside the same schema are followed; remote ones
 * are left to the caller (the compatibility checker compares them textually).
 */
import { childPointer, pointerTokens } from './json-pointer.ts';

/** A JSON Schema object (the non-boolean schema shape), read-only: walkers never change a schema. */
export type SchemaNode = { readonly [keyword: string]: unknown };

/** A subschema and where it sits in its root, as a JSON pointer. */
export interface LocatedSchema {
  readonly schema: unknown;
  readonly ptr: string;
}

/** True for a JSON object (the only non-boolean schema shape). */
export function isSchemaObject(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const anchorCache = new WeakMap<object, Map<string, LocatedSchema>>();

/**
 * The subschema a local reference points to: `#`, `#/json/pointer` (percent-decoded, RFC 6901
 * unescaped, own properties only, so `#/toString` points nowhere) or `#anchor`. Undefined for remote
 * references and dangling pointers.
 */
export function resolveRef(root: unknown, ref: string): LocatedSchema | undefined {
  if (!ref.startsWith('#')) return undefined;
  let fragment: string;
  try {
    fragment = decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
  if (fragment === '') return { schema: root, ptr: '' };
  if (!fragment.startsWith('/')) return anchors(root).get(fragment);
  let node: unknown = root;
  for (const key of pointerTokens(fragment)) {
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isSchemaObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node === undefined ? undefined : { schema: node, ptr: fragment };
}

/** Every `$anchor` in the document, found once per root. */
function anchors(root: unknown): Map<string, LocatedSchema> {
  if (!isSchemaObject(root)) return new Map();
  let found = anchorCache.get(root);
  if (!found) {
    const map = new Map<string, LocatedSchema>();
    const walk = (node: unknown, ptr: string, seen: Set<object>): void => {
      if (typeof node !== 'object' || node === null || seen.has(node)) return;
      seen.add(node);
      if (isSchemaObject(node) && typeof node.$anchor === 'string' && !map.has(node.$anchor)) map.set(node.$anchor, { schema: node, ptr });
      for (const [key, value] of Object.entries(node)) walk(value, childPointer(ptr, key), seen);
    };
    walk(root, '', new Set());
    found = map;
    anchorCache.set(root, found);
  }
  return found;
}

/** How many `$ref`s in a row are followed before a chain is taken for a loop. */
const MAX_REF_CHAIN = 16;

/**
 * The schema a node stands for once its local `$ref` chain is followed (keywords next to a `$ref`
 * are not merged: callers that need the conjunction use `alternatives`). Undefined when the node is
 * not an object or a reference dangles.
 */
export function deref(schema: unknown, root: unknown): SchemaNode | undefined {
  let current = schema;
  for (let depth = 0; depth <= MAX_REF_CHAIN; depth++) {
    if (!isSchemaObject(current)) return undefined;
    if (typeof current.$ref !== 'string' || !current.$ref.startsWith('#')) return current;
    current = resolveRef(root, current.$ref)?.schema;
  }
  return isSchemaObject(current) ? current : undefined;
}

/** Where a node's local `$ref` points, as keys into the root (`fallback` when it points nowhere). */
export function refTarget(schema: unknown, root: unknown, fallback: (string | number)[]): (string | number)[] {
  if (!isSchemaObject(schema) || typeof schema.$ref !== 'string') return fallback;
  const target = resolveRef(root, schema.$ref);
  return target ? pointerTokens(target.ptr) : fallback;
}
