/**
 * Writes a status through the status subresource with server-side apply under its own field manager
 * (`interlace-controller-status`), and only when it differs from what is stored: the status builders
 * keep transition times stable, so an unchanged state is an equal status and costs no request.
 */
import type { ObjectRef } from '../plan/index.ts';
import { isNotFound } from './kube-rest.ts';
import type { KubeRest } from './kube-rest.ts';

export const STATUS_FIELD_MANAGER = 'interlace-controller-status';

/** True when written; false when the stored status already equals it (or the object is gone). */
export async function writeStatusIfChanged(rest: KubeRest, ref: ObjectRef, stored: unknown, status: object): Promise<boolean> {
  if (sameJson(stored ?? {}, status)) return false;
  try {
    await rest.applyStatus(ref, status as Record<string, unknown>, STATUS_FIELD_MANAGER);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false; // deleted meanwhile: nothing to report on
    throw error;
  }
}

/** Deep equality of JSON values, ignoring key order (the API server returns keys in its own order). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  if (typeof a === 'object' && a !== null) {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return false;
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}
