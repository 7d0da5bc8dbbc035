/**
 * Field paths as users write them: `customer.email`, `lines[].quantity`, `["@odata.etag"]`. One
 * parser and one printer, shared by validation (identity, business keys, classification), governance
 * (findings name fields) and the mapping compiler (rule targets and sources), so a path that one stage
 * prints, another reads back.
 */

/** One step of a field path: a property name, and whether the property is a list (`lines[]`). */
export interface FieldSegment {
  name: string;
  list: boolean;
  /** `lines[0]`: one item of the list (only where the parser was asked to accept indexes). */
  index?: number;
}

export type FieldPathResult = { ok: true; segments: FieldSegment[] } | { ok: false; message: string };

/** A name that needs no brackets. */
const SIMPLE_NAME = /^[A-Za-z_$][\w$-]*$/;
const SIMPLE_NAME_PREFIX = /^[A-Za-z_$][\w$-]*/;

const RESERVED_PROPERTY_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** Names that would reach Object.prototype instead of data when used as a property key. */
export function isReservedPropertyName(name: string): boolean {
  return RESERVED_PROPERTY_NAMES.has(name);
}

/**
 * Parses `lines[].quantity`, `d.results[]` or `["@odata.etag"]` (and, with `indexes`, `lines[0].sku`:
 * mapping sources may pick one item). Names that would reach
 * Object.prototype (`__proto__`, `constructor`, `prototype`) are refused here, so no later stage
 * has to think about them.
 */
export function parseFieldPath(path: string, options: { indexes?: boolean } = {}): FieldPathResult {
  const segments: FieldSegment[] = [];
  let i = 0;
  while (i < path.length) {
    let name: string;
    if (path.startsWith('["', i)) {
      const end = path.indexOf('"]', i + 2);
      if (end === -1) return { ok: false, message: `unterminated ["...'] at column ${i + 1} of \`${path}\`` };
      name = path.slice(i + 2, end);
      if (name.length === 0) return { ok: false, message: `empty field name at column ${i + 1} of \`${path}\`` };
      i = end + 2;
    } else {
      const match = SIMPLE_NAME_PREFIX.exec(path.slice(i));
      if (!match)
        return {
          ok: false,
          message: `unexpected ${JSON.stringify(path[i])} at column ${i + 1} of \`${path}\`; write names separated by dots, \`[]\` after a list, and \`["..."]\` for other names`,
        };
      name = match[0];
      i += name.length;
    }
    if (isReservedPropertyName(name))
      return { ok: false, message: `field name "${name}" is reserved: it would reach the object's prototype instead of its data` };
    let list = false;
    let index: number | undefined;
    if (path.startsWith('[]', i)) {
      list = true;
      i += 2;
    } else if (options.indexes && path[i] === '[' && path[i + 1] !== '"') {
      const match = /^\[(0|[1-9][0-9]{0,8})\]/.exec(path.slice(i));
      if (!match)
        return {
          ok: false,
          message: `unexpected ${JSON.stringify(path.slice(i, i + 3))} at column ${i + 1} of \`${path}\`; write \`[]\` for every item of a list or \`[0]\` for one item`,
        };
      index = Number(match[1]);
      i += match[0].length;
    }
    segments.push(index === undefined ? { name, list } : { name, list, index });
    if (i < path.length) {
      if (path[i] === '.') i++;
      else if (!path.startsWith('["', i))
        return { ok: false, message: `unexpected ${JSON.stringify(path[i])} at column ${i + 1} of \`${path}\`` };
    }
  }
  if (segments.length === 0) return { ok: false, message: 'empty field path' };
  return { ok: true, segments };
}

/** The path of property `name` inside the value at `parent` (`''` for the root): the one printer. */
export function propertyField(parent: string, name: string): string {
  if (!SIMPLE_NAME.test(name)) return `${parent}["${name}"]`;
  return parent === '' ? name : `${parent}.${name}`;
}

/** The path of every element of the list at `parent`. */
export function itemsField(parent: string): string {
  return `${parent}[]`;
}

/** Renders segments back the way users write them; `parseFieldPath` reads the result back. */
export function formatFieldPath(segments: readonly FieldSegment[]): string {
  return segments.reduce((path, segment) => {
    const field = propertyField(path, segment.name);
    if (segment.index !== undefined) return `${field}[${segment.index}]`;
    return segment.list ? itemsField(field) : field;
  }, '');
}
