import type { SpecDocument } from '../../language/validate/estate-index.ts';

type Panel = Record<string, unknown>;

// Grafana's own variable syntax, not a JavaScript template: the dashboard asks for the data source.
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/**
 * A Grafana dashboard (JSON model, schemaVersion 39) for the estate: one row per route with its golden
 * signals — traffic (messages by outcome), latency from the source event (p50, p99), errors (dead
 * letters and parked), saturation (dead-letter backlog) — and one row per API (requests by status,
 * p99 latency, server-error ratio). Queries use only the worker's metrics (runtime/observe/metrics.ts).
 */
export function estateDashboard(documents: readonly SpecDocument[]): Record<string, unknown> {
  const panels: Panel[] = [];
  let y = 0;
  let id = 1;
  const row = (title: string, children: { title: string; unit: string; targets: [string, string][] }[]) => {
    panels.push({ id: id++, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    const width = Math.floor(24 / children.length);
    children.forEach((child, i) => {
      panels.push({
        id: id++,
        type: 'timeseries',
        title: child.title,
        datasource: DATASOURCE,
        gridPos: { h: 8, w: width, x: i * width, y },
        fieldConfig: { defaults: { unit: child.unit }, overrides: [] },
        targets: child.targets.map(([expr, legend], n) => ({
          refId: String.fromCharCode(65 + n),
          datasource: DATASOURCE,
          expr,
          legendFormat: legend,
        })),
      });
    });
    y += 8;
  };
  for (const doc of documents) {
    if (doc.kind !== 'EventRoute') continue;
    const r = `route="${doc.name}",namespace=~"$namespace"`;
    row(`Route ${doc.name}`, [
      {
        title: 'Traffic by outcome',
        unit: 'ops',
        targets: [[`sum by (target, outcome) (rate(interlace_route_messages_total{${r}}[$__rate_interval]))`, '{{target}} {{outcome}}']],
      },
      {
        title: 'Latency from the source event',
        unit: 's',
        targets: [
          [
            `histogram_quantile(0.5, sum by (target, le) (rate(interlace_route_event_latency_seconds_bucket{${r}}[$__rate_interval])))`,
            '{{target}} p50',
          ],
          [
            `histogram_quantile(0.99, sum by (target, le) (rate(interlace_route_event_latency_seconds_bucket{${r}}[$__rate_interval])))`,
            '{{target}} p99',
          ],
        ],
      },
      {
        title: 'Errors: dead-lettered and parked',
        unit: 'ops',
        targets: [
          [
            `sum by (target, outcome) (rate(interlace_route_messages_total{${r},outcome=~"dead_lettered|parked"}[$__rate_interval]))`,
            '{{target}} {{outcome}}',
          ],
        ],
      },
      {
        title: 'Saturation: dead-letter backlog',
        unit: 'short',
        targets: [[`sum by (target) (interlace_dead_letter_depth{${r}})`, '{{target}}']],
      },
    ]);
  }
  for (const doc of documents) {
    if (doc.kind !== 'Api') continue;
    const name = `${doc.name}@${doc.spec.version.split('.')[0]}`;
    const a = `api="${name}",namespace=~"$namespace"`;
    row(`API ${name}`, [
      {
        title: 'Traffic by status',
        unit: 'reqps',
        targets: [[`sum by (operation, status) (rate(interlace_api_requests_total{${a}}[$__rate_interval]))`, '{{operation}} {{status}}']],
      },
      {
        title: 'Latency p99',
        unit: 's',
        targets: [
          [
            `histogram_quantile(0.99, sum by (operation, le) (rate(interlace_api_request_duration_seconds_bucket{${a}}[$__rate_interval])))`,
            '{{operation}} p99',
          ],
        ],
      },
      {
        title: 'Errors: share of 5xx',
        unit: 'percentunit',
        targets: [
          [
            `sum by (operation) (rate(interlace_api_requests_total{${a},status=~"5.."}[$__rate_interval])) / sum by (operation) (rate(interlace_api_requests_total{${a}}[$__rate_interval]))`,
            '{{operation}}',
          ],
        ],
      },
    ]);
  }
  return {
    title: 'Interlace estate',
    uid: 'interlace-estate',
    tags: ['interlace'],
    schemaVersion: 39,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' },
        {
          name: 'namespace',
          type: 'query',
          datasource: DATASOURCE,
          query: 'label_values(interlace_route_messages_total, namespace)',
          includeAll: true,
          allValue: '.*',
          current: { text: 'All', value: '$__all' },
          label: 'Namespace',
        },
      ],
    },
    panels,
  };
}
