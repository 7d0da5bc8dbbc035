/**
 * `npm run bench -- pipeline`: one route target end to end — consume order@2 from `orders.confirmed`,
 * map it with the generated order-v2-to-wms-pick-order, deliver it to a loopback HTTP sink (201, in a
 * child process), commit the idempotency key, ack — on NATS JetStream and on the embedded store. Prints
 * messages/s (backlog drained by one worker), p50/p99 publish→sink latency at a fixed 1,000 messages/s,
 * and the ratio to two floors: a bare consume-and-ack loop over the same backbone client and payloads,
 * and the same loop with one keep-alive HTTP POST to the sink per message.
 * `BENCH_MESSAGES` (default 20,000) and `BENCH_BACKBONES` (`jetstream,embedded`) tune a run.
 * `BENCH_ORDERING=per-key` runs the target with `ordering: per-key` (every order its own key): on
 * JetStream through the shared key gate every replica uses (key-turns.ts), unless `BENCH_KEY_GATE=off`
 * (order kept inside the process only, as before the gate).
 * Targets (2 cores): ≥ 5,000 msg/s with JetStream, ≥ 0.5× the floor, p99 ≤ 20 ms at 1,000/s.
 *
 * Trace export: each backbone runs twice, spans dropped (`createTracer`) and exported over OTLP/HTTP by
 * the OpenTelemetry SDK (`otlpTracer`, every trace sampled) to a local receiver — the Jaeger that
 * scripts/build-jaeger.sh built when it is in the cache, else a sink that accepts and discards
 * (test/helpers/otlp-sink.ts). Printed: the drain rate, and at 1,000 msg/s the delivered rate and the
 * worker's CPU time per message, export on vs off. Target: ≤ 10% throughput loss. `BENCH_TRACES`
 * (`off,on`) picks the variants.
 */
import { Agent, request } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Backbone } from '../runtime/backbone/backbone.ts';
import { JetStreamBackbone, openJetStreamBackbone } from '../runtime/backbone/jetstream-backbone.ts';
import { KvKeyGateStore } from '../runtime/delivery/kv-key-gate.ts';
import { openSqliteBackbone } from '../runtime/backbone/sqlite-backbone.ts';
import { RouteTargetConsumer } from '../runtime/delivery/route-consumer.ts';
import { SqliteIdempotencyStore } from '../runtime/delivery/sqlite-idempotency-store.ts';
import { DEFAULT_BREAKER, SystemBudgets } from '../runtime/delivery/system-budget.ts';
import { createLogger } from '../lib/log.ts';
import { RuntimeMetrics } from '../runtime/observe/metrics.ts';
import { createTracer } from '../runtime/observe/trace.ts';
import type { Tracer } from '../runtime/observe/trace.ts';
import { otlpTracer } from '../runtime/observe/otlp-tracer.ts';
import type { ExportingTracer } from '../runtime/observe/otlp-tracer.ts';
import { existsSync } from 'node:fs';
import { ensureJaegerBinary, startJaeger } from '../test/broker/harness/jaeger.ts';
import { startOtlpSink } from '../test/helpers/otlp-sink.ts';
import { UnitBuilder } from '../runtime/run/build-units.ts';
import { loadBundles } from '../runtime/worker/bundle.ts';
import { findSystem } from '../runtime/worker/estate.ts';
import { assembleRoute } from '../runtime/worker/route-assembly.ts';
import { ensureNatsServerBinary, startNatsServer } from '../test/broker/harness/nats-server.ts';

const REPO = resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
/** `jetstream`, `embedded` or both (default), comma-separated. */
const BACKBONES = (process.env.BENCH_BACKBONES ?? 'jetstream,embedded').split(',');
/** `off` (spans dropped), `on` (exported over OTLP), or both (default). */
const TRACES = (process.env.BENCH_TRACES ?? 'off,on').split(',');
const ORDERING = process.env.BENCH_ORDERING === 'per-key' ? 'per-key' : 'none';
const KEY_GATE = process.env.BENCH_KEY_GATE !== 'off';

function order(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      orderNumber: `DP-BENCH-${String(i).padStart(7, '0')}`,
      source: { system: 'legacy-erp' },
      orderDate: '2026-11-20',
      status: 'confirmed',
      customer: { number: '10100001', name: 'Hoffmann Landtechnik GmbH' },
      currency: 'EUR',
      shipTo: { name: 'Hoffmann Landtechnik GmbH', city: 'Heidelberg', postalCode: '69115', country: 'DE' },
      lines: [
        { lineNumber: 1, sku: 'FGME01', quantity: 5, unit: 'EA', warehouse: 'DE01' },
        { lineNumber: 2, sku: 'QM001', quantity: 1, unit: 'EA', warehouse: 'DE01' },
      ],
      lastModifiedAt: '2026-11-20T09:14:03Z',
    }),
  );
}

/**
 * The target System: a loopback HTTP server in a child process of its own (as a real target is), so
 * the worker's event loop pays only for the client side of each call. It answers 201 and reports each
 * received order id with its arrival time (epoch ms, sub-millisecond) over IPC, in batches.
 */
const SINK_SOURCE = `
import { createServer } from 'node:http';
let batch = [];
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    let id = '';
    try { id = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).orderId); } catch {}
    batch.push([id, at]);
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end('{"status":"PICKED"}');
  });
});
server.keepAliveTimeout = 60_000;
setInterval(() => { if (batch.length) { process.send(batch); batch = []; } }, 2);
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
`;

async function sink(onOrder: (id: string, at: number) => void): Promise<{ url: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SINK_SOURCE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: unknown) => {
      if (Array.isArray(m)) for (const [id, at] of m as [string, number][]) onOrder(id, at);
      else resolve((m as { port: number }).port);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      child.disconnect();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Wall-clock time in epoch ms with sub-millisecond resolution, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

async function bareFloor(backbone: Backbone, topic: string): Promise<number> {
  await backbone.ensureTopic(topic);
  for (let i = 0; i < N; i += 500)
    await Promise.all(
      Array.from({ length: Math.min(500, N - i) }, (_, j) => backbone.publish(topic, order(i + j), { messageId: `floor-${i + j}` })),
    );
  let acked = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const start = performance.now();
  const sub = await backbone.subscribe(
    topic,
    'floor',
    async (d) => {
      await d.ack();
      if (++acked === N) done();
    },
    { maxInFlight: 256 },
  );
  await finished;
  const rate = N / ((performance.now() - start) / 1000);
  await sub.stop();
  return rate;
}

/**
 * The second floor: the same consume-and-ack loop with one HTTP POST of the payload to the loopback
 * sink (keep-alive agent, the same concurrency) before each ack — the least any pipeline that calls a
 * target per message can cost, without the map, the idempotency store, budgets, metrics or traces.
 */
async function httpFloor(backbone: Backbone, topic: string): Promise<number> {
  await backbone.ensureTopic(topic);
  for (let i = 0; i < N; i += 500)
    await Promise.all(
      Array.from({ length: Math.min(500, N - i) }, (_, j) => backbone.publish(topic, order(i + j), { messageId: `floor-http-${i + j}` })),
    );
  const target = await sink(() => {});
  const url = new URL(target.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const post = (body: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/v1/outbound-orders',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.byteLength },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  let acked = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const start = performance.now();
  const sub = await backbone.subscribe(
    topic,
    'floor-http',
    async (d) => {
      await post(d.payload);
      await d.ack();
      if (++acked === N) done();
    },
    { maxInFlight: 256 },
  );
  await finished;
  const rate = N / ((performance.now() - start) / 1000);
  await sub.stop();
  agent.destroy();
  await target.close();
  return rate;
}

/**
 * `BENCH_CPU_PROFILE=<dir>`: a V8 CPU profile of the drain phase only (not the set-up, the latency
 * run or the floors), written to `<dir>/pipeline-<backbone>.cpuprofile`.
 */
async function startProfile(): Promise<((name: string) => Promise<void>) | undefined> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return undefined;
  const { Session } = await import('node:inspector/promises');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async (name) => {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

interface Result {
  rate: number;
  floor: number;
  httpFloor: number;
  p50: number;
  p99: number;
  /** Delivered per second over the fixed-rate phase (first publish → last arrival). */
  fixedRate: number;
  /** The worker process's CPU time (user + system) per message in the fixed-rate phase, µs. */
  cpuPerMessageUs: number;
}

/** The local OTLP receiver of the export-on runs: the cached Jaeger, else a sink that discards. */
async function otlpReceiver(): Promise<{ endpoint: string; description: string; close(): Promise<void> }> {
  const binary = await ensureJaegerBinary({ print: true });
  if (existsSync(binary)) {
    const jaeger = await startJaeger(binary);
    return { endpoint: jaeger.otlpEndpoint, description: `jaeger ${binary}`, close: () => jaeger.stop() };
  }
  const sink = await startOtlpSink({ keep: false });
  return { endpoint: sink.endpoint, description: 'an in-process sink that discards (no jaeger built)', close: () => sink.close() };
}

async function pipeline(name: string, backbone: Backbone, dir: string, tracer: Tracer = createTracer(), floors = true): Promise<Result> {
  const builder = new UnitBuilder(['specs'], REPO, join(dir, 'generated'));
  const build = await builder.build();
  if (!build.ok) throw new Error('the example estate does not generate');
  const received = new Map<string, number>();
  let count = 0;
  const target = await sink((id, at) => {
    received.set(id, at);
    count++;
  });
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
  const deps = {
    backbone,
    store,
    budgets: new SystemBudgets((s) => findSystem(estate, s)?.spec.limits, DEFAULT_BREAKER),
    metrics,
    logger: createLogger({ level: 'error' }),
    tracer,
    owner: 'bench',
    ...(ORDERING === 'per-key' && KEY_GATE && backbone instanceof JetStreamBackbone
      ? { keyGates: new KvKeyGateStore(await backbone.keyValue('KEY_GATES', 0)) }
      : {}),
  };

  // Throughput: drain a backlog of N.
  const topic = rt.sourceTopic;
  await backbone.ensureTopic(topic);
  for (let i = 0; i < N; i += 500)
    await Promise.all(
      Array.from({ length: Math.min(500, N - i) }, (_, j) =>
        backbone.publish(topic, order(i + j), { key: `k${i + j}`, messageId: `bench-${i + j}` }),
      ),
    );
  const consumer = new RouteTargetConsumer({ ...rt, ordering: ORDERING }, deps);
  const profile = await startProfile();
  const start = performance.now();
  await consumer.start();
  while (count < N) await new Promise((r) => setTimeout(r, 5));
  const rate = N / ((performance.now() - start) / 1000);
  await profile?.(`pipeline-${name}`);

  // Latency at a fixed 1,000 msg/s for 5 s.
  const sent = new Map<string, number>();
  const total = 5_000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + i;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const id = `DP-BENCH-${String(N + i).padStart(7, '0')}`;
    sent.set(id, now());
    void backbone.publish(topic, order(N + i), { key: `k${N + i}`, messageId: `bench-${N + i}` });
  }
  while (count < N + total) await new Promise((r) => setTimeout(r, 5));
  const fixedMs = Math.max(...received.values()) - (performance.timeOrigin + t0);
  const cpu = process.cpuUsage(cpu0);
  const latencies = [...sent].map(([id, at]) => received.get(id)! - at).sort((a, b) => a - b);
  await consumer.stop();
  await store.close();
  await target.close();
  const floor = floors ? await bareFloor(backbone, `bench.floor.${name}`) : Number.NaN;
  const withHttp = floors ? await httpFloor(backbone, `bench.floor-http.${name}`) : Number.NaN;
  return {
    rate,
    floor,
    httpFloor: withHttp,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.floor(latencies.length * 0.99)]!,
    fixedRate: total / (fixedMs / 1000),
    cpuPerMessageUs: (cpu.user + cpu.system) / total,
  };
}

/** One backbone, fresh for each variant (a second run on the same store would find its messages there). */
async function onBackbone(kind: string, body: (backbone: Backbone, dir: string) => Promise<Result>): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-bench-pipeline-'));
  if (kind === 'jetstream') {
    const server = await startNatsServer(await ensureNatsServerBinary());
    const backbone = await openJetStreamBackbone({ servers: server.url, name: 'bench-pipeline' });
    try {
      return await body(backbone, dir);
    } finally {
      await backbone.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db') });
  try {
    return await body(backbone, dir);
  } finally {
    await backbone.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const results: Record<string, Result> = {};
  const traced: Record<string, Result> = {};
  let receiver: Awaited<ReturnType<typeof otlpReceiver>> | undefined;
  for (const kind of ['jetstream', 'embedded'].filter((k) => BACKBONES.includes(k))) {
    if (TRACES.includes('off')) results[kind] = await onBackbone(kind, (backbone, dir) => pipeline(kind, backbone, dir));
    if (TRACES.includes('on')) {
      receiver ??= await otlpReceiver();
      const endpoint = receiver.endpoint;
      let tracer: ExportingTracer | undefined;
      traced[kind] = await onBackbone(kind, (backbone, dir) => {
        tracer = otlpTracer({ endpoint, serviceName: 'route-order-fulfilment', estate: 'bench' });
        return pipeline(kind, backbone, dir, tracer, false);
      });
      await tracer?.shutdown();
    }
  }
  await receiver?.close();
  console.log(
    `pipeline: consume → map (order@2 → wms-pick-order@1) → HTTP 201 sink → commit → ack; ${N} messages, one worker, ordering ${ORDERING}${ORDERING === 'per-key' ? (KEY_GATE ? ' (key gate on JetStream)' : ' (in-process only)') : ''}`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(10)} ${r.rate.toFixed(0).padStart(6)} msg/s   floor (bare consume+ack) ${r.floor.toFixed(0).padStart(6)} msg/s = ${(r.rate / r.floor).toFixed(2)}×   floor with the HTTP call ${r.httpFloor.toFixed(0).padStart(6)} msg/s = ${(r.rate / r.httpFloor).toFixed(2)}×   at 1,000 msg/s: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`,
    );
  }
  const js = results.jetstream;
  if (js)
    console.log(
      `  targets (JetStream): ≥ 5,000 msg/s ${js.rate >= 5_000 ? 'met' : 'MISSED'}; ≥ 0.5× floor ${js.rate / js.floor >= 0.5 ? 'met' : 'MISSED'} (≥ 0.5× the floor with HTTP ${js.rate / js.httpFloor >= 0.5 ? 'met' : 'MISSED'}); p99 ≤ 20 ms ${js.p99 <= 20 ? 'met' : 'MISSED'}`,
    );
  if (receiver) console.log(`trace export (OTLP/HTTP, every trace sampled, batch span processor) to ${receiver.description}:`);
  for (const [name, on] of Object.entries(traced)) {
    const off = results[name];
    if (!off) {
      console.log(
        `  ${name.padEnd(10)} export on: ${on.rate.toFixed(0)} msg/s drained; at 1,000 msg/s ${on.fixedRate.toFixed(0)} msg/s, ${on.cpuPerMessageUs.toFixed(0)} µs CPU/msg`,
      );
      continue;
    }
    const loss = (1 - on.rate / off.rate) * 100;
    const fixedLoss = (1 - on.fixedRate / off.fixedRate) * 100;
    const cpu = (on.cpuPerMessageUs / off.cpuPerMessageUs - 1) * 100;
    console.log(
      `  ${name.padEnd(10)} drain ${off.rate.toFixed(0)} → ${on.rate.toFixed(0)} msg/s (loss ${loss.toFixed(1)}%)   at 1,000 msg/s: delivered ${off.fixedRate.toFixed(0)} → ${on.fixedRate.toFixed(0)} msg/s (loss ${fixedLoss.toFixed(1)}%), p99 ${off.p99.toFixed(1)} → ${on.p99.toFixed(1)} ms, CPU ${off.cpuPerMessageUs.toFixed(0)} → ${on.cpuPerMessageUs.toFixed(0)} µs/msg (+${cpu.toFixed(0)}%)   target ≤ 10% loss at 1,000 msg/s ${fixedLoss <= 10 ? 'met' : 'MISSED'}`,
    );
  }
}

if (import.meta.main) await run();
