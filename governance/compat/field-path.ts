/**
 * Field paths in user terms ('customer.email', 'lines[].quantity', '["@odata.etag"]') and JSON
 * pointer segments. The field syntax is the one `parseFieldPath` in validate/contract-fields.ts
 * reads, so a finding's field can be fed back to the rest of the product.
 */

const SIMPLE_NAME = /^[A-Za-z_$][\w$-]*$/;

/** The path of property `name` inside the value at `parent`. */
export function propertyField(parent: string, name: string): string {
  const segment = SIMPLE_NAME.test(name) ? name : `[${JSON.stringify(name)}]`;
  if (parent === '' || segment.startsWith('[')) return parent + segment;
  return `${parent}.${segment}`;
}

/** The path of every element of the array at `parent`. */
export function itemsField(parent: string): string {
  return `${parent}[]`;
}

/** The path of one positional element (prefixItems) of the array at `parent`. */
export function indexField(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** The path of the properties an object does not declare by name. */
export function additionalField(parent: string): string {
  return parent === '' ? '*' : `${parent}.*`;
}

/** The path of the properties whose names match a patternProperties regular expression. */
export function patternField(parent: string, source: string): string {
  return `${parent}[/${source}/]`;
}

/** One JSON pointer segment (RFC 6901 escaping). */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `parent` extended by the given keys. */
export function childPointer(parent: string, ...keys: (string | number)[]): string {
  return parent + keys.map((key) => `/${pointerSegment(key)}`).join('');
}
