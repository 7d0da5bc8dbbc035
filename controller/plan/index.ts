/**
 * The plan stage: a validated, checked and generated estate → every Kubernetes object the controller
 * applies for it, in order. Pure; the reconcile loop (controller/reconcile, controller/apply) and
 * `interlace plan` call the same function.
 */
export { planEstate } from './plan-estate.ts';
export { bindOwnerUids, hasUnboundOwner, OWNER_UID_PLACEHOLDER } from './owners.ts';
export { diffObjects } from './diff.ts';
export type { FieldDifference } from './diff.ts';
export { planJson, planYaml } from './render.ts';
export { objectKey, refOf } from './object-key.ts';
export { kubeName, specObjectName } from './names.ts';
export * from './labels.ts';
export { CONFIGMAP_MAX_BYTES, DEFAULT_RESOURCES, DEFAULT_WORKER_PORT, BUNDLE_MOUNT } from './workload.ts';
export type { SecretEnv } from './unit-secrets.ts';
export type {
  ContainerResources,
  KubeObject,
  ObjectRef,
  OwnerReference,
  Plan,
  PlanInput,
  PlanOptions,
  PlannedObject,
  PlannedUnit,
  Stage,
} from './types.ts';
export { CONDITION_TYPES, HEALTH_VALUES } from '../../generators/crds/status-schema.ts';
export type { Health } from '../../generators/crds/status-schema.ts';
export { CRD_GROUP, CRD_VERSION, RESOURCE_NAMES, crdName } from '../../generators/crds/names.ts';
