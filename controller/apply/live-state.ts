/**
 * What the cluster holds now for one Estate: every object of the kinds the controller manages that
 * carries the Estate's labels, in every namespace the plan or the previous inventory names, plus the
 * cluster-scoped objects of the plan (Namespaces, CRDs) read one by one. One LIST per kind and
 * namespace instead of one GET per object keeps a 500-spec resync to a few dozen reads.
 */
import { API_VERSION, KIND_NAMES } from '../../language/kinds/registry.ts';
import {
  LABEL_ESTATE,
  LABEL_ESTATE_NAMESPACE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  MONITORING_API_VERSION,
  MONITORING_KINDS,
  objectKey,
} from '../plan/index.ts';
import type { ObjectRef, Plan } from '../plan/index.ts';
import { mapLimit } from './concurrency.ts';
import { isNotFound } from './kube-rest.ts';
import type { KubeRest, LiveObject } from './kube-rest.ts';

/** Namespaced kinds an Estate's objects can have: what is listed for live state and orphan pruning. */
export const MANAGED_NAMESPACED_KINDS: readonly [string, string][] = [
  ...KIND_NAMES.map((kind): [string, string] => [API_VERSION, kind]),
  ['v1', 'ConfigMap'],
  ['apps/v1', 'Deployment'],
  ['v1', 'Service'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
];

/**
 * Kinds an Estate's objects can have where the cluster serves them: the Prometheus Operator's. Listed
 * too (a 404 while their CRDs are not installed), so that what an earlier reconcile applied is pruned.
 */
export const OPTIONAL_NAMESPACED_KINDS: readonly [string, string][] = Object.keys(MONITORING_KINDS).map((kind): [string, string] => [
  MONITORING_API_VERSION,
  kind,
]);

export interface EstateId {
  name: string;
  namespace: string;
}

export function estateSelector(estate: EstateId): string {
  return `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_ESTATE}=${estate.name},${LABEL_ESTATE_NAMESPACE}=${estate.namespace}`;
}

/**
 * Kinds listed metadata-only: a ConfigMap holds a whole bundle (tens of KiB each, MiBs for an estate),
 * and listing them in full at every resync would cost the API server and us far more than the
 * comparison is worth. Their content is compared through the content-hash annotation and, for drift,
 * by reading one in full only when its resourceVersion is not one we already verified (see applyPlan).
 */
export const METADATA_ONLY_KINDS: ReadonlySet<string> = new Set(['v1/ConfigMap']);

export interface LiveState {
  /** By object key. */
  objects: Map<string, LiveObject>;
  /** Keys whose live object is metadata only (see METADATA_ONLY_KINDS). */
  partial: Set<string>;
  /** Labelled objects of the Estate that the plan does not have (prune candidates besides the inventory). */
  unplanned: Map<string, LiveObject>;
}

export async function readLiveState(
  rest: KubeRest,
  plan: Plan,
  estate: EstateId,
  previousInventory: readonly ObjectRef[] = [],
): Promise<LiveState> {
  const objects = new Map<string, LiveObject>();
  const unplanned = new Map<string, LiveObject>();
  const partial = new Set<string>();
  const planned = new Set(plan.objects.map((p) => p.key));
  const namespaces = new Set<string>();
  for (const p of plan.objects) if (p.ref.namespace) namespaces.add(p.ref.namespace);
  for (const ref of previousInventory) if (ref.namespace) namespaces.add(ref.namespace);
  const selector = estateSelector(estate);

  const lists: [string, string, string][] = [];
  for (const namespace of [...namespaces].sort())
    for (const [apiVersion, kind] of [...MANAGED_NAMESPACED_KINDS, ...OPTIONAL_NAMESPACED_KINDS]) lists.push([apiVersion, kind, namespace]);
  await mapLimit(lists, 8, async ([apiVersion, kind, namespace]) => {
    let items: LiveObject[];
    const metadataOnly = METADATA_ONLY_KINDS.has(`${apiVersion}/${kind}`);
    try {
      items = await rest.list(apiVersion, kind, namespace, { labelSelector: selector, metadataOnly });
    } catch (error) {
      if (isNotFound(error)) return; // the kind's CRD is not installed yet (stage 1 will) or the namespace is new
      throw error;
    }
    for (const item of items) {
      const key = objectKey({ apiVersion, kind, namespace, name: item.metadata.name });
      if (metadataOnly) partial.add(key);
      if (planned.has(key)) objects.set(key, item);
      else unplanned.set(key, item);
    }
  });
  const clusterScoped = plan.objects.filter((p) => !p.ref.namespace);
  await mapLimit(clusterScoped, 8, async (p) => {
    const live = await rest.getOrUndefined(p.ref);
    if (live) objects.set(p.key, { ...live, apiVersion: p.ref.apiVersion, kind: p.ref.kind });
  });
  // Planned namespaced objects that exist without our labels (a label removed by hand): read them too,
  // so they show as configured, not created.
  const missing = plan.objects.filter((p) => p.ref.namespace && !objects.has(p.key));
  if (missing.length <= 50) {
    await mapLimit(missing, 8, async (p) => {
      const live = await rest.getOrUndefined(p.ref);
      if (live) objects.set(p.key, live);
    });
  }
  return { objects, unplanned, partial };
}

/** What each object was last applied as (content hash and revision annotations), for planEstate's `previous`. */
export function previousFromLive(live: LiveState): Map<string, { contentHash: string; revision: string }> {
  const out = new Map<string, { contentHash: string; revision: string }>();
  for (const [key, object] of live.objects) {
    const hash = object.metadata.annotations?.['interlace.dev/content-hash'];
    const revision = object.metadata.annotations?.['interlace.dev/revision'];
    if (hash && revision) out.set(key, { contentHash: hash, revision });
  }
  return out;
}
