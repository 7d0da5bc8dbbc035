/**
 * Whether a planned object must be applied: it is missing, its desired content changed (the
 * `interlace.dev/content-hash` annotation differs), or a field we set was changed by someone else
 * (drift: `kubectl edit`, another controller). Only fields the desired object sets are compared, so
 * what the API server defaults or other managers add never counts as a difference — the "permanent
 * OutOfSync" users of other tools complain about.
 */
import { ANNOTATION_CONTENT_HASH, diffObjects } from '../plan/index.ts';
import type { KubeObject } from '../plan/index.ts';
import type { LiveObject } from './kube-rest.ts';

export type ApplyNeed = { apply: false } | { apply: true; action: 'created' | 'configured'; detail?: string };

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
  };
}
