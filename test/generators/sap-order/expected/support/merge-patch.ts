/**
 * A workflow call's `mapping.merge` applied to the mapping's output: JSON Merge Patch (RFC 7396) — an
 * object in the patch merges key by key, `null` removes a key, anything else (arrays included)
 * replaces. lib/json-merge-patch.ts does the same for test inputs, but generated code links only this
 * directory, so the few lines live here too. Keys that reach a prototype are refused (a patch is
 * built from data).
 */

/** What may patch a `T`: any of its fields, objects patched in turn, `null` to remove one. */
export type MergePatch<T> = {
  [K in keyof T]?:
    | (NonNullable<T[K]> extends readonly unknown[] ? T[K] : NonNullable<T[K]> extends object ? MergePatch<NonNullable<T[K]>> : T[K])
    | null;
};

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `patch` applied to `target` (neither is changed); an absent patch leaves `target` as it is. */
export function mergePatch<T>(target: T, patch: MergePatch<T> | undefined): T {
  return patch === undefined ? target : (merge(target, patch, '') as T);
}

function merge(target: unknown, patch: unknown, at: string): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = {};
  if (isObject(target)) for (const key of Object.keys(target)) result[key] = target[key];
  for (const key of Object.keys(patch)) {
    if (UNSAFE.has(key)) throw new Error(`merge: the key "${key}" at ${at || '/'} is not allowed (it would reach an object's prototype)`);
    const value = patch[key];
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = merge(Object.hasOwn(result, key) ? result[key] : undefined, value, `${at}/${key}`);
  }
  return result;
}
