/**
 * A unit's `spec.scale.autoscale` as an `autoscaling/v2` HorizontalPodAutoscaler on its worker
 * Deployment. While one exists the HPA owns the Deployment's replicas: the planned Deployment leaves
 * `spec.replicas` out (see workload.ts) and apply hands the field over instead of resetting it
 * (controller/apply/replicas-handover.ts).
 */
import type { Scale } from '../../language/kinds/generated/kinds.ts';
import type { KubeObject } from './types.ts';

/** The HPA's target when `autoscale.cpu` is not given: average CPU use in percent of the request. */
const DEFAULT_CPU_TARGET = 80;

/** The HorizontalPodAutoscaler of a unit whose scale is `autoscale`, else undefined. */
export function horizontalPodAutoscaler(unit: { name: string; namespace: string }, scale: Scale | undefined): KubeObject | undefined {
  const auto = scale?.autoscale;
  if (!auto) return undefined;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: unit.name, namespace: unit.namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: unit.name },
      minReplicas: auto.min ?? 1,
      maxReplicas: auto.max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: auto.cpu ?? DEFAULT_CPU_TARGET } },
        },
      ],
    },
  };
}
