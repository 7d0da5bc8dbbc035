/**
 * The Prometheus Operator's objects for an estate (monitoring.coreos.com/v1): the generated
 * `PrometheusRule` (the SLO recording and burn-rate alert rules of `interlace generate`) and a
 * `PodMonitor` that scrapes every worker's `/metrics`. A PodMonitor, not a ServiceMonitor: every
 * worker pod serves /metrics on its `http` port, but only units that take HTTP (an Api, a webhook
 * receiver) have a Service. Pure; whether the cluster has these kinds is found out at apply time
 * (controller/apply/monitoring-kinds.ts), and a plan's monitoring objects are dropped when it has not.
 */
import { parse } from 'yaml';
import { MONITORING_FILES } from '../../generators/monitoring/monitoring-files.ts';
import { LABEL_ESTATE, LABEL_UNIT } from './labels.ts';
import type { KubeObject, ObjectRef, Plan, PlannedObject } from './types.ts';

export const MONITORING_API_VERSION = 'monitoring.coreos.com/v1';

/** The kinds the controller applies when their CRDs exist, and those CRDs' names. */
export const MONITORING_KINDS = {
  PrometheusRule: 'prometheusrules.monitoring.coreos.com',
  PodMonitor: 'podmonitors.monitoring.coreos.com',
} as const;
export type MonitoringKind = keyof typeof MONITORING_KINDS;

/** Name of the PodMonitor of an estate's workers. */
export const POD_MONITOR_NAME = 'interlace-workers';

export function isMonitoringObject(p: Pick<PlannedObject, 'ref'>): boolean {
  return p.ref.apiVersion === MONITORING_API_VERSION && p.ref.kind in MONITORING_KINDS;
}

/**
 * The estate's monitoring objects in its target namespace: the PrometheusRule when the specs declare
 * any SLO (the generated file has rule groups), the PodMonitor when anything runs. `labels` are the
 * Estate's own (what pruning and live state select by).
 */
export function monitoringObjects(input: {
  generated: ReadonlyMap<string, string>;
  namespace: string;
  estate: string;
  labels: Record<string, string>;
  hasWorkers: boolean;
}): KubeObject[] {
  const out: KubeObject[] = [];
  const ruleFile = input.generated.get(MONITORING_FILES.prometheusRule);
  if (ruleFile !== undefined) {
    const generated = parse(ruleFile) as KubeObject & { spec?: { groups?: unknown[] } };
    if ((generated.spec?.groups ?? []).length > 0) {
      out.push({
        ...generated,
        metadata: {
          ...generated.metadata,
          namespace: input.namespace,
          labels: { ...generated.metadata.labels, ...input.labels },
        },
      });
    }
  }
  if (input.hasWorkers) {
    out.push({
      apiVersion: MONITORING_API_VERSION,
      kind: 'PodMonitor',
      metadata: { name: POD_MONITOR_NAME, namespace: input.namespace, labels: { ...input.labels } },
      spec: {
        // Every pod of the Estate that runs a unit (the Deployments' selector labels), in this namespace.
        selector: {
          matchLabels: { [LABEL_ESTATE]: input.estate },
          matchExpressions: [{ key: LABEL_UNIT, operator: 'Exists' }],
        },
        // The unit as a target label (`interlace_dev_unit`): which Deployment a series comes from.
        podTargetLabels: [LABEL_UNIT],
        podMetricsEndpoints: [{ port: 'http', path: '/metrics' }],
      },
    });
  }
  return out;
}

/**
 * The plan as the cluster can take it: with its monitoring objects when the cluster serves both
 * kinds, else without any (a rule nobody scrapes for, or a scrape without its rules, is half a
 * setup). `missing` names the CRDs that are not installed, for the Estate's MonitoringReady condition.
 */
export function withMonitoringKinds(plan: Plan, served: ReadonlySet<string>): { plan: Plan; missing: string[] } {
  const missing = Object.entries(MONITORING_KINDS)
    .filter(([kind]) => !served.has(kind))
    .map(([, crd]) => crd);
  if (missing.length === 0) return { plan, missing };
  return { plan: { ...plan, objects: plan.objects.filter((p) => !isMonitoringObject(p)) }, missing };
}

/** What became of a plan's monitoring objects: applied, or left out because CRDs are missing. */
export type MonitoringOutcome = { applied: ObjectRef[] } | { missing: string[]; skipped: ObjectRef[] };
