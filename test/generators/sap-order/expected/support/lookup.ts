import { describeValue, MappingError } from './errors.js';

/**
 * Looks a source code up in a table; a miss fails the message (the mapping declared no default).
 * Tables are Maps, so a code such as `__proto__` or `constructor` is just a key.
 */
export function lookup<V>(
  table: ReadonlyMap<string, V>,
  key: string | number | boolean | null | undefined,
  tableName: string,
  target: string,
): V {
  const found = key === null || key === undefined ? undefined : table.get(String(key));
  if (found === undefined) {
    throw new MappingError('lookup-miss', target, key, `lookup table ${JSON.stringify(tableName)} has no entry for ${describeValue(key)}`);
  }
  return found;
}

/** Looks a source code up in a table, with a default for a miss. */
export function lookupOr<V, D>(table: ReadonlyMap<string, V>, key: string | number | boolean | null | undefined, fallback: D): V | D {
  const found = key === null || key === undefined ? undefined : table.get(String(key));
  return found === undefined ? fallback : found;
}
