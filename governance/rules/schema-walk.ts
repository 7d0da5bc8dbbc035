/** Small helpers to walk a contract's JSON Schema by field path (local $refs followed). */
type Schema = Record<string, any>;

export function deref(schema: Schema | undefined, root: Schema, depth = 0): Schema | undefined {
  if (!schema || typeof schema !== 'object' || depth > 16) return schema;
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/')) {
    const target = schema.$ref
      .slice(2)
      .split('/')
      .reduce<any>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], root);
    return deref(target, root, depth + 1);
  }
  return schema;
}

/** Every field of a schema as `a.b`, `lines[].sku`, with its schema; stops at cycles. */
export function listFields(root: Schema): { path: string; name: string; schema: Schema; pointer: (string | number)[] }[] {
  const out: { path: string; name: string; schema: Schema; pointer: (string | number)[] }[] = [];
  // Ancestors only: a shared definition (an address used for ship-from and ship-to) is listed under
  // each use, while a recursive one stops.
  const ancestors = new Set<Schema>();
  // `at` is where the (possibly referenced) schema is written, so findings point at the property in the YAML.
  const visit = (schema: Schema | undefined, prefix: string, at: (string | number)[]) => {
    const s = deref(schema, root);
    if (!s || ancestors.has(s) || ancestors.size > 32) return;
    ancestors.add(s);
    const here = s === schema ? at : refPointer(schema, at);
    for (const [name, child] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
      const path = prefix ? `${prefix}.${name}` : name;
      const pointer = [...here, 'properties', name];
      const resolved = deref(child, root) ?? {};
      out.push({ path, name, schema: resolved, pointer });
      const base = resolved === child ? pointer : refPointer(child, pointer);
      if (resolved.type === 'array' || resolved.items) visit(resolved.items, `${path}[]`, [...base, 'items']);
      else visit(resolved, path, base);
    }
    for (const key of ['allOf', 'anyOf', 'oneOf'])
      ((s[key] ?? []) as Schema[]).forEach((branch, i) => visit(branch, prefix, [...here, key, i]));
    ancestors.delete(s);
  };
  visit(root, '', []);
  return out;
}

/** Where a local `$ref` points, as a path into the root schema (or `fallback` when it is not local). */
function refPointer(schema: Schema | undefined, fallback: (string | number)[]): (string | number)[] {
  const ref = schema?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return fallback;
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Required property names of an object schema (merging allOf). */
export function requiredOf(schema: Schema | undefined, root: Schema): string[] {
  const s = deref(schema, root);
  if (!s) return [];
  const own = Array.isArray(s.required) ? (s.required as string[]) : [];
  return [...own, ...((s.allOf ?? []) as Schema[]).flatMap((b) => requiredOf(b, root))];
}

/** The schema of a property (merging allOf), or undefined. */
export function propertyOf(schema: Schema | undefined, name: string, root: Schema): Schema | undefined {
  const s = deref(schema, root);
  if (!s) return undefined;
  const direct = s.properties?.[name] as Schema | undefined;
  if (direct) return deref(direct, root);
  for (const branch of (s.allOf ?? []) as Schema[]) {
    const found = propertyOf(branch, name, root);
    if (found) return found;
  }
  return undefined;
}
