/**
 * `npm run bench -- api`: the availability@2 API (specs/apis/availability-v2.yaml) served by a worker
 * — OAuth2 bearer JWT checked against a JWKS, path parameters validated, the answer read from the view
 * the inventory-changed route's events keep, the response validated against availability@2, metrics,
 * traces — under load from a second process: a node:http keep-alive load generator with
 * `BENCH_API_CONNECTIONS` (default 32) concurrent connections for `BENCH_API_SECONDS` (default 5).
 * Prints requests/s, p50 and p99, and the ratio to the floor: a bare node:http server answering the
 * same JSON documents from an in-memory Map, loaded by the same generator.
 *
 * The API's own rate limit (50/s per client) is lifted for the run: the bench measures the serving
 * path, not the limiter. The view holds `BENCH_API_KEYS` (default 2,000) SKU × warehouse positions,
 * published on `inventory.levels` (embedded backbone) and fed into the view before the load starts.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSqliteBackbone } from '../runtime/backbone/sqlite-backbone.ts';
import { createLogger } from '../lib/log.ts';
import { UnitBuilder } from '../runtime/run/build-units.ts';
import { IdentityProvider } from '../runtime/simulate/identity.ts';
import { startWorker } from '../runtime/worker/start-worker.ts';

const REPO = resolve(import.meta.dirname, '..');
const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 5);
const KEYS = Number(process.env.BENCH_API_KEYS ?? 2_000);
const WAREHOUSES = ['DE01', 'DE02', 'AT01', 'PL01'];

/**
 * The load generator, run in a child process so the server's event loop is measured alone: each
 * connection sends its next GET as soon as the previous answer is read; the paths cycle through the
 * given list. Reports { requests, errors, statuses, p50, p99 } (ms) on stdout as JSON.
 */
const LOADER_SOURCE = `
import { Agent, request } from 'node:http';
const { url, paths, headers, connections, seconds } = JSON.parse(process.argv[1]);
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
let errors = 0;
const statuses = {};
let warm = true;
const until = Date.now() + 500 + seconds * 1000;
setTimeout(() => { warm = false; latencies.length = 0; errors = 0; for (const k in statuses) delete statuses[k]; }, 500);
let started = 0;
async function loop(offset) {
  let i = offset;
  while (Date.now() < until) {
    const path = paths[i++ % paths.length];
    const t0 = performance.now();
    await new Promise((resolve) => {
      const req = request({ host: target.hostname, port: target.port, path, method: 'GET', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (!warm) { latencies.push(performance.now() - t0); statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1; }
          resolve();
        });
      });
      req.on('error', () => { errors++; resolve(); });
      req.end();
    });
  }
}
setTimeout(() => { started = performance.now(); }, 500);
await Promise.all(Array.from({ length: connections }, (_, c) => loop(c * 97)));
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

async function load(url: string, paths: string[], headers: Record<string, string>): Promise<Load> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', LOADER_SOURCE, JSON.stringify({ url, paths, headers, connections: CONNECTIONS, seconds: SECONDS })],
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

function skuOf(i: number): string {
  return `SKU-${String(i % Math.ceil(KEYS / WAREHOUSES.length)).padStart(5, '0')}`;
}

function level(i: number): Record<string, unknown> {
  const onHand = 100 + (i % 50);
  return {
    sku: skuOf(i),
    warehouse: WAREHOUSES[i % WAREHOUSES.length],
    onHand,
    allocated: 10,
    available: onHand - 10,
    unit: 'EA',
    asOf: '2026-11-26T08:15:00Z',
    source: { system: 'wms', reference: `INV-${i}` },
  };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-bench-api-'));
  const identity = new IdentityProvider(0);
  await identity.server.start();
  const backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db') });
  try {
    const build = await new UnitBuilder(['specs'], REPO, join(dir, 'generated')).build();
    if (!build.ok) throw new Error('the example estate does not generate');
    const estate = structuredClone(build.estate!);
    const api = estate.apis.find((a) => a.metadata.name === 'availability' && a.spec.version.startsWith('2.'))!;
    api.spec.auth = { ...api.spec.auth!, jwksUrl: identity.jwksUrl, issuer: identity.issuer };
    api.spec.rateLimit = { requests: 1_000_000, per: '1s', burst: 1_000_000 };

    // The view: KEYS inventory positions on the route's source topic, fed before the load starts.
    await backbone.ensureTopic('inventory.levels');
    for (let i = 0; i < KEYS; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, KEYS - i) }, (_, j) =>
          backbone.publish('inventory.levels', Buffer.from(JSON.stringify(level(i + j))), {
            key: `${skuOf(i + j)}|${WAREHOUSES[(i + j) % WAREHOUSES.length]}`,
            messageId: `inv-${i + j}`,
          }),
        ),
      );
    }
    const worker = await startWorker({
      bundleDir: build.bundleDir!,
      units: ['api-availability-v2'],
      backbone,
      estate,
      stateDir: join(dir, 'state'),
      port: 0,
      logger: createLogger({ level: 'error' }),
      env: {},
    });
    try {
      const token = identity.token({ audience: 'api://interlace/availability', scopes: ['inventory:read'], client: 'bench' });
      const paths = Array.from(
        { length: KEYS },
        (_, i) => `/availability/v2/products/${skuOf(i)}/availability/${WAREHOUSES[i % WAREHOUSES.length]}`,
      );
      // Wait for the view and the JWKS.
      const until = Date.now() + 60_000;
      for (;;) {
        const last = await fetch(`${worker.url}${paths[KEYS - 1]}`, { headers: { authorization: `Bearer ${token}` } });
        const first = await fetch(`${worker.url}${paths[0]}`, { headers: { authorization: `Bearer ${token}` } });
        if (last.status === 200 && first.status === 200) break;
        if (Date.now() > until) throw new Error(`the API does not answer 200 (${first.status}, ${last.status}: ${await last.text()})`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // The floor serves exactly the documents the API answers with.
      const documents = new Map<string, string>();
      for (const path of paths)
        documents.set(path, await (await fetch(`${worker.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).text());

      const served = await load(worker.url, paths, { authorization: `Bearer ${token}`, accept: 'application/json' });

      const floorServer = createServer((req, res) => {
        const body = documents.get(req.url ?? '');
        if (body === undefined) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      floorServer.keepAliveTimeout = 60_000;
      await new Promise<void>((r) => floorServer.listen(0, '127.0.0.1', r));
      const floor = await load(`http://127.0.0.1:${(floorServer.address() as AddressInfo).port}`, paths, {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
      });
      floorServer.closeAllConnections();
      floorServer.close();

      const ok = served.statuses['200'] ?? 0;
      console.log(
        `api: GET /availability/v2/products/{sku}/availability/{warehouse} — JWT (RS256) + validation + view read + response contract; ${KEYS} positions, ${CONNECTIONS} keep-alive connections from a second process, ${SECONDS} s`,
      );
      console.log(
        `  worker          ${served.rate.toFixed(0).padStart(7)} req/s   p50 ${served.p50.toFixed(2)} ms   p99 ${served.p99.toFixed(2)} ms   (${ok} × 200 of ${served.requests}, ${served.errors} errors)`,
      );
      console.log(
        `  floor (bare node:http, same JSON from memory) ${floor.rate.toFixed(0).padStart(7)} req/s   p50 ${floor.p50.toFixed(2)} ms   p99 ${floor.p99.toFixed(2)} ms`,
      );
      console.log(`  ratio to the floor: ${(served.rate / floor.rate).toFixed(2)}×`);
      if (ok !== served.requests) console.log(`  WARNING: not every answer was 200: ${JSON.stringify(served.statuses)}`);
    } finally {
      await worker.close(1_000);
    }
  } finally {
    await backbone.close();
    await identity.server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();
