/**
 * Health of one unit's Deployment, from the Deployment's status and its pods — never Healthy while a
 * pod crash-loops, cannot pull its image, or the rollout has stalled. Pure: the caller reads the objects.
 */
import type { Health } from '../plan/index.ts';

/** The parts of a Deployment and of a Pod this function reads (plain JSON from the API server). */
export interface DeploymentLike {
  metadata: { name: string; generation?: number };
  spec?: { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface ContainerStatusLike {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number }; running?: unknown };
}

export interface PodLike {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  status?: { phase?: string; containerStatuses?: ContainerStatusLike[]; initContainerStatuses?: ContainerStatusLike[] };
}

export interface WorkloadSummary {
  deployment: string;
  bundleHash?: string;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  restarts: number;
}

export interface WorkloadHealth {
  health: Extract<Health, 'Healthy' | 'Progressing' | 'Degraded'>;
  /** CamelCase, for conditions and Events: RolloutComplete, RolloutInProgress, CrashLoopBackOff, ImagePullBackOff, ProgressDeadlineExceeded, ReplicasUnavailable. */
  reason: string;
  message: string;
  workload: WorkloadSummary;
}

/** Waiting reasons after which a container will not start by itself. */
const BROKEN_WAITING = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export function deploymentHealth(deployment: DeploymentLike, pods: readonly PodLike[]): WorkloadHealth {
  const status = deployment.status ?? {};
  const desired = deployment.spec?.replicas ?? 1;
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const restarts = live.reduce((sum, p) => sum + (p.status?.containerStatuses ?? []).reduce((s, c) => s + (c.restartCount ?? 0), 0), 0);
  const workload: WorkloadSummary = {
    deployment: deployment.metadata.name,
    ...(deployment.spec?.template?.metadata?.annotations?.['interlace.dev/bundle-hash']
      ? { bundleHash: deployment.spec.template.metadata.annotations['interlace.dev/bundle-hash'] }
      : {}),
    replicas: status.replicas ?? 0,
    readyReplicas: status.readyReplicas ?? 0,
    updatedReplicas: status.updatedReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
    restarts,
  };
  const result = (health: WorkloadHealth['health'], reason: string, message: string): WorkloadHealth => ({
    health,
    reason,
    message,
    workload,
  });

  // Broken pods first: a crash loop is worse news than a rollout that is still going.
  for (const pod of live) {
    for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const waiting = c.state?.waiting?.reason;
      if (waiting && BROKEN_WAITING.has(waiting)) {
        return result(
          'Degraded',
          waiting,
          `container ${c.name} of pod ${pod.metadata.name} is in ${waiting}${c.restartCount ? ` (restarted ${c.restartCount} times)` : ''}${c.state?.waiting?.message ? `: ${c.state.waiting.message}` : ''}`,
        );
      }
    }
    if (pod.status?.phase === 'Failed') {
      const c = pod.status.containerStatuses?.find((s) => s.state?.terminated);
      return result(
        'Degraded',
        'PodFailed',
        `pod ${pod.metadata.name} failed${c ? `: container ${c.name} exited ${c.state?.terminated?.exitCode ?? '?'} (${c.state?.terminated?.reason ?? 'Error'})` : ''}`,
      );
    }
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return result(
      'Degraded',
      'ProgressDeadlineExceeded',
      `rollout of ${deployment.metadata.name} stalled: ${progressing.message ?? 'progress deadline exceeded'}`,
    );
  }
  const replicaFailure = status.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (replicaFailure)
    return result('Degraded', replicaFailure.reason ?? 'ReplicaFailure', replicaFailure.message ?? 'pods cannot be created');

  if ((status.observedGeneration ?? 0) < (deployment.metadata.generation ?? 0))
    return result('Progressing', 'RolloutInProgress', 'waiting for the Deployment controller to see the new spec');
  const updated = status.updatedReplicas ?? 0;
  if (updated < desired) return result('Progressing', 'RolloutInProgress', `${updated} of ${desired} replicas updated`);
  if ((status.replicas ?? 0) > updated)
    return result('Progressing', 'RolloutInProgress', `${(status.replicas ?? 0) - updated} old replicas pending termination`);
  const available = status.availableReplicas ?? 0;
  if (available < updated) return result('Progressing', 'ReplicasUnavailable', `${available} of ${updated} updated replicas available`);
  return result('Healthy', 'RolloutComplete', `${available} of ${desired} replicas available`);
}

const RANK: Record<Health, number> = { None: 0, Healthy: 1, Suspended: 2, Unknown: 3, Progressing: 4, Degraded: 5 };

/** The worst of several healths (Degraded > Progressing > Unknown > Suspended > Healthy > None). */
export function worstHealth(healths: Iterable<Health>): Health {
  let worst: Health = 'None';
  for (const h of healths) if (RANK[h] > RANK[worst]) worst = h;
  return worst;
}
