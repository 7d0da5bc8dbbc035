/**
 * Checks that a CRD version's `openAPIV3Schema` is *structural* in the apiextensions.k8s.io/v1 sense
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema),
 * so a mistake in the generator is caught by a unit test, before an API server rejects the CRD.
 * The cluster tier applies the CRDs to a real API server as the final word.
 */

/** The fields of apiextensions.k8s.io/v1 JSONSchemaProps; anything else is rejected by the API server. */
const KNOWN = new Set([
  'id',
  '$schema',
  '$ref',
  'description',
  'type',
  'format',
  'title',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'properties',
  'additionalProperties',
  'patternProperties',
  'dependencies',
  'additionalItems',
  'definitions',
  'externalDocs',
  'example',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);
/** Known to JSONSchemaProps but forbidden in a structural schema. */
const FORBIDDEN = new Set(['$ref', 'id', '$schema', 'definitions', 'dependencies', 'patternProperties', 'additionalItems']);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
/** Not allowed inside allOf/anyOf/oneOf/not. */
const NOT_IN_JUNCTORS = new Set([
  'type',
  'description',
  'default',
  'additionalProperties',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
  'title',
]);

type Node = Record<string, unknown>;

/** Problems that make `schema` non-structural (empty when it is structural), each with a JSON path. */
export function structuralProblems(schema: Node): string[] {
  const problems: string[] = [];
  if (schema.type !== 'object') problems.push('/: the root must have type: object');
  const metadata = (schema.properties as Record<string, Node> | undefined)?.metadata;
  if (metadata) {
    const fields = Object.keys((metadata.properties as object | undefined) ?? {});
    if (fields.some((f) => f !== 'name' && f !== 'generateName')) problems.push('/metadata: only name and generateName may be constrained');
  }
  walk(schema, '', problems, false);
  return problems;
}

function walk(node: Node, path: string, problems: string[], inJunctor: boolean): void {
  const at = path || '/';
  for (const key of Object.keys(node)) {
    if (!KNOWN.has(key)) problems.push(`${at}: unknown keyword "${key}"`);
    else if (FORBIDDEN.has(key)) problems.push(`${at}: "${key}" is not allowed in a structural schema`);
    else if (inJunctor && NOT_IN_JUNCTORS.has(key)) problems.push(`${at}: "${key}" is not allowed inside allOf/anyOf/oneOf/not`);
  }
  if ('if' in node || 'then' in node || 'else' in node) problems.push(`${at}: if/then/else is not allowed`);
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  if (preserve !== undefined && preserve !== true) problems.push(`${at}: x-kubernetes-preserve-unknown-fields must be true when set`);
  if (!inJunctor) {
    const typed = typeof node.type === 'string' && TYPES.has(node.type);
    if (node.type !== undefined && !typed) problems.push(`${at}: type ${JSON.stringify(node.type)} is not one Kubernetes knows`);
    if (!typed && preserve !== true && node['x-kubernetes-int-or-string'] !== true)
      problems.push(`${at}: every node needs a type (or x-kubernetes-preserve-unknown-fields)`);
  }
  if (node.uniqueItems === true) problems.push(`${at}: uniqueItems: true is forbidden (use x-kubernetes-list-type: set)`);
  if (node.additionalProperties === false) problems.push(`${at}: additionalProperties: false is forbidden (unknown fields are pruned)`);
  if (node.properties !== undefined && node.additionalProperties !== undefined)
    problems.push(`${at}: properties and additionalProperties are mutually exclusive`);
  for (const key of ['exclusiveMinimum', 'exclusiveMaximum'])
    if (node[key] !== undefined && typeof node[key] !== 'boolean') problems.push(`${at}: ${key} must be a boolean`);
  if (node['x-kubernetes-list-type'] === 'set') {
    const itemType = (node.items as Node | undefined)?.type;
    if (!['string', 'integer', 'number', 'boolean'].includes(itemType as string))
      problems.push(`${at}: x-kubernetes-list-type: set needs scalar items`);
  }
  if (node['x-kubernetes-list-type'] === 'map') {
    const keys = node['x-kubernetes-list-map-keys'] as string[] | undefined;
    const item = node.items as Node | undefined;
    if (!keys?.length) problems.push(`${at}: x-kubernetes-list-type: map needs x-kubernetes-list-map-keys`);
    for (const key of keys ?? [])
      if (!((item?.required as string[] | undefined) ?? []).includes(key)) problems.push(`${at}: list-map key "${key}" must be required`);
  }
  if (Array.isArray(node.required)) {
    const props = node.properties as Record<string, unknown> | undefined;
    for (const r of node.required as string[])
      if (!inJunctor && props && !(r in props)) problems.push(`${at}: required field "${r}" is not declared`);
  }
  for (const rule of (node['x-kubernetes-validations'] as Node[] | undefined) ?? []) {
    if (typeof rule.rule !== 'string' || rule.rule.length === 0) problems.push(`${at}: a validation rule needs a CEL expression`);
  }
  for (const [name, sub] of Object.entries((node.properties as Record<string, Node> | undefined) ?? {}))
    walk(sub, `${path}/${name}`, problems, inJunctor);
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    walk(node.additionalProperties as Node, `${path}/*`, problems, inJunctor);
  if (node.items && typeof node.items === 'object') walk(node.items as Node, `${path}[]`, problems, inJunctor);
  for (const junctor of ['allOf', 'anyOf', 'oneOf']) {
    for (const [i, sub] of ((node[junctor] as Node[] | undefined) ?? []).entries()) walk(sub, `${path}/${junctor}[${i}]`, problems, true);
  }
  if (node.not && typeof node.not === 'object') walk(node.not as Node, `${path}/not`, problems, true);
}
