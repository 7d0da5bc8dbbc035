/**
 * Applies an accepted revision and reports on it: live state → plan again with what was applied
 * before → staged server-side apply → prune → health of every unit → status of every spec object.
 * Shared by the controller's reconcile and `interlace apply`, so both change the cluster the same way.
 */
import {
  applyPlan,
  pruneObjects,
  readLiveState,
  previousFromLive,
  restrictToServedMonitoring,
  writeStatusIfChanged,
} from '../apply/index.ts';
import type { Change, EventRecorder, KubeRest } from '../apply/index.ts';
import { LABEL_ESTATE, LABEL_UNIT, objectKey } from '../plan/index.ts';
import type { Health, MonitoringOutcome, ObjectRef, Plan } from '../plan/index.ts';
import { deploymentHealth, findCondition, specStatus, worstHealth } from '../status/index.ts';
import type { EstateCounts, PodLike, SpecStatus, WorkloadHealth } from '../status/index.ts';
import { kubeTime } from '../../lib/time.ts';
import { withPreviousRevisions } from './previous-revisions.ts';

export interface ApplyRevisionInput {
  estate: { name: string; namespace: string };
  /** The gate's plan (revision annotations are completed here from the live objects). */
  plan: Plan;
  previousInventory: readonly ObjectRef[];
  prune: boolean;
  now: Date;
  /** Live objects known equal to their desired state, by `resourceVersion/contentHash` (kept across reconciles; see applyPlan). */
  verified?: Map<string, string>;
  /** Events for spec objects whose Ready state changed (omit to emit none, e.g. a dry CLI run). */
  events?: EventRecorder;
  /** Workflow executions counted on Temporal, by the unit id (its task queue); written into the Workflow objects' status. */
  workflowExecutions?: ReadonlyMap<string, { running: number; failed: number }>;
}

export interface ApplyRevisionResult {
  plan: Plan;
  changes: Change[];
  inventory: ObjectRef[];
  counts: EstateCounts;
  health: Health;
  /** The worst unit's message, for the Estate's status. */
  healthMessage: string;
  /** How many spec objects' statuses were written. */
  statusWrites: number;
  /** The PrometheusRule and PodMonitor: applied, or not because the cluster lacks their CRDs; absent when the plan has none. */
  monitoring?: MonitoringOutcome;
}

export async function applyRevision(rest: KubeRest, input: ApplyRevisionInput): Promise<ApplyRevisionResult> {
  // The Prometheus Operator's objects only where its CRDs are installed (asked now, not when planned).
  const served = await restrictToServedMonitoring(rest, input.plan);
  const live = await readLiveState(rest, served.plan, input.estate, input.previousInventory);
  const plan = withPreviousRevisions(served.plan, previousFromLive(live));
  const applied = await applyPlan(rest, plan, live, input.verified ? { verified: input.verified } : {});
  const pruned = await pruneObjects(rest, {
    estate: input.estate,
    enabled: input.prune,
    previousInventory: input.previousInventory,
    plan,
    live,
  });

  // Health of each unit: its Deployment (as just applied or read) and its pods.
  const namespaces = [...new Set(plan.units.map((u) => u.namespace))];
  const pods = new Map<string, PodLike[]>();
  for (const namespace of namespaces) {
    const list = await rest.list('v1', 'Pod', namespace, { labelSelector: `${LABEL_ESTATE}=${input.estate.name}` });
    for (const pod of list as unknown as PodLike[]) {
      const unit = pod.metadata.labels?.[LABEL_UNIT];
      if (unit) pods.set(`${namespace}/${unit}`, [...(pods.get(`${namespace}/${unit}`) ?? []), pod]);
    }
  }
  const healthByOwner = new Map<string, WorkloadHealth>();
  const executionsByOwner = new Map<string, { running: number; failed: number }>();
  for (const unit of plan.units) {
    const executions = input.workflowExecutions?.get(unit.id);
    if (executions) executionsByOwner.set(objectKey(unit.owner), executions);
    const deployment = applied.objects.get(
      objectKey({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: unit.namespace, name: unit.name }),
    );
    if (!deployment) continue;
    healthByOwner.set(objectKey(unit.owner), deploymentHealth(deployment as never, pods.get(`${unit.namespace}/${unit.name}`) ?? []));
  }

  // Status of each spec object, written only when it changed.
  const now = kubeTime(input.now);
  let statusWrites = 0;
  const specs = plan.objects.filter((p) => p.stage === 2);
  for (const p of specs) {
    const object = applied.objects.get(p.key);
    if (!object) continue;
    const previous = object.status as Partial<SpecStatus> | undefined;
    const executions = executionsByOwner.get(p.key);
    const status = specStatus({ object, previous, workload: healthByOwner.get(p.key), ...(executions ? { executions } : {}), now });
    if (await writeStatusIfChanged(rest, p.ref, previous, status)) {
      statusWrites++;
      const before = findCondition(previous?.conditions, 'Ready');
      const after = findCondition(status.conditions, 'Ready')!;
      // A transition of an object that had a state (not its first status: the Estate's Event covers a new object).
      if (input.events && before && (before.status !== after.status || before.reason !== after.reason)) {
        await input.events.record(
          { ...p.ref, ...(object.metadata.uid ? { uid: object.metadata.uid } : {}) },
          {
            type: after.status === 'False' && after.reason === 'HealthCheckFailed' ? 'Warning' : 'Normal',
            reason: after.reason,
            note: after.message,
            action: 'Reconcile',
          },
        );
      }
    }
  }

  const healths = [...healthByOwner.values()];
  const worst = healths.length > 0 ? worstHealth(healths.map((h) => h.health)) : 'Healthy';
  const worstMessage = healths.find((h) => h.health === worst && worst !== 'Healthy');
  const counts: EstateCounts = {
    specs: specs.length,
    units: plan.units.length,
    objects: plan.objects.length,
    ready: specs.filter((p) => (healthByOwner.get(p.key)?.health ?? 'Healthy') === 'Healthy').length,
    progressing: healths.filter((h) => h.health === 'Progressing').length,
    degraded: healths.filter((h) => h.health === 'Degraded').length,
  };
  return {
    plan,
    changes: [...applied.changes, ...pruned],
    inventory: plan.objects.map((p) => p.ref),
    counts,
    health: worst,
    healthMessage: worstMessage ? `${worstMessage.workload.deployment}: ${worstMessage.message}` : '',
    statusWrites,
    ...(served.monitoring ? { monitoring: served.monitoring } : {}),
  };
}
