/**
 * Handing a Deployment's `spec.replicas` to its HorizontalPodAutoscaler without a drop to one pod.
 *
 * Server-side apply deletes a field its manager applied before and leaves out now, when no other
 * manager owns it; for `replicas` that means the API server defaults it to 1, so a unit going from
 * `scale.replicas: 3` to `autoscale` would fall to one pod until the HPA scales it back (Kubernetes'
 * "migrating Deployments to horizontal autoscaling"). The cure is the one Kubernetes documents for
 * server-side apply: another manager first applies the same value, so the field is shared and
 * survives when ours lets go. The HPA's own scale updates then take it over from that manager.
 */
import type { KubeObject } from '../plan/index.ts';
import type { KubeRest, LiveObject } from './kube-rest.ts';

/** The field manager that holds `spec.replicas` between the controller letting go and the HPA's first change. */
const REPLICAS_HANDOVER_MANAGER = 'interlace-replicas-handover';

/** Whether `fieldManager`'s applied field set on this object includes `spec.replicas`. */
function appliesReplicas(live: LiveObject, fieldManager: string): boolean {
  return (live.metadata.managedFields ?? []).some((entry) => {
    if (entry.manager !== fieldManager || entry.operation !== 'Apply' || entry.subresource) return false;
    const spec = (entry.fieldsV1 as Record<string, Record<string, unknown> | undefined> | undefined)?.['f:spec'];
    return spec !== undefined && 'f:replicas' in spec;
  });
}

/**
 * Before a Deployment is applied without `spec.replicas` (its unit is autoscaled): when our manager
 * still owns the field, a second manager applies the live value, so the field stays as it is.
 * Returns whether it did.
 */
export async function handOverReplicas(
  rest: KubeRest,
  desired: KubeObject,
  live: LiveObject | undefined,
  fieldManager: string,
): Promise<boolean> {
  if (!live || desired.kind !== 'Deployment' || (desired.spec as { replicas?: unknown } | undefined)?.replicas !== undefined) return false;
  if (!appliesReplicas(live, fieldManager)) return false;
  const replicas = (live.spec as { replicas?: number } | undefined)?.replicas;
  if (replicas === undefined) return false;
  await rest.apply(
    {
      apiVersion: desired.apiVersion,
      kind: desired.kind,
      metadata: { name: desired.metadata.name, namespace: desired.metadata.namespace },
      spec: { replicas },
    },
    { fieldManager: REPLICAS_HANDOVER_MANAGER },
  );
  return true;
}
