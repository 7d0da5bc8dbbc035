/**
 * Which JSON Schema (2020-12) keywords constrain instances and which only document them. The checker
 * compares assertions only; annotations never make a change breaking.
 */

/** Keywords that describe but never reject an instance. `default` is special-cased by callers. */
export const ANNOTATIONS: ReadonlySet<string> = new Set([
  'title',
  'description',
  'examples',
  'example',
  '$comment',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  // 2020-12 moved the content keywords to annotations: validators do not assert them by default.
  'contentMediaType',
  'contentEncoding',
  'contentSchema',
]);

/** Keywords that only organise the document: they are resolved (refs, allOf) or never apply ($defs). */
export const STRUCTURAL: ReadonlySet<string> = new Set([
  '$ref',
  'allOf',
  '$defs',
  'definitions',
  '$schema',
  '$id',
  '$anchor',
  '$dynamicAnchor',
  '$vocabulary',
]);

/** Assertion and applicator keywords the checker understands and compares. */
export const ASSERTIONS: ReadonlySet<string> = new Set([
  'type',
  'enum',
  'const',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'format',
  'items',
  'prefixItems',
  'additionalItems',
  'contains',
  'minContains',
  'maxContains',
  'maxItems',
  'minItems',
  'uniqueItems',
  'properties',
  'patternProperties',
  'additionalProperties',
  'required',
  'minProperties',
  'maxProperties',
  'propertyNames',
  'dependentRequired',
  'anyOf',
  'oneOf',
  'not',
]);

/**
 * Assertions the checker does not reason about. They are compared for equality only: if the reader
 * has one the writer does not have verbatim, the change is reported (conservative: 'constraint-changed').
 */
export const OPAQUE: ReadonlySet<string> = new Set([
  'if',
  'then',
  'else',
  'dependentSchemas',
  'dependencies',
  'unevaluatedProperties',
  'unevaluatedItems',
  '$dynamicRef',
  '$recursiveRef',
]);

/** True for vendor extensions (`x-…`), which are annotations by convention (OpenAPI, AsyncAPI). */
export function isVendorKeyword(keyword: string): boolean {
  return keyword.startsWith('x-');
}

/** True when the keyword can reject an instance (and so matters to compatibility). */
export function isAssertion(keyword: string): boolean {
  return ASSERTIONS.has(keyword) || OPAQUE.has(keyword);
}

/** True when the keyword is documentation only. */
export function isAnnotation(keyword: string): boolean {
  return ANNOTATIONS.has(keyword) || isVendorKeyword(keyword);
}
