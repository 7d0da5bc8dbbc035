/**
 * The status of Interlace objects, shaped for kstatus (https://github.com/kubernetes-sigs/cli-utils/tree/master/pkg/kstatus):
 * `conditions` with Ready / Reconciling / Stalled, `observedGeneration`, plus what people read in
 * `kubectl get`: the health of the workload, the revision applied and a one-line message.
 */
import type { Schema } from './structural-schema.ts';

/** Condition types the controller writes; documented in docs/kubernetes.md. */
export const CONDITION_TYPES = {
  /** Applied and healthy: Synced and Healthy are True and nothing is Stalled. */
  Ready: 'Ready',
  /** The controller is working towards the desired state (kstatus "abnormal-true"). */
  Reconciling: 'Reconciling',
  /** Progress stopped and needs a person: a rejected revision, an apply the API server refuses (kstatus "abnormal-true"). */
  Stalled: 'Stalled',
  /** This generation (and the runtime objects behind it) has been applied. */
  Synced: 'Synced',
  /** The workload behind the object runs well; False while pods crash-loop or replicas are unavailable. */
  Healthy: 'Healthy',
  /**
   * Estate only: the Prometheus Operator's objects (PrometheusRule, PodMonitor) are applied; False with
   * reason CRDsNotInstalled when the cluster has not their CRDs. Not part of Ready: monitoring is optional.
   */
  MonitoringReady: 'MonitoringReady',
} as const;

/** Values of `status.health` (the HEALTH column). `None`: nothing runs for this object (a contract, a mapping). */
export const HEALTH_VALUES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Unknown', 'None'] as const;
export type Health = (typeof HEALTH_VALUES)[number];

/** metav1.Condition, as controller-gen emits it. */
export function conditionsSchema(): Schema {
  return {
    type: 'array',
    description: 'kstatus conditions: Ready, Reconciling, Stalled, Synced and Healthy.',
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
    items: {
      type: 'object',
      required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
      properties: {
        type: {
          type: 'string',
          maxLength: 316,
          pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
          description: 'Ready, Reconciling, Stalled, Synced or Healthy.',
        },
        status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
        observedGeneration: {
          type: 'integer',
          format: 'int64',
          minimum: 0,
          description: 'The .metadata.generation the condition was set for.',
        },
        lastTransitionTime: { type: 'string', format: 'date-time', description: 'When the status last changed.' },
        reason: {
          type: 'string',
          minLength: 1,
          maxLength: 1024,
          pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
          description: 'A machine-readable CamelCase reason, e.g. RevisionRejected, CrashLoopBackOff.',
        },
        message: { type: 'string', maxLength: 32768, description: 'What happened, for a person.' },
      },
    },
  };
}

function revision(description: string): Schema {
  return { type: 'string', maxLength: 512, description };
}

/** `status` of a spec kind's custom resource. */
export function specStatusSchema(): Schema {
  return {
    type: 'object',
    description: 'Written by the controller.',
    properties: {
      conditions: conditionsSchema(),
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'The .metadata.generation the status describes.' },
      lastAppliedRevision: revision('The source revision (`branch@sha1:<commit>`) this object was last applied from.'),
      health: {
        type: 'string',
        enum: [...HEALTH_VALUES],
        description:
          'Health of the workload behind the object: Healthy, Progressing, Degraded, Suspended, Unknown, or None when nothing runs for it.',
      },
      message: { type: 'string', maxLength: 32768, description: 'One line for a person: what is wrong or what is happening.' },
      workload: {
        type: 'object',
        description: 'The Deployment that runs this object (EventRoute, Api), as last observed.',
        properties: {
          deployment: { type: 'string', description: 'Name of the Deployment.' },
          bundleHash: { type: 'string', description: 'SHA-256 of the bundle it runs.' },
          replicas: { type: 'integer', format: 'int32', minimum: 0 },
          readyReplicas: { type: 'integer', format: 'int32', minimum: 0 },
          updatedReplicas: { type: 'integer', format: 'int32', minimum: 0 },
          availableReplicas: { type: 'integer', format: 'int32', minimum: 0 },
          restarts: { type: 'integer', format: 'int32', minimum: 0, description: 'Container restarts summed over its pods.' },
        },
      },
      executions: {
        type: 'object',
        description:
          "A Workflow's executions on Temporal (its unit's task queue), read from Temporal's visibility after each reconcile: the RUNNING and FAILED columns.",
        properties: {
          running: { type: 'integer', format: 'int64', minimum: 0, description: 'Executions open now.' },
          failed: {
            type: 'integer',
            format: 'int64',
            minimum: 0,
            description:
              "Executions Temporal closed as Failed, Terminated or TimedOut, and those that ended `failed` in business terms (search attribute InterlaceStatus = 'failed'); escalated and compensated are not counted.",
          },
        },
      },
    },
  };
}
