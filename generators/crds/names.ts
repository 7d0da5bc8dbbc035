import type { KindName } from '../../language/kinds/registry.ts';

/** The API group of every Interlace custom resource. */
export const CRD_GROUP = 'interlace.dev';
/** The one served and stored version. */
export const CRD_VERSION = 'v1alpha1';
/** `kubectl get interlace -A` lists every Interlace object. */
export const CRD_CATEGORY = 'interlace';

export type ResourceKind = KindName | 'Estate';

export interface ResourceNames {
  plural: string;
  singular: string;
  /**
   * Chosen so they clash with no built-in resource and no widely installed CRD: `dc` is OpenShift's
   * DeploymentConfig, `route` OpenShift's Route, `pol`/`cpol` Kyverno's policies, `ev`/`ep` built-ins.
   */
  shortNames: string[];
}

export const RESOURCE_NAMES: Record<ResourceKind, ResourceNames> = {
  Estate: { plural: 'estates', singular: 'estate', shortNames: ['est'] },
  DataContract: { plural: 'datacontracts', singular: 'datacontract', shortNames: ['contract', 'idc'] },
  System: { plural: 'systems', singular: 'system', shortNames: ['sys'] },
  Mapping: { plural: 'mappings', singular: 'mapping', shortNames: ['imap'] },
  EventRoute: { plural: 'eventroutes', singular: 'eventroute', shortNames: ['er'] },
  Api: { plural: 'apis', singular: 'api', shortNames: ['iapi'] },
  Policy: { plural: 'policies', singular: 'policy', shortNames: ['ipol'] },
  // `wf` is Argo Workflows' short name.
  Workflow: { plural: 'workflows', singular: 'workflow', shortNames: ['iwf'] },
};

/** `datacontracts.interlace.dev`: the CRD's own name. */
export function crdName(kind: ResourceKind): string {
  return `${RESOURCE_NAMES[kind].plural}.${CRD_GROUP}`;
}
