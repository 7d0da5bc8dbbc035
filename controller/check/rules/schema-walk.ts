/** Small helpers to walk a contract's JSON Schema by field path (local $refs followed). */
type Schema = Record<string, any>;

export function deref(schema: Schema | undefined, root: Schema, depth = 0): Schema | undefined {
  if (!schema || typeof schema !== 'object' || depth > 16) return schema;
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/')) {
    const target = schema.$ref.slice(2).split('/').reduce<any>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], root);
    return deref(target, root, depth + 1);
  }
  return schema;
}

/** Every field of a schema as `a.b`, `lines[].sku`, with its schema; stops at cycles. */
export function listFields(root: Schema): { path: string; name: string; schema: Schema }[] {
  const out: { path: string; name: string; schema: Schema }[] = [];
  const seen = new Set<Schema>();
  const visit = (schema: Schema | undefined, prefix: string) => {
    const s = deref(schema, root);
    if (!s || seen.has(s)) return;
    seen.add(s);
    for (const [name, child] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
      const path = prefix ? `${prefix}.${name}` : name;
      const resolved = deref(child, root) ?? {};
      out.push({ path, name, schema: resolved });
      if (resolved.type === 'array' || resolved.items) visit(resolved.items, `${path}[]`);
      else visit(resolved, path);
    }
    for (const key of ['allOf', 'anyOf', 'oneOf']) for (const branch of (s[key] ?? []) as Schema[]) visit(branch, prefix);
  };
  visit(root, '');
  return out;
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
