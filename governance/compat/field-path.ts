/**
 * The field-path notations only the compatibility checker needs: positional items, undeclared
 * properties and pattern properties. Property names and list items are printed by
 * language/schema/field-path.ts, so a finding's field can be fed back to the rest of the product.
 */

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
