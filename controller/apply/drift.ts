/**
 * The one drift rule, shared by `interlace plan` against a cluster (plan-against-cluster.ts) and the
 * apply stage (apply-plan.ts), so the two cannot disagree about what would change.
 *
 * A planned object must be applied when it is missing, its desired content changed (the
 * `interlace.dev/content-hash` annotation differs), or a field we set was changed by someone else
 * (drift: `kubectl edit`, another controller). Only fields the desired object sets are compared, so
 * what the API server defaults or other managers add never counts as a difference — the "permanent
 * OutOfSync" users of other tools complain about.
 */
import { ANNOTATION_CONTENT_HASH, diffObjects } from '../plan/index.ts';
import type { KubeObject, PlannedObject } from '../plan/index.ts';
import type { KubeRest, LiveObject } from './kube-rest.ts';
import type { LiveState } from './live-state.ts';

export type ApplyNeed = { apply: false } | { apply: true; action: 'created' | 'configured'; detail?: string; fields?: string[] };

/** The rule on one object, given the full live object (or none). */
export function applyNeed(desired: KubeObject, contentHash: string, live: LiveObject | undefined): ApplyNeed {
  if (!live) return { apply: true, action: 'created' };
  if (live.metadata.deletionTimestamp) return { apply: true, action: 'created', detail: 'was being deleted' };
  if (live.metadata.annotations?.[ANNOTATION_CONTENT_HASH] !== contentHash) return { apply: true, action: 'configured' };
  const drift = diffObjects(desired, live);
  if (drift.length === 0) return { apply: false };
  const fields = [...new Set(drift.map((d) => d.path))];
  return {
    apply: true,
    action: 'configured',
    detail: `drift in ${fields.slice(0, 3).join(', ')}${fields.length > 3 ? ` and ${fields.length - 3} more` : ''}`,
    fields,
  };
}

/** An object's decision and the live object it was made on (read in full when the listing had metadata only). */
export interface ObjectDecision {
  need: ApplyNeed;
  current: LiveObject | undefined;
  /** True when the object was skipped on the strength of `verified` alone (no comparison was needed). */
  verifiedBefore: boolean;
}

/**
 * The rule on one planned object of a {@link LiveState}. A metadata-only live object (a ConfigMap
 * listed without its data) whose content hash matches is either known equal at this resourceVersion
 * (`verified`: object key → `resourceVersion/contentHash`, kept by the reconcile loop) or read in full.
 */
export async function decideObject(
  rest: KubeRest,
  planned: PlannedObject,
  desired: KubeObject,
  live: LiveState,
  verified?: ReadonlyMap<string, string>,
): Promise<ObjectDecision> {
  let current = live.objects.get(planned.key);
  if (current && live.partial.has(planned.key) && current.metadata.annotations?.[ANNOTATION_CONTENT_HASH] === planned.contentHash) {
    if (verified?.get(planned.key) === `${current.metadata.resourceVersion}/${planned.contentHash}`)
      return { need: { apply: false }, current, verifiedBefore: true };
    current = await rest.getOrUndefined(planned.ref); // not verified at this version: compare in full
  }
  return { need: applyNeed(desired, planned.contentHash, current), current, verifiedBefore: false };
}
