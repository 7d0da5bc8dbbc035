import type { ObjectRef } from './types.ts';

/** `apps/v1/Deployment/<namespace>/<name>` (`v1/Namespace//shop` for cluster-scoped objects). */
export function objectKey(ref: ObjectRef): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

export function refOf(object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    name: object.metadata.name,
  };
}

/** Order objects of one stage are applied in: namespaces and CRDs, spec kinds (contracts first), then config before workloads. */
export const KIND_ORDER = [
  'CustomResourceDefinition',
  'Namespace',
  'DataContract',
  'System',
  'Mapping',
  'Policy',
  'EventRoute',
  'Api',
  'Workflow',
  'ConfigMap',
  'Deployment',
  'Service',
  'HorizontalPodAutoscaler',
  'PodMonitor',
  'PrometheusRule',
];
