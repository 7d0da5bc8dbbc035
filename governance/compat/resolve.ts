/**
 * Conjunction flattening; references are resolved by language/schema/local-ref.ts. A schema node
 * stands for the conjunction of its own keywords, its `$ref` target and its `allOf` branches (2020-12
 * applies a `$ref` next to other keywords as one more conjunct). Flattening that tree into a list of "atoms" is what makes a schema
 * that was moved into `$defs`, or inlined, compare equal to its old self.
 */
import { childPointer } from '../../language/schema/json-pointer.ts';
import { isSchemaObject, resolveRef } from '../../language/schema/local-ref.ts';
import { isAssertion } from './keywords.ts';
import type { Located } from './types.ts';

/** A conjunct: a boolean schema or an object schema with at least one keyword that matters. */
export interface Atom extends Located {
  /** A `$ref` that could not be resolved locally: compared textually, never followed. */
  readonly unresolvedRef?: string;
}

/**
 * The atoms of the conjunction of `items`: each object node that has a keyword satisfying `hasContent`,
 * followed by the atoms of its `$ref` target and `allOf` branches. `true` is dropped (it constrains
 * nothing); `false` is kept. A node is visited once, so recursive references terminate.
 */
export function flatten(root: unknown, items: readonly Located[], hasContent: (keyword: string) => boolean = isAssertion): Atom[] {
  const out: Atom[] = [];
  const seen = new Set<object>();
  const visit = (located: Located): void => {
    const schema = located.schema;
    if (schema === false) {
      out.push(located);
      return;
    }
    if (!isSchemaObject(schema) || seen.has(schema)) return;
    seen.add(schema);
    let unresolvedRef: string | undefined;
    let target: Located | undefined;
    if (typeof schema.$ref === 'string') {
      target = resolveRef(root, schema.$ref);
      if (!target) unresolvedRef = schema.$ref;
    }
    if (unresolvedRef !== undefined) out.push({ ...located, unresolvedRef });
    else if (Object.keys(schema).some(hasContent)) out.push(located);
    if (target) visit(target);
    if (Array.isArray(schema.allOf))
      schema.allOf.forEach((branch, i) => {
        visit({ schema: branch, ptr: childPointer(located.ptr, 'allOf', i) });
      });
  };
  for (const item of items) visit(item);
  return out;
}

const ids = new WeakMap<object, number>();
let nextId = 1;

/** A stable identity for a schema node, used in cycle-guard and memo keys. */
export function nodeId(schema: unknown): string {
  if (typeof schema === 'boolean') return schema ? 'T' : 'F';
  if (typeof schema !== 'object' || schema === null) return 'T';
  let id = ids.get(schema);
  if (id === undefined) {
    id = nextId++;
    ids.set(schema, id);
  }
  return String(id);
}
