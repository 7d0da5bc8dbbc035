/**
 * `npm run bench -- adapters`: the system edge, one section per adapter — webhook (below) and sftp
 * (adapters-sftp.ts). BENCH_ADAPTERS=webhook or =sftp runs one; another adapter adds its entry to SECTIONS.
 *
 * webhook: Shopify-signed deliveries of a real product payload (test/fixtures/webhook-estate) POSTed
 * to the source-shop unit's receiver by a load generator in a second process —
 * `BENCH_WEBHOOK_CONNECTIONS` (default 32) keep-alive connections for `BENCH_WEBHOOK_SECONDS` (default
 * 5), each delivery with its own id and signature. A 200 comes only after the event is durably
 * published, so the latency of a request is the time to durable publish. Against the embedded
 * backbone and, when a nats-server can be built or is cached, a real JetStream. Floor: a bare node:http
 * server that reads the same body and answers 200, loaded by the same generator.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger } from '../lib/log.ts';
import type { Backbone } from '../runtime/backbone/backbone.ts';
import { openJetStreamBackbone } from '../runtime/backbone/jetstream-backbone.ts';
import { openSqliteBackbone } from '../runtime/backbone/sqlite-backbone.ts';
import { UnitBuilder } from '../runtime/run/build-units.ts';
import { startWorker } from '../runtime/worker/start-worker.ts';
import { natsServerOrSkipReason, startNatsServer } from '../test/broker/harness/nats-server.ts';
import { sftpThroughput } from './adapters-sftp.ts';

const REPO = resolve(import.meta.dirname, '..');
const FIXTURE = join(REPO, 'test/fixtures/webhook-estate');
const CONNECTIONS = Number(process.env.BENCH_WEBHOOK_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 5);
const SECRET = 'bench-shopify-secret';

/** The sections of this bench, in order. */
const SECTIONS: { name: string; run: () => Promise<void> }[] = [
  { name: 'webhook', run: webhookIntake },
  // SFTP file throughput of the file adapters (bench/adapters-sftp.ts).
  { name: 'sftp', run: sftpThroughput },
];

/**
 * The load generator, in a child process so the receiver's event loop is measured alone: each
 * connection POSTs its next delivery as soon as the previous answer is read, each with a new
 * X-Shopify-Webhook-Id and its HMAC. Reports { requests, rate, errors, statuses, p50, p99 } (ms).
 */
const LOADER_SOURCE = `
import { Agent, request } from 'node:http';
import { createHmac, randomUUID } from 'node:crypto';
const { url, product, secret, connections, seconds } = JSON.parse(process.argv[1]);
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
let errors = 0;
const statuses = {};
let warm = true;
const until = Date.now() + 500 + seconds * 1000;
let started = 0;
setTimeout(() => { warm = false; latencies.length = 0; errors = 0; for (const k in statuses) delete statuses[k]; started = performance.now(); }, 500);
let n = 0;
async function loop() {
  while (Date.now() < until) {
    const i = n++;
    const body = JSON.stringify({ ...product, id: 1_000_000 + i, title: product.title + ' ' + i });
    const headers = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-shopify-topic': 'products/update',
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
    };
    const t0 = performance.now();
    await new Promise((resolve) => {
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (!warm) { latencies.push(performance.now() - t0); statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1; }
          resolve();
        });
      });
      req.on('error', () => { errors++; resolve(); });
      req.end(body);
    });
  }
}
await Promise.all(Array.from({ length: connections }, () => loop()));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? NaN;
process.stdout.write(JSON.stringify({ requests: latencies.length, rate: latencies.length / elapsed, errors, statuses, p50: at(0.5), p99: at(0.99) }));
agent.destroy();
`;

interface Load {
  requests: number;
  rate: number;
  errors: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
}

async function load(url: string, product: unknown): Promise<Load> {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      LOADER_SOURCE,
      JSON.stringify({ url, product, secret: SECRET, connections: CONNECTIONS, seconds: SECONDS }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`the load generator exited with ${code}`);
  return JSON.parse(out) as Load;
}

function line(label: string, l: Load): string {
  const ok = l.statuses['200'] ?? 0;
  return `  ${label.padEnd(34)} ${l.rate.toFixed(0).padStart(7)} deliveries/s   p50 ${l.p50.toFixed(2)} ms   p99 ${l.p99.toFixed(2)} ms   (${ok} × 200 of ${l.requests}, ${l.errors} errors)`;
}

/** The receiver on one backbone: the source-shop unit of the webhook fixture estate in a worker. */
async function receiver(backbone: Backbone, bundleDir: string, stateDir: string, product: unknown): Promise<Load> {
  const worker = await startWorker({
    bundleDir,
    units: ['source-shop'],
    backbone,
    stateDir,
    port: 0,
    logger: createLogger({ level: 'error' }),
    env: { SHOP_WEBHOOK_WEBHOOK_SECRET: SECRET },
  });
  try {
    return await load(`${worker.url}/webhooks/shopify`, product);
  } finally {
    await worker.close(1_000);
  }
}

async function webhookIntake(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-bench-adapters-'));
  const product = JSON.parse(readFileSync(join(FIXTURE, 'shopify-product.json'), 'utf8')) as unknown;
  try {
    const build = await new UnitBuilder([FIXTURE], REPO, join(dir, 'generated')).build();
    if (!build.ok) throw new Error('the webhook fixture estate does not generate');
    const bytes = Buffer.byteLength(JSON.stringify(product));
    console.log(
      `adapters/webhook: Shopify products/update deliveries (${bytes} B, HMAC-SHA256 base64) → verify, replay check, durable publish, 200; ${CONNECTIONS} keep-alive connections from a second process, ${SECONDS} s`,
    );
    const results: { label: string; load: Load }[] = [];

    const sqlite = await openSqliteBackbone({ path: join(dir, 'backbone.db') });
    try {
      results.push({
        label: 'receiver, embedded backbone',
        load: await receiver(sqlite, build.bundleDir!, join(dir, 'state-sqlite'), product),
      });
    } finally {
      await sqlite.close();
    }

    const nats = await natsServerOrSkipReason();
    if ('binary' in nats) {
      const server = await startNatsServer(nats.binary);
      const jetstream = await openJetStreamBackbone({ servers: server.url, name: 'bench-adapters' });
      try {
        results.push({
          label: 'receiver, NATS JetStream',
          load: await receiver(jetstream, build.bundleDir!, join(dir, 'state-nats'), product),
        });
      } finally {
        await jetstream.close();
        await server.stop();
      }
    } else {
      console.log(`  (no NATS JetStream run: ${nats.skip})`);
    }

    const floorServer = createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
        res.end('{}');
      });
    });
    floorServer.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => floorServer.listen(0, '127.0.0.1', r));
    const floor = await load(`http://127.0.0.1:${(floorServer.address() as AddressInfo).port}/webhooks/shopify`, product);
    floorServer.closeAllConnections();
    floorServer.close();

    for (const r of results) console.log(line(r.label, r.load));
    console.log(line('floor (bare node:http, reads body)', floor));
    for (const r of results) console.log(`  ratio to the floor, ${r.label}: ${(r.load.rate / floor.rate).toFixed(2)}×`);
    for (const r of results)
      if ((r.load.statuses['200'] ?? 0) !== r.load.requests)
        console.log(`  WARNING (${r.label}): not every answer was 200: ${JSON.stringify(r.load.statuses)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const only = process.env.BENCH_ADAPTERS?.split(',').map((s) => s.trim());
  for (const section of SECTIONS) if (!only || only.includes(section.name)) await section.run();
}

if (import.meta.main) await run();
