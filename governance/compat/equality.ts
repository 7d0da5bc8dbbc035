/**
 * Structural equality of two schemas after normalization: local references resolved (so moving a
 * subschema into `$defs` or inlining it changes nothing), `allOf` flattened, key order, `required`,
 * `type` and `enum` order ignored. Recursive schemas terminate: a pair under comparison is assumed
 * equal when met again (every keyword test is a conjunction, so a wrong assumption can only be made
 * inside a comparison that fails as a whole).
 */
import { canonical } from './conjunction.ts';
import { isAnnotation, STRUCTURAL } from './keywords.ts';
import { isSchemaObject } from '../../language/schema/local-ref.ts';
import { flatten, nodeId, type Atom } from './resolve.ts';
import type { Located } from './types.ts';

export interface EqualityOptions {
  /** Compare annotations too (title, description, …). When false, `default` still counts on required properties. */
  annotations: boolean;
}

/** True when the two documents are the same schema after normalization. */
export function schemasEqual(a: unknown, b: unknown, options: EqualityOptions): boolean {
  return new Equality(a, b, options).located([{ schema: a, ptr: '' }], [{ schema: b, ptr: '' }], false);
}

/** True when two atom lists (of documents `rootA`, `rootB`) assert the same, annotations ignored. */
export function atomsEqual(rootA: unknown, atomsA: readonly Atom[], rootB: unknown, atomsB: readonly Atom[]): boolean {
  return new Equality(rootA, rootB, { annotations: false }).atoms(atomsA, atomsB, false);
}

/** Keywords whose value is one subschema. */
const SCHEMA_VALUED = new Set([
  'not',
  'contains',
  'additionalProperties',
  'additionalItems',
  'propertyNames',
  'if',
  'then',
  'else',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contentSchema',
]);
/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas', 'dependencies']);
/** Keywords whose value is a list of subschemas (order matters). */
const SCHEMA_LISTS = new Set(['prefixItems', 'anyOf', 'oneOf']);
/** Keywords whose value is a set. */
const SETS = new Set(['required', 'type', 'enum']);

type Merged = Map<string, unknown>;

class Equality {
  private readonly rootA: unknown;
  private readonly rootB: unknown;
  private readonly options: EqualityOptions;
  private readonly assumed = new Set<string>();

  constructor(rootA: unknown, rootB: unknown, options: EqualityOptions) {
    this.rootA = rootA;
    this.rootB = rootB;
    this.options = options;
  }

  /** Which keywords take part, given whether `default` matters here (a required property's default does). */
  private content(keepDefault: boolean): (keyword: string) => boolean {
    return (keyword) => {
      if (STRUCTURAL.has(keyword)) return false;
      if (this.options.annotations) return true;
      if (keyword === 'default') return keepDefault;
      return !isAnnotation(keyword);
    };
  }

  located(a: readonly Located[], b: readonly Located[], keepDefault: boolean): boolean {
    const content = this.content(keepDefault);
    return this.atoms(flatten(this.rootA, a, content), flatten(this.rootB, b, content), keepDefault);
  }

  atoms(a: readonly Atom[], b: readonly Atom[], keepDefault: boolean): boolean {
    const key = `${a.map((atom) => nodeId(atom.schema)).join(',')}|${b.map((atom) => nodeId(atom.schema)).join(',')}|${keepDefault}`;
    if (this.assumed.has(key)) return true;
    this.assumed.add(key);
    const falseA = a.some((atom) => atom.schema === false);
    const falseB = b.some((atom) => atom.schema === false);
    if (falseA || falseB) return falseA === falseB;
    const content = this.content(keepDefault);
    // Keywords spread over several atoms (a description next to a $ref, an allOf split) are compared
    // as one map; when two atoms set the same keyword the split itself matters, so compare atom by atom.
    const mergedA = merge(a, content);
    const mergedB = merge(b, content);
    if (mergedA && mergedB) return this.maps(mergedA, mergedB);
    if (a.length !== b.length) return false;
    return a.every((atom, i) => {
      const other = b[i];
      const mapA = other && merge([atom], content);
      const mapB = other && merge([other], content);
      return !!mapA && !!mapB && this.maps(mapA, mapB);
    });
  }

  private maps(a: Merged, b: Merged): boolean {
    if (a.size !== b.size) return false;
    const required = new Set([...asStrings(a.get('required')), ...asStrings(b.get('required'))]);
    for (const [keyword, valueA] of a) {
      if (!b.has(keyword)) return false;
      if (!this.keyword(keyword, valueA, b.get(keyword), required)) return false;
    }
    return true;
  }

  private keyword(keyword: string, a: unknown, b: unknown, required: ReadonlySet<string>): boolean {
    const isSchema = (v: unknown) => typeof v === 'boolean' || isSchemaObject(v);
    if ((SCHEMA_VALUED.has(keyword) || (keyword === 'items' && !Array.isArray(a))) && isSchema(a) && isSchema(b)) {
      return this.located([{ schema: a, ptr: '' }], [{ schema: b, ptr: '' }], false);
    }
    if ((SCHEMA_LISTS.has(keyword) || keyword === 'items') && Array.isArray(a) && Array.isArray(b)) {
      return a.length === b.length && a.every((item, i) => this.located([{ schema: item, ptr: '' }], [{ schema: b[i], ptr: '' }], false));
    }
    if (SCHEMA_MAPS.has(keyword) && isSchemaObject(a) && isSchemaObject(b)) {
      const keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) return false;
      return keys.every((name) => {
        if (!Object.hasOwn(b, name)) return false;
        const va = a[name];
        const vb = b[name];
        if (Array.isArray(va) || Array.isArray(vb)) return canonical(va) === canonical(vb);
        // Confluent counts a required property's default (it makes adding the requirement compatible).
        const keepDefault = keyword === 'properties' && required.has(name);
        return this.located([{ schema: va, ptr: '' }], [{ schema: vb, ptr: '' }], keepDefault);
      });
    }
    if (SETS.has(keyword) && (Array.isArray(a) || Array.isArray(b))) {
      const setA = new Set((Array.isArray(a) ? a : [a]).map(canonical));
      const setB = new Set((Array.isArray(b) ? b : [b]).map(canonical));
      return setA.size === setB.size && [...setA].every((v) => setB.has(v));
    }
    return canonical(a) === canonical(b);
  }
}

/** One keyword map for the atoms, or undefined when two atoms set the same keyword. */
function merge(atoms: readonly Atom[], content: (keyword: string) => boolean): Merged | undefined {
  const map: Merged = new Map();
  for (const atom of atoms) {
    if (atom.unresolvedRef !== undefined) {
      if (map.has('$ref')) return undefined;
      map.set('$ref', atom.unresolvedRef);
    }
    if (!isSchemaObject(atom.schema)) continue;
    for (const [keyword, value] of Object.entries(atom.schema)) {
      if (!content(keyword)) continue;
      if (map.has(keyword)) return undefined;
      map.set(keyword, value);
    }
  }
  return map;
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** True when two subschemas (each in its own document) assert the same, annotations ignored. */
export function locatedEqual(rootA: unknown, a: Located, rootB: unknown, b: Located): boolean {
  return new Equality(rootA, rootB, { annotations: false }).located([a], [b], false);
}
