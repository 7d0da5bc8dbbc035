// The Prometheus Operator's objects in a plan (controller/plan/monitoring.ts): the generated
// PrometheusRule in the Estate's namespace with its labels, a PodMonitor that selects the Estate's
// worker pods; both left out together when the cluster lacks either CRD; and the Estate's
// MonitoringReady condition that says which (controller/status/estate-status.ts).
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MONITORING_FILES, monitoringFiles } from '../../generators/monitoring/monitoring-files.ts';
import { loadSources } from '../../language/load/load-sources.ts';
import { readWorkingTree } from '../../language/source/read-working-tree.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';
import { monitoringObjects } from '../../controller/plan/monitoring.ts';
import { POD_MONITOR_NAME, withMonitoringKinds } from '../../controller/plan/index.ts';
import type { MonitoringKind } from '../../controller/plan/monitoring.ts';
import type { Plan, PlannedObject } from '../../controller/plan/index.ts';
import { estateStatus } from '../../controller/status/index.ts';
import type { EstateOutcome } from '../../controller/status/index.ts';

const example = validateEstate(loadSources(readWorkingTree(['specs']).files).documents);
const generated = monitoringFiles(example.documents);
const labels = { 'app.kubernetes.io/managed-by': 'interlace', 'interlace.dev/estate': 'shop', 'interlace.dev/estate-namespace': 'ops' };
const objects = (files: ReadonlyMap<string, string>, hasWorkers = true) =>
  monitoringObjects({ generated: files, namespace: 'shop', estate: 'shop', labels, hasWorkers });

describe('monitoring objects in the plan', () => {
  it('are the generated PrometheusRule and a PodMonitor of the Estate’s worker pods, in its target namespace', () => {
    const [rule, podMonitor, ...rest] = objects(generated);
    expect(rest).toEqual([]);
    const file = parse(generated.get(MONITORING_FILES.prometheusRule)!) as { spec: unknown };
    expect(rule).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'interlace-slos', namespace: 'shop', labels: { ...labels, 'app.kubernetes.io/part-of': 'interlace' } },
    });
    expect(rule!.spec).toEqual(file.spec);
    expect(podMonitor).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: POD_MONITOR_NAME, namespace: 'shop', labels },
      spec: {
        selector: {
          matchLabels: { 'interlace.dev/estate': 'shop' },
          matchExpressions: [{ key: 'interlace.dev/unit', operator: 'Exists' }],
        },
        podTargetLabels: ['interlace.dev/unit'],
        podMetricsEndpoints: [{ port: 'http', path: '/metrics' }],
      },
    });
  });

  it('without SLOs there is no PrometheusRule; without workers no PodMonitor', () => {
    const noSlos = monitoringFiles(example.documents.filter((d) => !(d.spec as { slo?: unknown }).slo));
    expect(objects(noSlos).map((o) => o.kind)).toEqual(['PodMonitor']);
    expect(objects(generated, false).map((o) => o.kind)).toEqual(['PrometheusRule']);
    expect(objects(new Map(), false)).toEqual([]);
  });

  it('are left out together when the cluster lacks either CRD, and the missing CRDs are named', () => {
    const planned = (kind: string): PlannedObject =>
      ({
        ref: { apiVersion: kind === 'Deployment' ? 'apps/v1' : 'monitoring.coreos.com/v1', kind, namespace: 'shop', name: kind },
      }) as PlannedObject;
    const plan: Plan = { objects: ['Deployment', 'PrometheusRule', 'PodMonitor'].map(planned), units: [], diagnostics: [] };
    const kinds = (served: MonitoringKind[]) => withMonitoringKinds(plan, new Set(served));
    expect(kinds(['PrometheusRule', 'PodMonitor']).plan).toBe(plan);
    expect(kinds(['PrometheusRule', 'PodMonitor']).missing).toEqual([]);
    expect(kinds(['PrometheusRule']).plan.objects.map((p) => p.ref.kind)).toEqual(['Deployment']);
    expect(kinds(['PrometheusRule']).missing).toEqual(['podmonitors.monitoring.coreos.com']);
    expect(kinds([]).missing).toEqual(['prometheusrules.monitoring.coreos.com', 'podmonitors.monitoring.coreos.com']);
  });
});

describe('the Estate’s MonitoringReady condition', () => {
  const refs = [
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', namespace: 'shop', name: 'interlace-slos' },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', namespace: 'shop', name: POD_MONITOR_NAME },
  ];
  const applied = (monitoring?: NonNullable<Extract<EstateOutcome, { kind: 'applied' }>['monitoring']>): EstateOutcome => ({
    kind: 'applied',
    revision: 'main@sha1:1',
    inventory: [],
    counts: { specs: 1, units: 1, objects: 1, ready: 1, progressing: 0, degraded: 0 },
    health: 'Healthy',
    healthMessage: '',
    ...(monitoring ? { monitoring } : {}),
  });
  const condition = (status: ReturnType<typeof estateStatus>) => status.conditions.find((c) => c.type === 'MonitoringReady');

  it('is False with reason CRDsNotInstalled naming the missing CRDs; Ready stays True', () => {
    const status = estateStatus(applied({ missing: ['podmonitors.monitoring.coreos.com'], skipped: refs }), undefined, 1, 't0');
    expect(status.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(condition(status)).toMatchObject({ status: 'False', reason: 'CRDsNotInstalled', lastTransitionTime: 't0' });
    expect(condition(status)!.message).toBe(
      "The cluster has no podmonitors.monitoring.coreos.com (the Prometheus Operator's CRDs): PrometheusRule shop/interlace-slos, PodMonitor shop/interlace-workers not applied. Install the CRDs; the next reconcile applies them.",
    );
  });

  it('turns True when applied, is kept by a rejected revision, and is absent when the plan has no monitoring', () => {
    const before = estateStatus(applied({ missing: ['x'], skipped: refs }), undefined, 1, 't0');
    const after = estateStatus(applied({ applied: refs }), before, 1, 't1');
    expect(condition(after)).toMatchObject({
      status: 'True',
      reason: 'Applied',
      message: 'Applied PrometheusRule shop/interlace-slos, PodMonitor shop/interlace-workers',
      lastTransitionTime: 't1',
    });
    const rejected = estateStatus({ kind: 'rejected', revision: 'main@sha1:2', stage: 'validate', diagnostics: [] }, after, 2, 't2');
    expect(condition(rejected)).toMatchObject({ status: 'True', reason: 'Applied', lastTransitionTime: 't1' });
    expect(condition(estateStatus(applied(), after, 1, 't3'))).toBeUndefined();
  });
});
