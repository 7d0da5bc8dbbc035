// The generated rules and dashboard query only metrics the worker exports, with labels it sets: every
// `name{labels}` selector in them is checked against RuntimeMetrics' registry (runtime/observe/metrics.ts),
// and each latency threshold the example estate's SLOs use is a bucket the histogram has.
import { describe, expect, it } from 'vitest';
import { MONITORING_FILES, monitoringFiles } from '../../generators/monitoring/monitoring-files.ts';
import { loadSources } from '../../language/load/load-sources.ts';
import { readWorkingTree } from '../../language/source/read-working-tree.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';
import { RuntimeMetrics } from '../../runtime/observe/metrics.ts';

const example = validateEstate(loadSources(readWorkingTree(['specs']).files).documents);
const files = monitoringFiles(example.documents);

/** Label names of each exported metric, with the series names a histogram adds. */
async function exported(): Promise<Map<string, Set<string>>> {
  const metrics = new RuntimeMetrics();
  const out = new Map<string, Set<string>>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    const labels = new Set<string>();
    const names = (metrics.registry.getSingleMetric(metric.name) as unknown as { labelNames: string[] }).labelNames;
    for (const l of names) labels.add(l);
    if (String(metric.type) === 'histogram') {
      out.set(`${metric.name}_bucket`, new Set([...labels, 'le']));
      out.set(`${metric.name}_count`, labels);
      out.set(`${metric.name}_sum`, labels);
    } else out.set(metric.name, labels);
  }
  return out;
}

function selectors(text: string): { metric: string; labels: string[] }[] {
  const found: { metric: string; labels: string[] }[] = [];
  for (const match of text.matchAll(/(interlace_[a-z_]+)\{([^}]*)\}/g)) {
    const labels = [...match[2]!.matchAll(/([a-z_]+)\s*(?:=~|!=|=)/g)].map((m) => m[1]!);
    found.push({ metric: match[1]!, labels });
  }
  return found;
}

describe('generated monitoring uses the metrics the worker exports', () => {
  it('every selector in the rules and the dashboard names an exported metric and its labels', async () => {
    const known = await exported();
    const all = [
      ...selectors(files.get(MONITORING_FILES.rules)!),
      ...selectors(files.get(MONITORING_FILES.dashboard)!.replaceAll('\\"', '"')),
    ];
    expect(all.length).toBeGreaterThan(20);
    for (const { metric, labels } of all) {
      expect(known.has(metric), metric).toBe(true);
      // `namespace` is added by the scrape (Prometheus Operator), not by the worker.
      for (const label of labels.filter((l) => l !== 'namespace')) expect([...known.get(metric)!], `${metric} ${label}`).toContain(label);
    }
  });

  it('the example estate declares SLOs that become rules for order-fulfilment and order-status@1', () => {
    const rules = files.get(MONITORING_FILES.rules)!;
    expect(rules).toContain('name: interlace-slo-route-order-fulfilment');
    expect(rules).toContain('interlace_route_event_latency_seconds_bucket{route="order-fulfilment",target=~"wms|tms",le="300"}');
    expect(rules).toContain('name: interlace-slo-api-order-status-v1');
    expect(rules).toContain('le="0.25"');
    const rule = files.get(MONITORING_FILES.prometheusRule)!;
    expect(rule).toContain('apiVersion: monitoring.coreos.com/v1');
    expect(rule).toContain('kind: PrometheusRule');
    const dashboard = JSON.parse(files.get(MONITORING_FILES.dashboard)!) as { panels: { title: string; type: string }[] };
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toContain('Route order-fulfilment');
    expect(rows).toContain('API order-status@1');
  });
});
