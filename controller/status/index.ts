/**
 * Status of spec objects and Estates (pure): kstatus conditions whose transition times move only on
 * transitions, workload health from Deployments and pods, credentials redacted from every message.
 * The writes happen in controller/apply (status-writer.ts, event-recorder.ts).
 */
export { mergeConditions, findCondition } from './conditions.ts';
export type { Condition } from './conditions.ts';
export { deploymentHealth, worstHealth } from './workload-health.ts';
export type { DeploymentLike, PodLike, WorkloadHealth } from './workload-health.ts';
export { specStatus } from './spec-status.ts';
export type { SpecStatus } from './spec-status.ts';
export { estateStatus } from './estate-status.ts';
export type { EstateCounts, EstateOutcome, EstateStatus } from './estate-status.ts';
