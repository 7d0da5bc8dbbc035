import { describeValue, MappingError } from './errors.js';
import { CelTimestamp } from './timestamps.js';
import type { PresentAs } from './timestamps.js';

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

/**
 * CEL `+`: numbers add, strings and lists concatenate. A function rather than JavaScript's `+` so the
 * type checker refuses a value that may be missing (`'at ' + source.place` would otherwise give
 * "at undefined") and mixed operands (`'n' + 1`), as CEL does, and so lists concatenate.
 */
export function add(a: string, b: string): string;
export function add(a: number, b: number): number;
export function add<E>(a: readonly E[], b: readonly E[]): E[];
export function add(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return (a as number) + (b as number);
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

/**
 * CEL `int()`: truncates toward zero, parses decimal strings, and gives a timestamp's seconds since
 * the epoch. A missing value stays absent (the type says so, and a required target then refuses it
 * at build time); text that is no number fails the message with a MappingError naming `target`.
 */
export function toInt<T extends string | number | boolean | CelTimestamp | null | undefined>(
  value: T,
  target: string,
): PresentAs<T, number> {
  if (value === null || value === undefined) return undefined as PresentAs<T, number>;
  if (value instanceof CelTimestamp) return Math.floor(value.epochMillis / 1000) as PresentAs<T, number>;
  const n = typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : Number(String(value).trim());
  if (!Number.isFinite(n) || (typeof value === 'string' && value.trim() === ''))
    throw new MappingError('number-invalid', target, value, `int(): ${describeValue(value)} is not a number`);
  return Math.trunc(n) as PresentAs<T, number>;
}

/** CEL `double()`; a missing value stays absent. */
export function toDouble<T extends string | number | null | undefined>(value: T, target: string): PresentAs<T, number> {
  if (value === null || value === undefined) return undefined as PresentAs<T, number>;
  const text = typeof value === 'number' ? undefined : String(value).trim();
  const n = text === undefined ? (value as number) : Number(text);
  if (Number.isNaN(n) || text === '')
    throw new MappingError('number-invalid', target, value, `double(): ${describeValue(value)} is not a number`);
  return n as PresentAs<T, number>;
}

/** CEL `string()`: a timestamp as RFC 3339; a missing value stays absent. */
export function toText<T extends string | number | boolean | CelTimestamp | null | undefined>(value: T): PresentAs<T, string> {
  if (value === null || value === undefined) return undefined as PresentAs<T, string>;
  return String(value) as PresentAs<T, string>;
}

/**
 * CEL `list[i]` and `map[key]` with a computed index. Own entries only, so no key reaches a
 * prototype; an index out of range or a missing key is absent. Typed as the element (as CEL types
 * it) when the container is present, and possibly absent when the container may be missing.
 */
export function at<E>(container: readonly E[], index: number): E;
export function at<E>(container: readonly E[] | null | undefined, index: number): E | undefined;
export function at<V>(container: Readonly<Record<string, V>>, key: string): V;
export function at<V>(container: Readonly<Record<string, V>> | null | undefined, key: string): V | undefined;
export function at(container: unknown, key: number | string): unknown {
  if (container === null || container === undefined) return undefined;
  if (Array.isArray(container))
    return typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < container.length ? container[key] : undefined;
  return typeof key === 'string' && Object.hasOwn(container as object, key) ? (container as Record<string, unknown>)[key] : undefined;
}

/**
 * The value of a required target field whose rules all have a `when` and none applied: the message
 * cannot be mapped, so it fails as a contract violation (the runtime sends it to the dead letter).
 */
export function noRuleApplies(target: string, contract: string): never {
  throw new MappingError(
    'no-rule-applies',
    target,
    undefined,
    `no rule applies (every rule's \`when\` is false), and ${contract} requires the field`,
  );
}
