/**
 * A subschema seen as the conjunction of its atoms (see resolve.ts), plus the `anyOf`/`oneOf` groups
 * already expanded into one of their branches. Keyword queries ("the tightest maxLength", "the
 * types allowed") are answered over all atoms, which is how `allOf` is merged without building a
 * merged schema object.
 */
import { childPointer } from '../../language/schema/json-pointer.ts';
import { isSchemaObject } from '../../language/schema/local-ref.ts';
import { flatten, nodeId, type Atom } from './resolve.ts';
import type { Located } from './types.ts';

export interface Conj {
  /** The document the atoms live in (references resolve against it). */
  readonly root: unknown;
  readonly atoms: readonly Atom[];
  /** Keys (`atomId:anyOf`) of the disjunctions replaced by a chosen branch. */
  readonly expanded: ReadonlySet<string>;
  /** Where this subschema is, for findings that have no more precise keyword location. */
  readonly ptr: string;
  /** Identity of the conjunction, for the cycle guard. */
  readonly key: string;
}

/** The conjunction of `items` in `root`; `ptr` is used when `items` is empty (accept-all). */
export function conj(root: unknown, items: readonly Located[], ptr: string = items[0]?.ptr ?? ''): Conj {
  return build(root, flatten(root, items), new Set(), ptr);
}

function build(root: unknown, atoms: readonly Atom[], expanded: ReadonlySet<string>, ptr: string): Conj {
  const key = `${atoms
    .map((atom) => nodeId(atom.schema))
    .sort()
    .join(',')}#${[...expanded].sort().join(',')}`;
  return { root, atoms, expanded, ptr, key };
}

/** True when the conjunction constrains nothing (`true`, `{}`, annotations only). */
export function acceptsAll(c: Conj): boolean {
  return c.atoms.length === 0;
}

/** True when some atom is the `false` schema. */
export function hasFalse(c: Conj): boolean {
  return c.atoms.some((atom) => atom.schema === false);
}

/** Every value of `keyword` across the atoms, with the atom that carries it. */
export function valuesOf(c: Conj, keyword: string): { value: unknown; atom: Atom }[] {
  const out: { value: unknown; atom: Atom }[] = [];
  for (const atom of c.atoms) {
    if (isSchemaObject(atom.schema) && Object.hasOwn(atom.schema, keyword)) out.push({ value: atom.schema[keyword], atom });
  }
  return out;
}

/** The JSON type of a value, distinguishing integers as JSON Schema's `type` does. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

/** True when a type set (undefined = any) accepts JSON type `type` (integer is a number). */
export function typeAccepts(types: ReadonlySet<string> | undefined, type: string): boolean {
  return !types || types.has(type) || (type === 'integer' && types.has('number'));
}

/** The types every atom allows (undefined = no `type` keyword anywhere), and the atom that set them. */
export function typesOf(c: Conj): { types: Set<string> | undefined; atom: Atom | undefined } {
  let types: Set<string> | undefined;
  let atom: Atom | undefined;
  for (const { value, atom: carrier } of valuesOf(c, 'type')) {
    const list = (Array.isArray(value) ? value : [value]).filter((t): t is string => typeof t === 'string');
    const own = new Set(list);
    if (!types) {
      types = own;
    } else {
      const next = new Set<string>();
      for (const t of types) {
        if (typeAccepts(own, t)) next.add(t);
        else if (t === 'number' && own.has('integer')) next.add('integer');
      }
      types = next;
    }
    atom ??= carrier;
  }
  return { types, atom };
}

/** Canonical JSON (sorted keys), for comparing enum and const values. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isSchemaObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface EnumInfo {
  /** The allowed values (intersection over the atoms). */
  readonly values: unknown[];
  /** 'const' when the restriction came from `const` only. */
  readonly kind: 'const' | 'enum';
  readonly atom: Atom;
}

/** The finite set of values the conjunction allows, when it has `const` or `enum`. */
export function enumOf(c: Conj): EnumInfo | undefined {
  let values: unknown[] | undefined;
  let kind: 'const' | 'enum' = 'const';
  let atom: Atom | undefined;
  for (const candidate of c.atoms) {
    const schema = candidate.schema;
    if (!isSchemaObject(schema)) continue;
    const lists: unknown[][] = [];
    if (Object.hasOwn(schema, 'const')) lists.push([schema.const]);
    if (Array.isArray(schema.enum)) {
      lists.push(schema.enum);
      kind = 'enum';
    }
    for (const list of lists) {
      const keys = new Set(list.map(canonical));
      values = values ? values.filter((v) => keys.has(canonical(v))) : [...list];
      atom ??= candidate;
    }
  }
  return values && atom ? { values, kind, atom } : undefined;
}

/** True when no instance can satisfy the conjunction (so a writer never produces data here). */
export function unsatisfiable(c: Conj): boolean {
  if (hasFalse(c)) return true;
  const { types } = typesOf(c);
  if (types && types.size === 0) return true;
  const e = enumOf(c);
  if (e && e.values.filter((v) => typeAccepts(types, jsonType(v))).length === 0) return true;
  return false;
}

/** An `anyOf`/`oneOf` of one atom that has not been expanded yet. */
export interface Group {
  readonly key: string;
  readonly kind: 'anyOf' | 'oneOf';
  readonly atom: Atom;
  readonly branches: Located[];
}

/** The disjunctions still to expand, in atom order. */
export function groupsOf(c: Conj): Group[] {
  const out: Group[] = [];
  for (const atom of c.atoms) {
    if (!isSchemaObject(atom.schema)) continue;
    for (const kind of ['anyOf', 'oneOf'] as const) {
      const list = atom.schema[kind];
      const key = `${nodeId(atom.schema)}:${kind}`;
      if (!Array.isArray(list) || c.expanded.has(key)) continue;
      out.push({ key, kind, atom, branches: list.map((schema, i) => ({ schema, ptr: childPointer(atom.ptr, kind, i) })) });
    }
  }
  return out;
}

/** The conjunction with `group` replaced by its branch `index`. */
export function expand(c: Conj, group: Group, index: number): Conj {
  const branch = group.branches[index];
  const extra = branch ? flatten(c.root, [branch]) : [];
  const known = new Set(c.atoms.map((atom) => atom.schema));
  const atoms = [...c.atoms, ...extra.filter((atom) => !known.has(atom.schema))];
  return build(c.root, atoms, new Set([...c.expanded, group.key]), c.ptr);
}
