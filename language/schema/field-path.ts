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
 * Parses `lines[].quantity`, `d.results[]` or `["@odata.etag"]`. Names that would reach
 * Object.prototype (`__proto__`, `constructor`, `prototype`) are refused here, so no later stage
 * has to think about them.
 */
export function parseFieldPath(path: string): FieldPathResult {
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
    if (path.startsWith('[]', i)) {
      list = true;
      i += 2;
    }
    segments.push({ name, list });
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
    return segment.list ? itemsField(field) : field;
  }, '');
}
