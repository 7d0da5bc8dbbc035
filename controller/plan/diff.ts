/**
 * Desired vs live the way server-side apply sees it: only fields the desired object sets are
 * compared, so whatever the API server or other controllers add (defaults such as
 * `terminationMessagePath`, `status`, `managedFields`, a `deployment.kubernetes.io/revision`
 * annotation) never shows as drift — the permanent OutOfSync users of other tools complain about.
 *
 * Lists whose items have a merge key in Kubernetes (containers, env, ports, volumes, …) are matched by
 * that key; other lists are compared whole. A field we stop setting is not found here: the
 * `interlace.dev/content-hash` annotation changes with it, which is what the reconcile loop checks
 * first. The authoritative diff, with admission and defaulting, is a server-side dry-run apply
 * (`interlace plan` against a cluster).
 */
import { OWNER_UID_PLACEHOLDER } from './owners.ts';

export interface FieldDifference {
  /** `spec.template.spec.containers[name=worker].image` */
  path: string;
  desired: unknown;
  live: unknown;
}

/** Item keys of associative lists, in the order they are tried. */
const MERGE_KEYS = ['name', 'containerPort', 'port', 'type', 'uid', 'mountPath'];

export function diffObjects(desired: unknown, live: unknown): FieldDifference[] {
  const out: FieldDifference[] = [];
  compare(desired, live, '', out);
  return out;
}

function compare(desired: unknown, live: unknown, path: string, out: FieldDifference[]): void {
  if (desired === OWNER_UID_PLACEHOLDER && typeof live === 'string') return; // bound at apply time
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) {
      out.push({ path, desired, live });
      return;
    }
    const key = mergeKey(desired);
    if (!key) {
      if (desired.length !== live.length) {
        out.push({ path, desired, live });
        return;
      }
      desired.forEach((item, i) => {
        compare(item, live[i], `${path}[${i}]`, out);
      });
      return;
    }
    const liveByKey = new Map(live.filter(isObject).map((item) => [String(item[key]), item]));
    for (const item of desired as Record<string, unknown>[]) {
      const id = String(item[key]);
      const match = liveByKey.get(id);
      const at = `${path}[${key}=${id}]`;
      if (match === undefined) out.push({ path: at, desired: item, live: undefined });
      else compare(item, match, at, out);
    }
    return;
  }
  if (isObject(desired)) {
    if (!isObject(live)) {
      out.push({ path, desired, live });
      return;
    }
    for (const [field, value] of Object.entries(desired)) compare(value, live[field], path ? `${path}.${field}` : field, out);
    return;
  }
  if (!sameScalar(desired, live)) out.push({ path, desired, live });
}

function mergeKey(items: unknown[]): string | undefined {
  if (items.length === 0 || !items.every(isObject)) return undefined;
  return MERGE_KEYS.find((key) => (items as Record<string, unknown>[]).every((item) => item[key] !== undefined));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Equal, allowing the API server's normalization of a number written as a string and back. */
function sameScalar(desired: unknown, live: unknown): boolean {
  if (desired === live) return true;
  return (typeof desired === 'number' || typeof live === 'number') && String(desired) === String(live);
}
