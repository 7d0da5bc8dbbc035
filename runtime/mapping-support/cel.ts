/**
 * The few CEL operations that have no direct JavaScript operator. Compiled expressions call these;
 * everything else compiles to plain JavaScript operators and methods.
 */

/** CEL `size()`: characters (code points) of a string, items of a list, entries of a map. */
export function size(value: string | readonly unknown[] | Readonly<Record<string, unknown>> | null | undefined): number {
  if (typeof value === 'string') {
    let n = 0;
    for (const _ of value) n++;
    return n;
  }
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === 'object') return Object.keys(value).length;
  return 0;
}

/** CEL `==` on values that may be lists or maps: structural equality. */
export function eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!eq(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !eq((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** CEL `in`: membership in a list, or a key of a map (own keys only). */
export function isIn(value: unknown, container: readonly unknown[] | Readonly<Record<string, unknown>>): boolean {
  if (Array.isArray(container)) {
    for (const item of container) if (eq(item, value)) return true;
    return false;
  }
  return typeof value === 'string' && Object.hasOwn(container, value);
}

/** CEL `int()`: truncates toward zero; parses decimal strings. */
export function toInt(value: string | number | boolean): number {
  const n = typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : Number(value.trim());
  if (!Number.isFinite(n)) throw new RangeError(`int(): ${JSON.stringify(value)} is not a number`);
  return Math.trunc(n);
}

/** CEL `double()`. */
export function toDouble(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (Number.isNaN(n)) throw new RangeError(`double(): ${JSON.stringify(value)} is not a number`);
  return n;
}

/** CEL `string()`. */
export function toText(value: string | number | boolean | null): string {
  return String(value);
}
