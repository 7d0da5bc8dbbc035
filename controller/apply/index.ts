/**
 * The apply stage: the only part of the controller that changes the cluster. Server-side apply in
 * stages, no request for what did not change, pruning by inventory and by the Estate's labels.
 */
export { KubeRest, KubeApiError, KubeUnavailableError, isNotFound } from './kube-rest.ts';
export type { LiveObject, ApplyOptions, ListOptions } from './kube-rest.ts';
export { RequestCounter } from './request-counter.ts';
export type { RecordedRequest } from './request-counter.ts';
export { resourceInfo, resourcePath } from './resources.ts';
export { readLiveState, previousFromLive, estateSelector, MANAGED_NAMESPACED_KINDS } from './live-state.ts';
export type { LiveState, EstateId } from './live-state.ts';
export { applyPlan, ApplyFailed, isTerminalApiError } from './apply-plan.ts';
export type { ApplyPlanOptions, ApplyPlanResult, ObjectFailure } from './apply-plan.ts';
export { applyNeed, decideObject } from './drift.ts';
export type { ApplyNeed, ObjectDecision } from './drift.ts';
export { planAgainstCluster } from './plan-against-cluster.ts';
export type { PlanAgainstClusterInput, PlanAgainstClusterResult, PlannedChange } from './plan-against-cluster.ts';
export { pruneObjects, pruneCandidates, pruneSkipReason, ANNOTATION_PRUNE } from './prune.ts';
export type { PruneInput } from './prune.ts';
export { CHANGE_ACTIONS, changedAnything, countChanges, displayName, renderChangeSet, summarizeChanges } from './change-set.ts';
export type { Change, ChangeAction, ChangeCounts } from './change-set.ts';
export { mapLimit } from './concurrency.ts';
export { writeStatusIfChanged, sameJson, STATUS_FIELD_MANAGER } from './status-writer.ts';
export { EventRecorder, REPORTING_CONTROLLER } from './event-recorder.ts';
export type { EventTarget, RecordedEvent } from './event-recorder.ts';
export { restrictToServedMonitoring, servedMonitoringKinds } from './monitoring-kinds.ts';
