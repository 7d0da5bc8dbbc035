// A real Prometheus (Debian's 2.42) pointed at `interlace run` with the config the run writes
// (`<run-dir>/prometheus.yml`: the gateway's /metrics and the generated SLO rules): the target is up,
// every generated rule evaluates without error, and the recording rules of the example estate's SLOs
// (order-fulfilment's latency and dead letters, order-status@1's availability and latency) give series
// with values while dealers order and ask. The only change to the run's files: a 1 s scrape and
// evaluation interval instead of 5 s and the specs' 1 m, so the test takes seconds, not minutes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { EstateRun } from '../../runtime/run/estate-run.ts';
import { startDealerTraffic } from '../../runtime/run/dealer-traffic.ts';
import { RUN_SCRAPE_JOB } from '../../runtime/run/prometheus-config.ts';
import { backboneFactories, startEstate } from './scenario-support.ts';
import type { BackboneUnderTest } from './scenario-support.ts';
import { prometheusOrSkipReason, startPrometheus } from './harness/prometheus.ts';
import type { Prometheus } from './harness/prometheus.ts';

const found = prometheusOrSkipReason();
const skip = 'skip' in found ? found.skip : false;
if (skip) console.warn(`[prometheus] skipped: ${skip}`);
const embedded = (await backboneFactories()).find((f) => f.name === 'embedded')!;

interface PromConfig {
  global: Record<string, string>;
  rule_files: string[];
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}
interface RuleGroups {
  groups: { name: string; interval?: string; rules: Record<string, unknown>[] }[];
}

describe.skipIf(skip)('a real Prometheus scraping interlace run', () => {
  let bb: BackboneUnderTest | undefined;
  let run: EstateRun | undefined;
  let prometheus: Prometheus | undefined;
  let stopDealers: (() => void) | undefined;
  let orders: NodeJS.Timeout | undefined;
  afterAll(async () => {
    clearInterval(orders);
    stopDealers?.();
    await prometheus?.stop();
    await run?.stop();
    await bb?.close();
  });

  it('scrapes the gateway and evaluates the generated SLO recording rules to values', { timeout: 180_000 }, async () => {
    bb = await embedded.open();
    run = await startEstate(bb);

    // The config the run wrote: one job at the gateway, the rules the run generated.
    const config = parse(readFileSync(run.prometheusConfigFile, 'utf8')) as PromConfig;
    expect(config.scrape_configs.map((s) => s.job_name)).toEqual([RUN_SCRAPE_JOB]);
    expect(config.scrape_configs[0]!.static_configs[0]!.targets).toEqual([new URL(run.gateway.url).host]);
    expect(config.rule_files).toEqual([join(bb.dir, 'run', 'generated', 'monitoring', 'prometheus-rules.yaml')]);
    const rules = parse(readFileSync(config.rule_files[0]!, 'utf8')) as RuleGroups;
    expect(rules.groups.map((g) => g.name)).toEqual(['interlace-slo-api-order-status-v1', 'interlace-slo-route-order-fulfilment']);

    // Faster intervals, nothing else changed.
    const fastRules = join(bb.dir, 'rules-1s.yaml');
    writeFileSync(fastRules, stringify({ groups: rules.groups.map((g) => ({ ...g, interval: '1s' })) }, { lineWidth: 0 }));
    const fastConfig = join(bb.dir, 'prometheus-1s.yml');
    writeFileSync(
      fastConfig,
      stringify({ ...config, global: { scrape_interval: '1s', evaluation_interval: '1s' }, rule_files: [fastRules] }),
    );
    prometheus = await startPrometheus((found as { binary: string }).binary, fastConfig);

    // Traffic while Prometheus scrapes: a rate needs two samples with an increase between them.
    const sim = run.simulation!;
    sim.sendOrders(3);
    orders = setInterval(() => sim.sendOrders(3), 500);
    stopDealers = startDealerTraffic(sim, run.gateway.url, { intervalMs: 200 });

    const targets = await eventually(async () => {
      const { activeTargets } = await prometheus!.api<{ activeTargets: { labels: { job: string }; health: string; lastError: string }[] }>(
        'targets',
      );
      return activeTargets.length > 0 && activeTargets.every((t) => t.health === 'up') ? activeTargets : undefined;
    }, 'the run target to be up');
    expect(targets.map((t) => t.labels.job)).toEqual([RUN_SCRAPE_JOB]);

    // Each SLO's 5 m error ratio: one series, a number between 0 and 1 (not NaN: there was traffic).
    const ratio = (selector: string) =>
      eventually(async () => {
        const result = await prometheus!.query(`interlace:slo_errors:ratio_rate5m{${selector}}`);
        const value = result.length === 1 ? Number(result[0]!.value[1]) : Number.NaN;
        return Number.isFinite(value) ? { labels: result[0]!.metric, value } : undefined;
      }, `interlace:slo_errors:ratio_rate5m{${selector}} to have a value`);
    const latency = await ratio('route="order-fulfilment",slo="latency"');
    const deadLetters = await ratio('route="order-fulfilment",slo="dead-letters"');
    const availability = await ratio('api="order-status@1",slo="availability"');
    const apiLatency = await ratio('api="order-status@1",slo="latency"');
    for (const r of [latency, deadLetters, availability, apiLatency]) {
      expect(r.value).toBeGreaterThanOrEqual(0);
      expect(r.value).toBeLessThanOrEqual(1);
    }
    expect(latency.labels).toMatchObject({ interlace_kind: 'route', route: 'order-fulfilment', slo: 'latency' });
    // Deliveries in a test take milliseconds: none is over the 5 m threshold.
    expect(latency.value).toBe(0);
    // The simulated systems answer every order-status call: no 5xx.
    expect(availability.value).toBe(0);

    // Every recording rule and alert of both groups evaluated, none with an error.
    const { groups } = await prometheus.api<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>(
      'rules',
    );
    const evaluated = groups.flatMap((g) =>
      g.rules.map((r) => ({ group: g.name, name: r.name, health: r.health, error: r.lastError ?? '' })),
    );
    expect(evaluated.length).toBe(rules.groups.reduce((n, g) => n + g.rules.length, 0));
    expect(evaluated.filter((r) => r.health !== 'ok')).toEqual([]);
    // Healthy traffic pages no one.
    expect(await prometheus.query('ALERTS{alertstate="firing"}')).toEqual([]);
  });
});

/** Polls `probe` every 500 ms until it returns something, for at most 60 s. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
