/**
 * `interlace plan` against a live cluster: what apply would do now, decided by apply's own code. The
 * live state is read as the reconcile loop reads it (readLiveState), each object is judged by the one
 * drift rule (decideObject), and leftovers by pruning's own candidate list (pruneCandidates,
 * pruneSkipReason) — so plan and apply cannot disagree. Each object apply would send is also
 * server-side applied with `dryRun=All` under the controller's field manager: the API server's
 * defaulting, admission and field ownership then say which fields would change, and what it would refuse.
 */
import { CRD_GROUP, CRD_VERSION } from '../../generators/crds/names.ts';
import { bindOwnerUids, FIELD_MANAGER, diffObjects, isMonitoringObject, objectKey, OWNER_UID_PLACEHOLDER } from '../plan/index.ts';
import type { KubeObject, ObjectRef, Plan } from '../plan/index.ts';
import { decideObject } from './drift.ts';
import { KubeApiError } from './kube-rest.ts';
import type { KubeRest, LiveObject } from './kube-rest.ts';
import { previousFromLive, readLiveState } from './live-state.ts';
import { restrictToServedMonitoring } from './monitoring-kinds.ts';
import type { EstateId } from './live-state.ts';
import { pruneCandidates, pruneSkipReason } from './prune.ts';

export interface PlanAgainstClusterInput {
  rest: KubeRest;
  estate: EstateId;
  /** Plans again with what the live objects say was applied before (keeps unchanged objects' revisions). */
  replan: (previous: ReadonlyMap<string, { contentHash: string; revision: string }> | undefined) => Plan;
}

/** One line of the report; `delete` is what pruning would delete. */
export type PlannedChange =
  | { action: 'create' | 'update' | 'unchanged' | 'delete'; key: string; fields?: string[] }
  | { action: 'error' | 'skip'; key: string; message: string };

export interface PlanAgainstClusterResult {
  changes: number;
  report: PlannedChange[];
  text: string;
}

export async function planAgainstCluster(input: PlanAgainstClusterInput): Promise<PlanAgainstClusterResult> {
  const { rest, estate } = input;
  // The Estate's inventory, when it exists here: pruning deletes from it too.
  const estateObject = await rest
    .getOrUndefined({ apiVersion: `${CRD_GROUP}/${CRD_VERSION}`, kind: 'Estate', namespace: estate.namespace, name: estate.name })
    .catch(() => undefined);
  const previousInventory = ((estateObject?.status?.inventory as { entries?: ObjectRef[] } | undefined)?.entries ?? []).filter(
    (ref) => typeof ref?.kind === 'string' && typeof ref.name === 'string',
  );
  // The Prometheus Operator's objects only where the cluster serves their kinds, as apply decides.
  const served = await restrictToServedMonitoring(rest, input.replan(undefined));
  const first = served.plan;
  // Replanning only changes revision annotations, not which objects there are: the live state read for the first plan serves.
  const live = await readLiveState(rest, first, estate, previousInventory);
  const replanned = input.replan(previousFromLive(live));
  const plan =
    served.monitoring && 'missing' in served.monitoring
      ? { ...replanned, objects: replanned.objects.filter((p) => !isMonitoringObject(p)) }
      : replanned;

  const report: PlannedChange[] = [];
  if (served.monitoring && 'missing' in served.monitoring) {
    const message = `not applied: the cluster has no ${served.monitoring.missing.join(', ')} (the Prometheus Operator's CRDs)`;
    for (const ref of served.monitoring.skipped) report.push({ action: 'skip', key: objectKey(ref), message });
  }
  const uids = new Map<string, string>();
  for (const [key, object] of live.objects) if (object.metadata.uid) uids.set(key, object.metadata.uid);
  // What cannot be dry-run before stage 1 exists: a custom resource of a CRD not installed yet, anything in a new namespace.
  const newKinds = new Set(
    plan.objects
      .filter((p) => p.ref.kind === 'CustomResourceDefinition' && !live.objects.has(p.key))
      .map((p) => (p.object.spec as { names: { kind: string } }).names.kind),
  );
  const newNamespaces = new Set(plan.objects.filter((p) => p.ref.kind === 'Namespace' && !live.objects.has(p.key)).map((p) => p.ref.name));
  for (const p of plan.objects) {
    // Owners that do not exist yet get a placeholder uid: the drift rule ignores it, the API server does not check it.
    const desired: KubeObject = p.owner ? bindOwnerUids(p, (owner) => uids.get(objectKey(owner)) ?? OWNER_UID_PLACEHOLDER) : p.object;
    const { need, current } = await decideObject(rest, p, desired, live);
    if (!need.apply) {
      report.push({ action: 'unchanged', key: p.key });
      continue;
    }
    if (!current && (newKinds.has(p.ref.kind) || (p.ref.namespace && newNamespaces.has(p.ref.namespace)))) {
      report.push({ action: 'create', key: p.key });
      continue;
    }
    let result: LiveObject;
    try {
      result = await rest.apply(desired, { fieldManager: FIELD_MANAGER, dryRun: true });
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      report.push({ action: 'error', key: p.key, message: error.message.replace(/^PATCH \S+: /, '') });
      continue;
    }
    if (!current) {
      report.push({ action: 'create', key: p.key });
      continue;
    }
    const after = normalize(result);
    const before = normalize(current);
    const changed = [...new Set([...diffObjects(after, before), ...diffObjects(before, after)].map((d) => d.path))].sort();
    // The API server may store the drifted value as it is (a field it normalises); the rule's own fields then say why.
    report.push({ action: 'update', key: p.key, fields: changed.length > 0 ? changed : (need.fields ?? []) });
  }

  for (const [key, ref] of pruneCandidates({ estate, previousInventory, plan, live })) {
    const object = live.unplanned.get(key) ?? live.objects.get(key) ?? (await rest.getOrUndefined(ref));
    if (object && !pruneSkipReason(object, estate)) report.push({ action: 'delete', key });
  }
  const changes = report.filter((c) => c.action !== 'unchanged' && c.action !== 'skip').length;
  return { changes, report, text: renderReport(report) };
}

/** What the API server changes on every write or keeps for itself: not part of a difference. */
function normalize(object: LiveObject): KubeObject {
  const copy = structuredClone(object);
  delete copy.status;
  for (const field of ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid'] as const) delete copy.metadata[field];
  return copy;
}

const SIGN: Record<PlannedChange['action'], string> = { create: '+', update: '~', delete: '-', unchanged: '=', error: '!', skip: ' ' };

function renderReport(report: PlannedChange[]): string {
  const lines: string[] = [];
  for (const change of report) {
    if (change.action === 'unchanged') continue;
    lines.push(`${SIGN[change.action]} ${change.action.padEnd(6)} ${change.key}`);
    if (change.action === 'update') for (const field of change.fields ?? []) lines.push(`      ${field}`);
    if (change.action === 'error' || change.action === 'skip') lines.push(`      ${change.message}`);
  }
  const count = (action: PlannedChange['action']) => report.filter((c) => c.action === action).length;
  lines.push(
    `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete (prune), ${count('unchanged')} unchanged${count('skip') ? `, ${count('skip')} skipped` : ''}${count('error') ? `, ${count('error')} the API server would refuse` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
