/**
 * Applies a plan in stages with server-side apply (field manager `interlace-controller`, force,
 * strict field validation): 1. CRDs (then waits until they are Established) and Namespaces; 2. the
 * spec objects as custom resources, whose uids are then bound into the owner references of 3. the
 * runtime objects (ConfigMap, Deployment, Service, HorizontalPodAutoscaler). An object that needs nothing is not sent at all:
 * a resync of an unchanged estate makes no write request.
 */
import { bindOwnerUids, FIELD_MANAGER, objectKey } from '../plan/index.ts';
import type { KubeObject, Plan, PlannedObject, Stage } from '../plan/index.ts';
import type { Change } from './change-set.ts';
import { displayName } from './change-set.ts';
import { mapLimit } from './concurrency.ts';
import { decideObject } from './drift.ts';
import { KubeApiError } from './kube-rest.ts';
import type { KubeRest, LiveObject } from './kube-rest.ts';
import type { LiveState } from './live-state.ts';
import { handOverReplicas } from './replicas-handover.ts';

export interface ApplyPlanOptions {
  fieldManager?: string;
  /** Parallel requests per stage (default 8). */
  concurrency?: number;
  /** How long to wait for a new CRD to be Established (default 30 s). */
  crdTimeoutMs?: number;
  /**
   * Object key → `resourceVersion/contentHash` of live objects already compared in full and found
   * equal to the desired object. Lets a metadata-only listing stand in for the full object (the
   * resourceVersion changes with any write, ours or anyone's). Kept by the caller across reconciles.
   */
  verified?: Map<string, string>;
}

export interface ApplyPlanResult {
  changes: Change[];
  /** Each planned object as it is now (the apply response, or the live object when nothing was sent). */
  objects: Map<string, LiveObject>;
}

/** One object the API server refused; `terminal` when sending it again cannot help (invalid, forbidden). */
export interface ObjectFailure {
  key: string;
  display: string;
  code: number | undefined;
  message: string;
  terminal: boolean;
}

/** Some objects of a stage could not be applied; later stages were not attempted. */
export class ApplyFailed extends Error {
  readonly failures: ObjectFailure[];
  readonly changes: Change[];
  readonly terminal: boolean;
  constructor(failures: ObjectFailure[], changes: Change[]) {
    const first = failures[0]!;
    super(`${failures.length} object${failures.length === 1 ? '' : 's'} could not be applied; first: ${first.display}: ${first.message}`);
    this.name = 'ApplyFailed';
    this.failures = failures;
    this.changes = changes;
    // Terminal only when every failure is: one transient failure means a retry may get further.
    this.terminal = failures.every((f) => f.terminal);
  }
}

/** 4xx answers that a retry of the same object cannot fix (Conflict 409 is excluded: it resolves). */
export function isTerminalApiError(error: unknown): boolean {
  return error instanceof KubeApiError && [400, 403, 404, 405, 413, 415, 422].includes(error.code);
}

export async function applyPlan(rest: KubeRest, plan: Plan, live: LiveState, options: ApplyPlanOptions = {}): Promise<ApplyPlanResult> {
  const fieldManager = options.fieldManager ?? FIELD_MANAGER;
  const concurrency = options.concurrency ?? 8;
  const changes: Change[] = [];
  const objects = new Map<string, LiveObject>();
  const uids = new Map<string, string>();
  for (const [key, object] of live.objects) if (object.metadata.uid) uids.set(key, object.metadata.uid);
  // Deployments an HPA scales: their replicas are handed over before we stop applying them.
  const autoscaled = new Set(
    plan.objects
      .filter((p) => p.ref.kind === 'HorizontalPodAutoscaler')
      .map((p) => objectKey({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: p.ref.namespace, name: p.ref.name })),
  );

  for (const stage of [1, 2, 3] as Stage[]) {
    const planned = plan.objects.filter((p) => p.stage === stage);
    const failures: ObjectFailure[] = [];
    // Kinds within a stage are independent of each other except ConfigMap before Deployment (a pod
    // mounting a missing ConfigMap waits); apply them kind by kind in plan order.
    for (const group of groupByKind(planned)) {
      await mapLimit(group, concurrency, async (p) => {
        const desired: KubeObject = p.owner ? bindOwnerUids(p, (owner) => uids.get(objectKey(owner))) : p.object;
        const { need, current, verifiedBefore } = await decideObject(rest, p, desired, live, options.verified);
        if (!need.apply) {
          objects.set(p.key, current!);
          if (!verifiedBefore) options.verified?.set(p.key, `${current!.metadata.resourceVersion}/${p.contentHash}`);
          changes.push({ action: 'unchanged', key: p.key, ref: p.ref, stage });
          return;
        }
        try {
          if (autoscaled.has(p.key)) await handOverReplicas(rest, desired, current, fieldManager);
          const result = await rest.apply(desired, { fieldManager });
          objects.set(p.key, result);
          options.verified?.set(p.key, `${result.metadata.resourceVersion}/${p.contentHash}`);
          if (result.metadata.uid) uids.set(p.key, result.metadata.uid);
          changes.push({ action: need.action, key: p.key, ref: p.ref, stage, ...(need.detail ? { detail: need.detail } : {}) });
        } catch (error) {
          if (!(error instanceof KubeApiError)) throw error; // the API server is unreachable: the whole reconcile retries
          failures.push({
            key: p.key,
            display: displayName(p.ref),
            code: error.code,
            message: error.message.replace(/^PATCH \S+: /, ''),
            terminal: isTerminalApiError(error),
          });
        }
      });
    }
    if (failures.length > 0)
      throw new ApplyFailed(
        failures.sort((a, b) => (a.key < b.key ? -1 : 1)),
        sortChanges(changes, plan),
      );
    if (stage === 1)
      await waitForCrds(
        rest,
        planned.filter((p) => p.ref.kind === 'CustomResourceDefinition'),
        objects,
        options.crdTimeoutMs ?? 30_000,
      );
  }
  return { changes: sortChanges(changes, plan), objects };
}

function groupByKind(planned: PlannedObject[]): PlannedObject[][] {
  const groups: PlannedObject[][] = [];
  for (const p of planned) {
    const last = groups.at(-1);
    if (last && last[0]!.ref.kind === p.ref.kind) last.push(p);
    else groups.push([p]);
  }
  return groups;
}

function sortChanges(changes: Change[], plan: Plan): Change[] {
  const order = new Map(plan.objects.map((p, i) => [p.key, i]));
  return [...changes].sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
}

function established(crd: LiveObject | undefined): boolean {
  const conditions = (crd?.status?.conditions ?? []) as { type: string; status: string }[];
  return conditions.some((c) => c.type === 'Established' && c.status === 'True');
}

/** Custom resources of a CRD are refused until it is Established (usually within a second). */
async function waitForCrds(rest: KubeRest, crds: PlannedObject[], objects: Map<string, LiveObject>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const p of crds) {
    let current = objects.get(p.key);
    while (!established(current)) {
      if (Date.now() > deadline) throw new Error(`CustomResourceDefinition ${p.ref.name} was not Established within ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 100));
      current = await rest.get(p.ref);
    }
    objects.set(p.key, current!);
  }
}
