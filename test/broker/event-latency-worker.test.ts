// The latency an SLO counts (issue 15): interlace_route_event_latency_seconds measures from the source
// event, not from the hop. Two routes in one worker — `intake` (topic orders.in → topic orders.next)
// and `fulfil` (orders.next → a real loopback HTTP System): an event whose source happened 400 s ago
// lands in fulfil's 600 s bucket, not in its 300 s one, and the System sees the carried time. A header
// that lies (in the future of its own message) is ignored. Generated bundles, the embedded sqlite
// backbone.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../lib/log.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { SOURCE_TIME_HEADER } from '../../runtime/delivery/source-time.ts';
import { memoryTracer } from '../../runtime/observe/trace.ts';
import { loadWorkerEstate } from '../../runtime/worker/load-estate.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import { eventually, startTargetServer } from './worker-fixtures.ts';

const delivery = `      delivery:
        timeout: 500ms
        retry: { maxAttempts: 2, initialBackoff: 20ms, maxBackoff: 100ms, multiplier: 2, jitter: 0 }
        deadLetter: { topic: dlq.DLQ }`;
const ESTATE = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: order }
spec:
  version: 1.0.0
  owner: team-test
  identity: [orderNumber]
  schema:
    type: object
    required: [orderNumber]
    properties: { orderNumber: { type: string } }
---
apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: wms }
spec:
  type: wms
  hosting: cloud
  owner: team-test
  endpoint: { protocol: http, url: "https://wms.example.com", format: json }
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: intake }
spec:
  owner: team-test
  source: { topic: orders.in, contract: order@1 }
  targets:
    - name: next
      topic: orders.next
${delivery.replace('DLQ', 'intake')}
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: fulfil }
spec:
  owner: team-test
  source: { topic: orders.next, contract: order@1 }
  slo:
    latency: { threshold: 5m, objective: 99% }
  targets:
    - name: wms
      system: wms
      operation: POST /orders
${delivery.replace('DLQ', 'fulfil')}
`;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'interlace-event-latency-'));
  mkdirSync(join(dir, 'specs'));
  writeFileSync(join(dir, 'specs', 'estate.yaml'), ESTATE);
  const run = new ValidationSession().run([join(dir, 'specs')]);
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const result = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  for (const [path, text] of result.files) {
    mkdirSync(dirname(join(dir, 'gen', path)), { recursive: true });
    writeFileSync(join(dir, 'gen', path), text);
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('latency from the source event, through a topic chain', () => {
  it('counts from the carried source time; a header in the future of its message is ignored', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'interlace-event-latency-state-'));
    const backbone = await openSqliteBackbone({ path: join(stateDir, 'backbone.db'), pollIntervalMs: 20 });
    const target = await startTargetServer(() => ({ status: 201 }));
    const estate = loadWorkerEstate([join(dir, 'specs')]);
    estate.systems.find((s) => s.metadata.name === 'wms')!.spec.endpoint.url = target.url;
    const worker = await startWorker({
      bundleDir: join(dir, 'gen', 'bundles'),
      units: ['route-intake', 'route-fulfil'],
      backbone,
      estate,
      stateDir,
      env: {},
      port: 0,
      logger: memoryLogger('error').logger,
      tracer: memoryTracer().tracer,
      breaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
    });
    try {
      await backbone.ensureTopic('orders.in');
      const sourceTime = Date.now() - 400_000;
      const body = (orderNumber: string) => Buffer.from(JSON.stringify({ orderNumber }));
      await backbone.publish('orders.in', body('A-1'), { messageId: 'a1', headers: { [SOURCE_TIME_HEADER]: String(sourceTime) } });
      // A lie: a source time an hour after the message was stored. The message's own time counts.
      await backbone.publish('orders.in', body('A-2'), {
        messageId: 'a2',
        headers: { [SOURCE_TIME_HEADER]: String(Date.now() + 3_600_000) },
      });
      // The effect is made before the worker records it: wait for both routes' histograms, not the requests.
      const observed = (route: string) => worker.metrics.value('interlace_route_event_latency_seconds', { route });
      await eventually(
        async () => (await observed('fulfil')) === 2 && (await observed('intake')) === 2,
        'both events delivered by both routes',
      );

      const first = target.requests.find((r) => (r.body as { orderNumber: string }).orderNumber === 'A-1')!;
      expect(first.headers[SOURCE_TIME_HEADER]).toBe(String(sourceTime));
      const second = target.requests.find((r) => (r.body as { orderNumber: string }).orderNumber === 'A-2')!;
      expect(Number(second.headers[SOURCE_TIME_HEADER])).toBeLessThanOrEqual(Date.now());

      const histogram = await worker.metrics.registry.getSingleMetric('interlace_route_event_latency_seconds')!.get();
      const bucket = (route: string, le: number) =>
        histogram.values.find(
          (v) =>
            (v as { metricName?: string }).metricName === 'interlace_route_event_latency_seconds_bucket' &&
            v.labels.route === route &&
            v.labels.le === le,
        )?.value;
      // fulfil: A-1 took 400 s from its source event (over the 5m SLO threshold), A-2 well under a second.
      expect(bucket('fulfil', 1)).toBe(1);
      expect(bucket('fulfil', 300)).toBe(1);
      expect(bucket('fulfil', 600)).toBe(2);
      // intake, the first hop, measures from the same source time.
      expect(bucket('intake', 300)).toBe(1);
      expect(bucket('intake', 600)).toBe(2);
      const labels = histogram.values.find((v) => v.labels.route === 'fulfil')!.labels;
      expect(Object.keys(labels).sort()).toEqual(['le', 'route', 'target']);
    } finally {
      await worker.close(1000);
      await backbone.close();
      await target.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 60_000);
});
