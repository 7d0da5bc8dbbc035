/**
 * Deletes what an earlier revision applied and this one no longer has: everything in the previous
 * inventory, and every object carrying the Estate's labels (so an object applied just before a crash,
 * before the inventory was written, is not orphaned), minus the plan. Namespaces and CRDs are never
 * deleted (they may hold what is not ours; deleting a CRD deletes every resource of its kind).
 * Runtime objects go first, then spec objects: the reverse of the apply order.
 */
import { KIND_ORDER, LABEL_ESTATE, LABEL_ESTATE_NAMESPACE, objectKey } from '../plan/index.ts';
import type { ObjectRef, Plan } from '../plan/index.ts';
import type { Change } from './change-set.ts';
import { mapLimit } from './concurrency.ts';
import type { KubeRest, LiveObject } from './kube-rest.ts';
import type { EstateId, LiveState } from './live-state.ts';

/** On an object: `disabled` keeps it when it leaves Git (Flux's `kustomize.toolkit.fluxcd.io/prune: disabled`). */
export const ANNOTATION_PRUNE = 'interlace.dev/prune';
const NEVER_PRUNED = new Set(['Namespace', 'CustomResourceDefinition']);

export interface PruneInput {
  estate: EstateId;
  /** The Estate's `spec.prune` (default true); false reports each leftover as skipped. */
  enabled: boolean;
  previousInventory: readonly ObjectRef[];
  /** The plan now applied; undefined deletes everything (Estate deletion). */
  plan?: Plan;
  live: LiveState;
}

/**
 * What pruning considers, in the order it deletes: the previous inventory and the Estate's labelled
 * objects that the plan does not have, never Namespaces or CRDs. `interlace plan` against a cluster
 * reports the same list, so it shows exactly what apply would delete.
 */
export function pruneCandidates(input: Omit<PruneInput, 'enabled'>): [string, ObjectRef][] {
  const planned = new Set(input.plan?.objects.map((p) => p.key) ?? []);
  const candidates = new Map<string, ObjectRef>();
  for (const ref of input.previousInventory) candidates.set(objectKey(ref), ref);
  for (const [key, object] of input.live.unplanned)
    candidates.set(key, {
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
    });
  if (!input.plan)
    for (const [key, object] of input.live.objects)
      candidates.set(key, {
        apiVersion: object.apiVersion,
        kind: object.kind,
        ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
        name: object.metadata.name,
      });
  const leftovers = [...candidates].filter(([key, ref]) => !planned.has(key) && !NEVER_PRUNED.has(ref.kind));
  // Reverse apply order: Services, Deployments, ConfigMaps, then the spec objects.
  return leftovers.sort(([, a], [, b]) => KIND_ORDER.indexOf(b.kind) - KIND_ORDER.indexOf(a.kind));
}

/** Why a live leftover is kept (not the Estate's, or its prune annotation says so), or undefined when it is deleted. */
export function pruneSkipReason(live: LiveObject, estate: EstateId): string | undefined {
  if (!isOurs(live, estate)) return "not labelled as this estate's";
  if (live.metadata.annotations?.[ANNOTATION_PRUNE] === 'disabled') return `${ANNOTATION_PRUNE}: disabled`;
  return undefined;
}

export async function pruneObjects(rest: KubeRest, input: PruneInput): Promise<Change[]> {
  const leftovers = pruneCandidates(input);

  const changes: Change[] = [];
  const byRank = new Map<number, [string, ObjectRef][]>();
  for (const entry of leftovers) {
    const rank = KIND_ORDER.indexOf(entry[1].kind);
    byRank.set(rank, [...(byRank.get(rank) ?? []), entry]);
  }
  for (const group of byRank.values()) {
    await mapLimit(group, 8, async ([key, ref]) => {
      if (!input.enabled) {
        changes.push({ action: 'skipped', key, ref, detail: 'prune is off' });
        return;
      }
      const live = input.live.unplanned.get(key) ?? input.live.objects.get(key) ?? (await rest.getOrUndefined(ref));
      if (!live) return; // already gone
      const skip = pruneSkipReason(live, input.estate);
      if (skip) {
        changes.push({ action: 'skipped', key, ref, detail: skip });
        return;
      }
      if (await rest.delete(ref, live.metadata.uid ? { uid: live.metadata.uid } : {})) changes.push({ action: 'deleted', key, ref });
    });
  }
  return changes.sort((a, b) => KIND_ORDER.indexOf(b.ref.kind) - KIND_ORDER.indexOf(a.ref.kind) || (a.key < b.key ? -1 : 1));
}

function isOurs(object: LiveObject, estate: EstateId): boolean {
  const labels = object.metadata.labels ?? {};
  return labels[LABEL_ESTATE] === estate.name && labels[LABEL_ESTATE_NAMESPACE] === estate.namespace;
}
