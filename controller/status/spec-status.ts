/**
 * The status of one spec object (DataContract, System, Mapping, EventRoute, Api, Policy): Synced
 * (applied at its generation), Healthy (its workload, when one runs for it), Ready (both, and nothing
 * Stalled), plus the HEALTH column, the revision and a one-line message. Pure.
 */
import { ANNOTATION_REVISION, CONDITION_TYPES } from '../plan/index.ts';
import type { Health } from '../plan/index.ts';
import { mergeConditions } from './conditions.ts';
import type { Condition, DesiredCondition } from './conditions.ts';
import { redactCredentialPatterns } from '../../lib/redact.ts';
import type { WorkloadHealth, WorkloadSummary } from './workload-health.ts';

export interface SpecStatus {
  conditions: Condition[];
  observedGeneration?: number;
  lastAppliedRevision?: string;
  health: Health;
  message: string;
  workload?: WorkloadSummary;
  /** A Workflow's executions on Temporal (the RUNNING and FAILED columns). */
  executions?: { running: number; failed: number };
}

export interface SpecStatusInput {
  /** The custom resource as applied (generation, revision annotation). */
  object: { metadata: { generation?: number; annotations?: Record<string, string> } };
  previous?: Partial<SpecStatus>;
  /** The unit's health when a Deployment runs for this object; undefined when nothing runs (health None). */
  workload?: WorkloadHealth;
  /** A Workflow's executions as just counted; undefined keeps the previous counts (Temporal not read this time). */
  executions?: { running: number; failed: number };
  now: string;
}

export function specStatus(input: SpecStatusInput): SpecStatus {
  const generation = input.object.metadata.generation;
  const revision = input.object.metadata.annotations?.[ANNOTATION_REVISION];
  const w = input.workload;
  const health: Health = w ? w.health : 'None';
  const synced: DesiredCondition = {
    type: CONDITION_TYPES.Synced,
    status: 'True',
    reason: 'Applied',
    message: revision ? `Applied revision ${revision}` : 'Applied',
  };
  const healthy: DesiredCondition = !w
    ? { type: CONDITION_TYPES.Healthy, status: 'True', reason: 'NoWorkload', message: 'Nothing runs for this object' }
    : w.health === 'Healthy'
      ? { type: CONDITION_TYPES.Healthy, status: 'True', reason: w.reason, message: w.message }
      : w.health === 'Progressing'
        ? { type: CONDITION_TYPES.Healthy, status: 'Unknown', reason: w.reason, message: w.message }
        : { type: CONDITION_TYPES.Healthy, status: 'False', reason: w.reason, message: w.message };
  const message = !w
    ? 'Applied'
    : w.health === 'Healthy'
      ? `Running: ${w.message}`
      : w.health === 'Progressing'
        ? `Rolling out: ${w.message}`
        : `Degraded: ${w.message}`;
  const ready: DesiredCondition =
    health === 'Degraded'
      ? { type: CONDITION_TYPES.Ready, status: 'False', reason: 'HealthCheckFailed', message: w!.message }
      : health === 'Progressing'
        ? { type: CONDITION_TYPES.Ready, status: 'False', reason: 'Progressing', message: w!.message }
        : { type: CONDITION_TYPES.Ready, status: 'True', reason: 'ReconciliationSucceeded', message };
  const desired: DesiredCondition[] = [ready, synced, healthy];
  if (health === 'Progressing')
    desired.push({ type: CONDITION_TYPES.Reconciling, status: 'True', reason: 'Progressing', message: w!.message });
  for (const c of desired) c.message = redactCredentialPatterns(c.message);
  return {
    conditions: mergeConditions(input.previous?.conditions, desired, generation, input.now),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    ...(revision ? { lastAppliedRevision: revision } : {}),
    health,
    message: redactCredentialPatterns(message),
    ...(w ? { workload: w.workload } : {}),
    ...((input.executions ?? input.previous?.executions) ? { executions: input.executions ?? input.previous!.executions! } : {}),
  };
}
