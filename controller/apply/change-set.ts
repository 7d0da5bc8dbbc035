/**
 * The change-set vocabulary Flux made familiar — created, configured, unchanged, deleted, skipped —
 * used alike in `interlace apply` output, Events and the Estate's status message.
 */
import type { ObjectRef, Stage } from '../plan/index.ts';

export const CHANGE_ACTIONS = ['created', 'configured', 'unchanged', 'deleted', 'skipped'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

export interface Change {
  action: ChangeAction;
  /** `apps/v1/Deployment/<namespace>/<name>` (see objectKey). */
  key: string;
  ref: ObjectRef;
  stage?: Stage;
  /** Why it was configured (the drifted fields) or skipped (prune disabled, not ours). */
  detail?: string;
}

export type ChangeCounts = Record<ChangeAction, number>;

export function countChanges(changes: readonly Change[]): ChangeCounts {
  const counts: ChangeCounts = { created: 0, configured: 0, unchanged: 0, deleted: 0, skipped: 0 };
  for (const change of changes) counts[change.action]++;
  return counts;
}

/** True when the cluster was written to. */
export function changedAnything(changes: readonly Change[]): boolean {
  return changes.some((c) => c.action === 'created' || c.action === 'configured' || c.action === 'deleted');
}

/** `Deployment/shop/route-a` — what kubectl users recognize. */
export function displayName(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** One line per object that changed (all of them with `verbose`), then the counts. */
export function renderChangeSet(changes: readonly Change[], options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const change of changes) {
    if (change.action === 'unchanged' && !options.verbose) continue;
    lines.push(`${displayName(change.ref)} ${change.action}${change.detail ? ` (${change.detail})` : ''}`);
  }
  lines.push(summarizeChanges(changes));
  return `${lines.join('\n')}\n`;
}

/** `2 created, 1 configured, 40 unchanged, 1 deleted` (zero counts left out; `no changes` when nothing). */
export function summarizeChanges(changes: readonly Change[]): string {
  const counts = countChanges(changes);
  const parts = CHANGE_ACTIONS.filter((a) => counts[a] > 0).map((a) => `${counts[a]} ${a}`);
  return parts.length > 0 ? parts.join(', ') : 'no objects';
}
