/** Small comparisons shared by the API and route change detectors. */

/** `order@2`, `order@^2.1` and `order@2.3.0` all name major 2 of `order`: the key that compares them. */
export function contractKey(reference: string | undefined): string {
  if (!reference) return '';
  const [name, version] = reference.split('@');
  return `${name}@${(version ?? '').replace(/^[\^~]/, '').split('.')[0]}`;
}

/** The value without the given keys at any depth: what is left when documentation-only fields are ignored. */
export function withoutKeys(value: unknown, keys: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutKeys(item, keys));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !keys.includes(key))
        .map(([k, v]) => [k, withoutKeys(v, keys)]),
    );
  }
  return value;
}
