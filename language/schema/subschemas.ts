/**
 * Visits every schema object inside a JSON Schema (2020-12), with its path, without recursion: the
 * keywords that hold one schema, a list of schemas or a map of names to schemas are followed; values
 * that are data (`const`, `enum`, `default`, `examples`) are not, so a property named `pattern` or an
 * example holding `tsType` is never mistaken for a keyword.
 */
const ONE_SCHEMA = new Set([
  'additionalProperties',
  'propertyNames',
  'unevaluatedProperties',
  'items',
  'contains',
  'unevaluatedItems',
  'not',
  'if',
  'then',
  'else',
  'additionalItems',
]);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

export type SchemaPath = (string | number)[];

/** Calls `visit` for the root and each nested schema object, in document order. */
export function forEachSubschema(root: unknown, visit: (schema: Record<string, unknown>, path: SchemaPath) => void): void {
  const stack: { node: unknown; path: SchemaPath }[] = [{ node: root, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (node === null || typeof node !== 'object' || Array.isArray(node)) continue;
    const schema = node as Record<string, unknown>;
    visit(schema, path);
    const children: { node: unknown; path: SchemaPath }[] = [];
    for (const [keyword, value] of Object.entries(schema)) {
      if (ONE_SCHEMA.has(keyword)) children.push({ node: value, path: [...path, keyword] });
      else if (SCHEMA_LISTS.has(keyword) && Array.isArray(value))
        value.forEach((item, i) => {
          children.push({ node: item, path: [...path, keyword, i] });
        });
      else if (SCHEMA_MAPS.has(keyword) && value !== null && typeof value === 'object' && !Array.isArray(value))
        for (const [name, item] of Object.entries(value)) children.push({ node: item, path: [...path, keyword, name] });
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}
