// The generated SLO rules on the real rule engine: `promtool check rules` (syntax, PromQL) and
// `promtool test rules` (time series in, alerts out) — promtool from Debian's `prometheus` package
// (decision 0011). Skips without promtool, except under INTERLACE_REQUIRE_ALL_TIERS=1 (.ci/run).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MONITORING_FILES, monitoringFiles } from '../../generators/monitoring/monitoring-files.ts';
import { readWorkingTree } from '../../language/source/read-working-tree.ts';
import { loadSources } from '../../language/load/load-sources.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';
import { estateOf } from '../helpers/estate.ts';
import { HEADER, ORDER_SCHEMA_OPEN, contract, system } from '../helpers/specs.ts';
import { promtoolOrSkipReason } from '../helpers/promtool.ts';

const found = promtoolOrSkipReason();
const skip = 'skip' in found ? found.skip : false;
if (skip) console.warn(`[promtool] skipped: ${skip}`);
const dir = mkdtempSync(join(tmpdir(), 'interlace-slo-promtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function promtool(...args: string[]): { status: number | null; out: string } {
  const run = spawnSync((found as { promtool: string }).promtool, args, { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

const ROUTE = `${HEADER}
kind: EventRoute
metadata:
  name: order-fulfilment
spec:
  owner: team-logistics
  description: >-
    Sends confirmed orders to the warehouse. The rest of this text is not in the alert.
  source: { system: portal, event: Order.Confirmed, contract: order@1 }
  slo:
    latency: { threshold: 5m, objective: 99% }
    deadLetters: { objective: 99.9% }
    runbook: https://runbooks.example.com/order-fulfilment
  targets:
    - name: wms
      system: wms
      operation: POST /orders
`;

function writeRules(): string {
  const estate = estateOf({
    'order.yaml': contract('order', '1.0.0', ORDER_SCHEMA_OPEN),
    'portal.yaml': system('portal'),
    'wms.yaml': system('wms'),
    'route.yaml': ROUTE,
  });
  writeFileSync(join(dir, 'rules.yaml'), monitoringFiles(estate.documents).get(MONITORING_FILES.rules)!);
  return 'rules.yaml';
}

/** What the generated alert says; written out here, not taken from the generator. */
function routeAlert(slo: 'latency' | 'dead-letters', severity: string, window: string, burn: string, lasts: string) {
  const promise =
    slo === 'latency' ? '99% of events delivered within 5m of the source event' : '99.9% of events delivered rather than dead-lettered';
  return {
    exp_labels: { route: 'order-fulfilment', slo, interlace_kind: 'route', severity, owner: 'team-logistics', long_window: window },
    exp_annotations: {
      summary: `Route order-fulfilment (portal → wms) is burning its ${slo} error budget ${burn}× too fast (last ${window})`,
      description: `Events from portal are not reaching wms as promised: ${promise}. At this rate the 720h budget lasts ${lasts}. Sends confirmed orders to the warehouse.`,
      route: 'order-fulfilment',
      objective: slo === 'latency' ? '99%' : '99.9%',
      owner: 'team-logistics',
      runbook_url: 'https://runbooks.example.com/order-fulfilment',
      source_system: 'portal',
      target_systems: 'wms',
    },
  };
}

const series = (name: string, labels: string, values: string) => ({
  series: `${name}{route="order-fulfilment",target="wms"${labels}}`,
  values,
});

describe.skipIf(skip)('generated SLO rules on promtool', () => {
  it('promtool check rules accepts the rules of a route SLO and of the example estate', () => {
    const rules = writeRules();
    const checked = promtool('check', 'rules', rules);
    expect(checked.out).toContain('SUCCESS: 22 rules found');
    expect(checked.status).toBe(0);

    const files = readWorkingTree(['specs']);
    const example = validateEstate(loadSources(files.files).documents);
    writeFileSync(join(dir, 'example.yaml'), monitoringFiles(example.documents).get(MONITORING_FILES.rules)!);
    const exampleChecked = promtool('check', 'rules', 'example.yaml');
    expect(exampleChecked.status, exampleChecked.out).toBe(0);
    expect(exampleChecked.out).toMatch(/SUCCESS: [1-9][0-9]* rules found/);
  });

  it('promtool test rules: slow deliveries page, a dead-letter rate between two burn rates fires only the slower tier, a healthy route is silent', () => {
    const rules = writeRules();
    const latency = 'InterlaceRouteLatencyBudgetBurn';
    const deadLetters = 'InterlaceRouteDeadLettersBudgetBurn';
    const tests = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          // 20% of deliveries slower than 5m (budget 1%): every tier burns (20× > 14.4×, 6×, 3×, 1×).
          // 1% dead-lettered (budget 0.1%, burn 10×): above the 6h tier's 6×, below the 1h tier's 14.4×.
          interval: '1m',
          input_series: [
            series('interlace_route_event_latency_seconds_count', '', '0+100x120'),
            series('interlace_route_event_latency_seconds_bucket', ',le="300"', '0+80x120'),
            series('interlace_route_messages_total', ',outcome="delivered"', '0+99x120'),
            series('interlace_route_messages_total', ',outcome="dead_lettered"', '0+1x120'),
          ],
          alert_rule_test: [
            {
              eval_time: '70m',
              alertname: latency,
              exp_alerts: [
                routeAlert('latency', 'page', '1h', '14.4', '2 days'),
                routeAlert('latency', 'page', '6h', '6', '5 days'),
                routeAlert('latency', 'ticket', '1d', '3', '10 days'),
                routeAlert('latency', 'ticket', '3d', '1', '30 days'),
              ],
            },
            {
              eval_time: '70m',
              alertname: deadLetters,
              exp_alerts: [
                routeAlert('dead-letters', 'page', '6h', '6', '5 days'),
                routeAlert('dead-letters', 'ticket', '1d', '3', '10 days'),
                routeAlert('dead-letters', 'ticket', '3d', '1', '30 days'),
              ],
            },
          ],
        },
        {
          // 0.5% slow and 0.05% dead-lettered: within both budgets, nothing fires.
          interval: '1m',
          input_series: [
            series('interlace_route_event_latency_seconds_count', '', '0+200x120'),
            series('interlace_route_event_latency_seconds_bucket', ',le="300"', '0+199x120'),
            series('interlace_route_messages_total', ',outcome="delivered"', '0+1999x120'),
            series('interlace_route_messages_total', ',outcome="dead_lettered"', '0+1x120'),
          ],
          alert_rule_test: [
            { eval_time: '70m', alertname: latency, exp_alerts: [] },
            { eval_time: '70m', alertname: deadLetters, exp_alerts: [] },
          ],
        },
        {
          // Half the deliveries slow for an hour, then none: the 5m window recovers at once, so the 1h
          // page clears within minutes although the 1h window still remembers the burst (the point of
          // the second window); the slower tiers go on firing.
          interval: '1m',
          input_series: [
            series('interlace_route_event_latency_seconds_count', '', '0+100x59 6000+100x30'),
            series('interlace_route_event_latency_seconds_bucket', ',le="300"', '0+50x59 3000+100x30'),
          ],
          promql_expr_test: [
            {
              expr: 'interlace:slo_errors:ratio_rate5m{route="order-fulfilment",slo="latency"}',
              eval_time: '75m',
              exp_samples: [
                { labels: 'interlace:slo_errors:ratio_rate5m{interlace_kind="route",route="order-fulfilment",slo="latency"}', value: 0 },
              ],
            },
          ],
          alert_rule_test: [
            {
              eval_time: '59m',
              alertname: latency,
              exp_alerts: [
                routeAlert('latency', 'page', '1h', '14.4', '2 days'),
                routeAlert('latency', 'page', '6h', '6', '5 days'),
                routeAlert('latency', 'ticket', '1d', '3', '10 days'),
                routeAlert('latency', 'ticket', '3d', '1', '30 days'),
              ],
            },
            {
              eval_time: '75m',
              alertname: latency,
              exp_alerts: [
                routeAlert('latency', 'page', '6h', '6', '5 days'),
                routeAlert('latency', 'ticket', '1d', '3', '10 days'),
                routeAlert('latency', 'ticket', '3d', '1', '30 days'),
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'slo.test.yaml'), stringify(tests, { lineWidth: 0 }));
    const tested = promtool('test', 'rules', 'slo.test.yaml');
    expect(tested.out).toContain('SUCCESS');
    expect(tested.status, tested.out).toBe(0);
  });

  it('promtool test rules fails when the alerts do not match (the test can fail)', () => {
    const rules = writeRules();
    const wrong = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            series('interlace_route_event_latency_seconds_count', '', '0+100x120'),
            series('interlace_route_event_latency_seconds_bucket', ',le="300"', '0+80x120'),
          ],
          alert_rule_test: [{ eval_time: '70m', alertname: 'InterlaceRouteLatencyBudgetBurn', exp_alerts: [] }],
        },
      ],
    };
    writeFileSync(join(dir, 'wrong.test.yaml'), stringify(wrong, { lineWidth: 0 }));
    const tested = promtool('test', 'rules', 'wrong.test.yaml');
    expect(tested.status).not.toBe(0);
    expect(tested.out).toContain('InterlaceRouteLatencyBudgetBurn');
  });
});
