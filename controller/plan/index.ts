/**
 * The plan stage: a validated, checked and generated estate → every Kubernetes object the controller
 * applies for it, in order. Pure; the reconcile loop (controller/reconcile, controller/apply) and
 * `interlace plan` call the same function.
 */
export { planEstate } from './plan-estate.ts';
export { bindOwnerUids, hasUnboundOwner, OWNER_UID_PLACEHOLDER } from './owners.ts';
export { diffObjects } from './diff.ts';
export { planJson, planYaml } from './render.ts';
export { KIND_ORDER, objectKey } from './object-key.ts';
export {
  MONITORING_API_VERSION,
  MONITORING_KINDS,
  POD_MONITOR_NAME,
  isMonitoringObject,
  withMonitoringKinds,
} from './monitoring.ts';
export type { MonitoringOutcome } from './monitoring.ts';
export { kubeName } from './names.ts';
export * from './labels.ts';
export { CONFIGMAP_MAX_BYTES } from './workload.ts';
export type {
  KubeObject,
  ObjectRef,
  Plan,
  PlanInput,
  PlanOptions,
  PlannedObject,
  Stage,
} from './types.ts';
export { CONDITION_TYPES } from '../../generators/crds/status-schema.ts';
export type { Health } from '../../generators/crds/status-schema.ts';
