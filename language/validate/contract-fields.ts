/**
 * Finds a field path (`lines[].sku`, `["@odata.etag"]`) in a JSON Schema by walking `properties`,
 * `items`, local `$ref`s and combinators. Used to check that a contract's identity, business keys and
 * classification name fields that exist.
 */
export function parseFieldPath(path: string): { name: string; list: boolean }[] | undefined {
  const segments: { name: string; list: boolean }[] = [];
  let i = 0;
  while (i < path.length) {
    let name: string;
    if (path.startsWith('["', i)) {
      const end = path.indexOf('"]', i + 2);
      if (end === -1) return undefined;
      name = path.slice(i + 2, end);
      i = end + 2;
    } else {
      const match = /^[A-Za-z_$][\w$-]*/.exec(path.slice(i));
      if (!match) return undefined;
      name = match[0];
      i += name.length;
    }
    let list = false;
    if (path.startsWith('[]', i)) {
      list = true;
      i += 2;
    }
    segments.push({ name, list });
    if (i < path.length) {
      if (path[i] === '.') i++;
      else if (!path.startsWith('["', i)) return undefined;
    }
  }
  return segments.length > 0 ? segments : undefined;
}

type Schema = Record<string, any>;

/** The sub-schemas a schema may stand for: itself, its local $ref target, and combinator branches. */
function alternatives(schema: Schema, root: Schema, depth = 0): Schema[] {
  if (depth > 16 || schema === null || typeof schema !== 'object') return [];
  const out: Schema[] = [schema];
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/')) {
    const target = schema.$ref
      .slice(2)
      .split('/')
      .reduce<any>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], root);
    if (target) out.push(...alternatives(target, root, depth + 1));
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(schema[keyword])) for (const branch of schema[keyword]) out.push(...alternatives(branch, root, depth + 1));
  }
  return out;
}

/** True when the schema declares the field path. */
export function schemaHasField(root: Schema, path: string): boolean {
  const segments = parseFieldPath(path);
  if (!segments) return false;
  let current: Schema[] = [root];
  for (const segment of segments) {
    const next: Schema[] = [];
    for (const schema of current.flatMap((s) => alternatives(s, root))) {
      const property = schema.properties?.[segment.name];
      if (property !== undefined) next.push(property);
    }
    if (next.length === 0) return false;
    current = segment.list
      ? next
          .flatMap((s) => alternatives(s, root))
          .map((s) => s.items)
          .filter((s) => s && typeof s === 'object')
      : next;
    if (current.length === 0) return false;
  }
  return true;
}
