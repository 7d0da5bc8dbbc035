/**
 * JSON Merge Patch (RFC 7396): `patch` applied to `target`. An object in the patch merges into the
 * target's object key by key, `null` removes a key, anything else (arrays included) replaces. Pure:
 * neither argument is changed. Keys that would reach an object's prototype (`__proto__`,
 * `constructor`, `prototype`) are refused, since the patch comes from spec files (untrusted).
 */
export function applyMergePatch(target: unknown, patch: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: merge(target, patch, '') };
  } catch (error) {
    if (error instanceof UnsafeKey) return { ok: false, message: error.message };
    throw error;
  }
}

class UnsafeKey extends Error {}

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function merge(target: unknown, patch: unknown, at: string): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = {};
  if (isObject(target)) for (const key of Object.keys(target)) result[key] = target[key];
  for (const key of Object.keys(patch)) {
    if (UNSAFE.has(key))
      throw new UnsafeKey(`merge: the key "${key}" at ${at || '/'} is not allowed (it would reach an object's prototype)`);
    const value = patch[key];
    if (value === null) delete result[key];
    else result[key] = merge(Object.hasOwn(result, key) ? result[key] : undefined, value, `${at}/${key}`);
  }
  return result;
}
