/**
 * Which of the Prometheus Operator's kinds the cluster serves, asked at each reconcile (one discovery
 * request, `GET /apis/monitoring.coreos.com/v1`): installing or removing the operator's CRDs needs no
 * controller restart. The group is absent (404) until a CRD of it is Established.
 */
import { MONITORING_API_VERSION, isMonitoringObject, withMonitoringKinds } from '../plan/index.ts';
import type { MonitoringOutcome, Plan } from '../plan/index.ts';
import { isNotFound } from './kube-rest.ts';
import type { KubeRest } from './kube-rest.ts';

export async function servedMonitoringKinds(rest: KubeRest): Promise<Set<string>> {
  try {
    const list = await rest.request<{ resources?: { name: string; kind: string }[] }>('GET', `/apis/${MONITORING_API_VERSION}`);
    // Subresources (`prometheusrules/status`) name their parent's kind too; only the resources count.
    return new Set((list.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => r.kind));
  } catch (error) {
    if (isNotFound(error)) return new Set();
    throw error;
  }
}

/**
 * The plan restricted to what the cluster serves (withMonitoringKinds), asking only when the plan has
 * monitoring objects at all; `monitoring` is undefined when it has none.
 */
export async function restrictToServedMonitoring(rest: KubeRest, plan: Plan): Promise<{ plan: Plan; monitoring?: MonitoringOutcome }> {
  const objects = plan.objects.filter(isMonitoringObject).map((p) => p.ref);
  if (objects.length === 0) return { plan };
  const restricted = withMonitoringKinds(plan, await servedMonitoringKinds(rest));
  return {
    plan: restricted.plan,
    monitoring: restricted.missing.length > 0 ? { missing: restricted.missing, skipped: objects } : { applied: objects },
  };
}
