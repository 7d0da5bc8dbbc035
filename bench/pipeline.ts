/**
 * `npm run bench -- pipeline`: one route target end to end — consume order@2 from `orders.confirmed`,
 * map it with the generated order-v2-to-wms-pick-order, deliver it to a loopback HTTP sink (201), commit
 * the idempotency key, ack — on NATS JetStream and on the embedded store. Prints messages/s (backlog
 * drained by one worker), p50/p99 publish→sink latency at a fixed 1,000 messages/s, and the ratio to the
 * floor: a bare consume-and-ack loop over the same backbone client and payloads.
 * Targets (2 cores): ≥ 5,000 msg/s with JetStream, ≥ 0.5× the floor, p99 ≤ 20 ms at 1,000/s.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Backbone } from '../runtime/backbone/backbone.ts';
import { openJetStreamBackbone } from '../runtime/backbone/jetstream-backbone.ts';
import { openSqliteBackbone } from '../runtime/backbone/sqlite-backbone.ts';
import { RouteTargetConsumer } from '../runtime/delivery/route-consumer.ts';
import { SqliteIdempotencyStore } from '../runtime/delivery/sqlite-idempotency-store.ts';
import { DEFAULT_BREAKER, SystemBudgets } from '../runtime/delivery/system-budget.ts';
import { createLogger } from '../runtime/observe/logger.ts';
import { RuntimeMetrics } from '../runtime/observe/metrics.ts';
import { createTracer } from '../runtime/observe/trace.ts';
import { UnitBuilder } from '../runtime/run/build-units.ts';
import { loadBundles } from '../runtime/worker/bundle.ts';
import { findSystem } from '../runtime/worker/estate.ts';
import { assembleRoute } from '../runtime/worker/route-assembly.ts';
import { ensureNatsServerBinary, startNatsServer } from '../test/broker/harness/nats-server.ts';

const REPO = resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);

function order(i: number): Buffer {
  return Buffer.from(JSON.stringify({
    orderNumber: `DP-BENCH-${String(i).padStart(7, '0')}`, source: { system: 'legacy-erp' }, orderDate: '2026-11-20', status: 'confirmed',
    customer: { number: '10100001', name: 'Hoffmann Landtechnik GmbH' }, currency: 'EUR',
    shipTo: { name: 'Hoffmann Landtechnik GmbH', city: 'Heidelberg', postalCode: '69115', country: 'DE' },
    lines: [{ lineNumber: 1, sku: 'FGME01', quantity: 5, unit: 'EA', warehouse: 'DE01' }, { lineNumber: 2, sku: 'QM001', quantity: 1, unit: 'EA', warehouse: 'DE01' }],
    lastModifiedAt: '2026-11-20T09:14:03Z',
  }));
}

async function sink(onOrder: (id: string) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try { onOrder(String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { orderId: string }).orderId)); } catch { /* counted as sent anyway */ }
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"status":"PICKED"}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

async function bareFloor(backbone: Backbone, topic: string): Promise<number> {
  await backbone.ensureTopic(topic);
  for (let i = 0; i < N; i += 500) await Promise.all(Array.from({ length: Math.min(500, N - i) }, (_, j) => backbone.publish(topic, order(i + j), { messageId: `floor-${i + j}` })));
  let acked = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => { done = r; });
  const start = performance.now();
  const sub = await backbone.subscribe(topic, 'floor', async (d) => { await d.ack(); if (++acked === N) done(); }, { maxInFlight: 256 });
  await finished;
  const rate = N / ((performance.now() - start) / 1000);
  await sub.stop();
  return rate;
}

async function pipeline(name: string, backbone: Backbone, dir: string): Promise<{ rate: number; floor: number; p50: number; p99: number }> {
  const builder = new UnitBuilder(['specs'], REPO, join(dir, 'generated'));
  const build = await builder.build();
  if (!build.ok) throw new Error('the example estate does not generate');
  const received = new Map<string, number>();
  let count = 0;
  const target = await sink((id) => { received.set(id, performance.now()); count++; });
  const estate = structuredClone(build.estate!);
  const wms = findSystem(estate, 'wms')!;
  // The sink is the WMS, without its protective limits (50 requests/s would be the bottleneck) or auth.
  wms.spec.endpoint = { ...wms.spec.endpoint, url: target.url };
  wms.spec.auth = { type: 'none' } as typeof wms.spec.auth;
  wms.spec.limits = { concurrency: 256, timeout: '5s' };
  const route = estate.routes.find((r) => r.metadata.name === 'order-fulfilment')!;
  const [bundle] = await loadBundles(build.bundleDir!, ['route-order-fulfilment']);
  const metrics = new RuntimeMetrics();
  const rt = assembleRoute(route, bundle!, { estate, backbone, env: {}, clients: new Map() }).find((t) => t.target === 'wms')!;
  rt.policy.concurrency = 256;
  const store = new SqliteIdempotencyStore(join(dir, `${name}-worker.db`));
  const deps = { backbone, store, budgets: new SystemBudgets((s) => findSystem(estate, s)?.spec.limits, DEFAULT_BREAKER), metrics, logger: createLogger({ level: 'error' }), tracer: createTracer(), owner: 'bench' };

  // Throughput: drain a backlog of N.
  const topic = rt.sourceTopic;
  await backbone.ensureTopic(topic);
  for (let i = 0; i < N; i += 500) await Promise.all(Array.from({ length: Math.min(500, N - i) }, (_, j) => backbone.publish(topic, order(i + j), { key: `k${i + j}`, messageId: `bench-${i + j}` })));
  const consumer = new RouteTargetConsumer({ ...rt, ordering: 'none' }, deps);
  const start = performance.now();
  await consumer.start();
  while (count < N) await new Promise((r) => setTimeout(r, 5));
  const rate = N / ((performance.now() - start) / 1000);

  // Latency at a fixed 1,000 msg/s for 5 s.
  const sent = new Map<string, number>();
  const total = 5_000;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + i;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const id = `DP-BENCH-${String(N + i).padStart(7, '0')}`;
    sent.set(id, performance.now());
    void backbone.publish(topic, order(N + i), { key: `k${N + i}`, messageId: `bench-${N + i}` });
  }
  while (count < N + total) await new Promise((r) => setTimeout(r, 5));
  const latencies = [...sent].map(([id, at]) => received.get(id)! - at).sort((a, b) => a - b);
  await consumer.stop();
  await store.close();
  await target.close();
  const floor = await bareFloor(backbone, `bench.floor.${name}`);
  return { rate, floor, p50: latencies[Math.floor(latencies.length * 0.5)]!, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

export async function run(): Promise<void> {
  const results: Record<string, { rate: number; floor: number; p50: number; p99: number }> = {};
  {
    const dir = mkdtempSync(join(tmpdir(), 'interlace-bench-pipeline-'));
    const server = await startNatsServer(await ensureNatsServerBinary());
    const backbone = await openJetStreamBackbone({ servers: server.url, name: 'bench-pipeline' });
    try { results.jetstream = await pipeline('jetstream', backbone, dir); } finally { await backbone.close(); await server.stop(); rmSync(dir, { recursive: true, force: true }); }
  }
  {
    const dir = mkdtempSync(join(tmpdir(), 'interlace-bench-pipeline-'));
    const backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db') });
    try { results.embedded = await pipeline('embedded', backbone, dir); } finally { await backbone.close(); rmSync(dir, { recursive: true, force: true }); }
  }
  console.log(`pipeline: consume → map (order@2 → wms-pick-order@1) → HTTP 201 sink → commit → ack; ${N} messages, one worker`);
  for (const [name, r] of Object.entries(results)) {
    console.log(`  ${name.padEnd(10)} ${r.rate.toFixed(0).padStart(6)} msg/s   floor (bare consume+ack) ${r.floor.toFixed(0).padStart(6)} msg/s   ratio ${(r.rate / r.floor).toFixed(2)}×   at 1,000 msg/s: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`);
  }
  const js = results.jetstream!;
  console.log(`  targets (JetStream): ≥ 5,000 msg/s ${js.rate >= 5_000 ? 'met' : 'MISSED'}; ≥ 0.5× floor ${js.rate / js.floor >= 0.5 ? 'met' : 'MISSED'}; p99 ≤ 20 ms ${js.p99 <= 20 ? 'met' : 'MISSED'}`);
}

if (import.meta.main) await run();
