/**
 * Where each kind the controller touches lives in the REST API. A fixed table, not discovery: the
 * controller only ever writes these kinds, and a table costs no request (discovery would be several
 * per reconcile, and one more thing that can fail while the API server restarts).
 */
import { API_VERSION, KIND_NAMES } from '../../language/kinds/registry.ts';
import { RESOURCE_NAMES } from '../../generators/crds/names.ts';

export interface ResourceInfo {
  /** `apis/apps/v1` or `api/v1`. */
  prefix: string;
  plural: string;
  namespaced: boolean;
}

const TABLE: Record<string, ResourceInfo> = {
  'v1/Namespace': { prefix: 'api/v1', plural: 'namespaces', namespaced: false },
  'v1/Node': { prefix: 'api/v1', plural: 'nodes', namespaced: false },
  'v1/ConfigMap': { prefix: 'api/v1', plural: 'configmaps', namespaced: true },
  'v1/Service': { prefix: 'api/v1', plural: 'services', namespaced: true },
  'v1/Secret': { prefix: 'api/v1', plural: 'secrets', namespaced: true },
  'v1/Pod': { prefix: 'api/v1', plural: 'pods', namespaced: true },
  'v1/ServiceAccount': { prefix: 'api/v1', plural: 'serviceaccounts', namespaced: true },
  'v1/Event': { prefix: 'api/v1', plural: 'events', namespaced: true },
  'apps/v1/Deployment': { prefix: 'apis/apps/v1', plural: 'deployments', namespaced: true },
  'autoscaling/v2/HorizontalPodAutoscaler': { prefix: 'apis/autoscaling/v2', plural: 'horizontalpodautoscalers', namespaced: true },
  'apps/v1/ReplicaSet': { prefix: 'apis/apps/v1', plural: 'replicasets', namespaced: true },
  'events.k8s.io/v1/Event': { prefix: 'apis/events.k8s.io/v1', plural: 'events', namespaced: true },
  'coordination.k8s.io/v1/Lease': { prefix: 'apis/coordination.k8s.io/v1', plural: 'leases', namespaced: true },
  // The Prometheus Operator's kinds, applied only where their CRDs are installed (controller/plan/monitoring.ts).
  'monitoring.coreos.com/v1/PrometheusRule': { prefix: 'apis/monitoring.coreos.com/v1', plural: 'prometheusrules', namespaced: true },
  'monitoring.coreos.com/v1/PodMonitor': { prefix: 'apis/monitoring.coreos.com/v1', plural: 'podmonitors', namespaced: true },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': {
    prefix: 'apis/apiextensions.k8s.io/v1',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
};
for (const kind of [...KIND_NAMES, 'Estate' as const]) {
  TABLE[`${API_VERSION}/${kind}`] = { prefix: `apis/${API_VERSION}`, plural: RESOURCE_NAMES[kind].plural, namespaced: true };
}

export function resourceInfo(apiVersion: string, kind: string): ResourceInfo {
  const info = TABLE[`${apiVersion}/${kind}`];
  if (!info) throw new Error(`the controller does not know where ${apiVersion} ${kind} lives; add it to controller/apply/resources.ts`);
  return info;
}

/** `/apis/apps/v1/namespaces/shop/deployments` (collection) or `…/deployments/name` (one object). */
export function resourcePath(apiVersion: string, kind: string, namespace: string | undefined, name?: string): string {
  const info = resourceInfo(apiVersion, kind);
  if (info.namespaced && !namespace) throw new Error(`${kind} ${name ?? ''} needs a namespace`);
  const ns = info.namespaced ? `/namespaces/${encodeURIComponent(namespace!)}` : '';
  return `/${info.prefix}${ns}/${info.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/**
 * The collection to list: in one namespace, or across all namespaces when `namespace` is undefined
 * (`kubectl get -A`; only reads may omit it, a create or a named object needs {@link resourcePath}).
 */
export function listPath(apiVersion: string, kind: string, namespace: string | undefined): string {
  const info = resourceInfo(apiVersion, kind);
  return namespace === undefined && info.namespaced ? `/${info.prefix}/${info.plural}` : resourcePath(apiVersion, kind, namespace);
}
