// `interlace worker --bundle <dir>` as the controller runs it: a child process started from the
// generated bundle directory alone (no spec files next to it), against a real nats-server, delivering
// to a loopback HTTP System. Then kill -9 mid-stream, start it again, and count: every message is
// delivered or dead-lettered exactly once in effect.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationSession } from '../../language/validation-session.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { DeadLetter } from '../../runtime/delivery/dead-letter.ts';
import { natsServerOrSkipReason, REPO_ROOT, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { eventually } from './worker-fixtures.ts';
import { gzipSync } from 'node:zlib';

const NODE = join(REPO_ROOT, 'node_modules/.bin/node');
const CLI = join(REPO_ROOT, 'bin/interlace.mjs');
const SPECS = new URL('./worker-estate/estate.yaml', import.meta.url).pathname;

const prerequisite = await natsServerOrSkipReason();
const skip = 'skip' in prerequisite ? prerequisite.skip : undefined;

/** A WMS that honours Idempotency-Key (a repeated key is a no-op) and refuses orders `BAD…` with 400. */
interface Wms {
  url: string;
  /** order number → the idempotency keys it was acknowledged under. */
  effects: Map<string, Set<string>>;
  calls: number;
  repeatedKeys: number;
  close(): Promise<void>;
}

async function startWms(): Promise<Wms> {
  const keys = new Set<string>();
  const wms: Wms = { url: '', effects: new Map(), calls: 0, repeatedKeys: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      wms.calls++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { orderNo: string };
      // A little latency so that deliveries are in flight when the worker is killed.
      setTimeout(
        () => {
          if (body.orderNo.startsWith('BAD')) {
            res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"unknown warehouse"}');
            return;
          }
          const key = String(req.headers['idempotency-key'] ?? '');
          if (keys.has(key)) wms.repeatedKeys++;
          keys.add(key);
          const set = wms.effects.get(body.orderNo) ?? new Set<string>();
          set.add(key);
          wms.effects.set(body.orderNo, set);
          res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
        },
        2 + (wms.calls % 5),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  wms.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  wms.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return wms;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Generates the worker test estate, its WMS pointed at `wmsUrl`, and keeps only the bundles. */
async function generateBundles(dir: string, wmsUrl: string): Promise<string> {
  const specs = join(dir, 'specs');
  mkdirSync(specs, { recursive: true });
  // The route gets a filter, so the compiled filter runs in the child (samples are not for the WMS).
  const text = readFileSync(SPECS, 'utf8')
    .replace('https://wms.example.com', wmsUrl)
    .replace(
      '  source: { topic: orders.in, contract: order-in@1 }\n',
      `  source: { topic: orders.in, contract: order-in@1 }\n  filter: "!event.orderNumber.startsWith('SAMPLE') && event.quantity > 0"\n`,
    );
  expect(text).toContain('filter:');
  writeFileSync(join(specs, 'estate.yaml'), text);
  const run = new ValidationSession().run([specs]);
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const result = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  expect(result.diagnostics).toEqual([]);
  // Only the bundle directory, as the controller mounts it: no specs, no generated sources beside it.
  const bundles = join(dir, 'bundles');
  for (const [path, text] of result.files) {
    if (!path.startsWith('bundles/')) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  rmSync(specs, { recursive: true, force: true });
  return bundles;
}

/** Records every module the child resolves (node:module registerHooks), written at exit. */
function moduleRecorder(dir: string): { hook: string; out: string } {
  const out = join(dir, 'modules.json');
  const hook = join(dir, 'record-modules.mjs');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
process.on('exit', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify([...seen])));
`,
  );
  return { hook, out };
}

interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startWorkerProcess(args: string[], env: Record<string, string>, hook?: string): Child {
  const child = spawn(NODE, [...(hook ? ['--import', hook] : []), CLI, 'worker', ...args], {
    cwd: tmpdir(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

async function get(url: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url);
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: 0, text: '' };
  }
}

// Skipped only on a developer machine that cannot build the server (no Go), with the reason printed;
// under INTERLACE_REQUIRE_ALL_TIERS=1 (.ci/run) the harness throws instead, so CI never skips this.
describe.skipIf(skip !== undefined)('interlace worker --bundle (child process, real nats-server)', () => {
  let nats: NatsServer;
  let wms: Wms;
  let dir: string;
  let bundleDir: string;
  let backbone: Backbone;
  const children: Child[] = [];

  beforeAll(async () => {
    if (!('binary' in prerequisite)) return;
    nats = await startNatsServer(prerequisite.binary);
    wms = await startWms();
    dir = mkdtempSync(join(tmpdir(), 'interlace-worker-cli-'));
    bundleDir = await generateBundles(dir, wms.url);
    backbone = await openJetStreamBackbone({ servers: nats.url, name: 'worker-cli-test' });
  }, 180_000);

  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    await backbone?.close();
    await wms?.close();
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a unit from its bundle alone; after kill -9 mid-stream and a restart every message is delivered or dead-lettered exactly once', async () => {
    const stateDir = join(dir, 'state');
    const port = await freePort();
    const recorder = moduleRecorder(dir);
    const args = [
      '--bundle',
      bundleDir,
      '--unit',
      'route-order-picking',
      '--nats',
      nats.url,
      '--state-dir',
      stateDir,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--ack-wait',
      '2s',
      '--worker-id',
      'worker-cli-test-0',
      '--grace',
      '5s',
    ];
    const env = { WMS_KEY_API_KEY: 'wms-secret-key' };
    const base = `http://127.0.0.1:${port}`;

    const first = startWorkerProcess(args, env);
    children.push(first);
    await eventually(async () => (await get(`${base}/readyz`)).status === 200, `the worker to be ready:\n${first.output()}`, 30_000);
    expect((await get(`${base}/healthz`)).status).toBe(200);

    await backbone.ensureTopic('orders.in');
    const orders: string[] = [];
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const orderNumber = i % 17 === 5 ? `BAD-${i}` : i % 23 === 7 ? `SAMPLE-${i}` : `ORD-${i}`;
        orders.push(orderNumber);
        await backbone.publish(
          'orders.in',
          Buffer.from(JSON.stringify({ orderNumber, warehouse: 'DE01', quantity: 1 + (i % 3), seq: i })),
          { key: orderNumber, messageId: `order-${i}` },
        );
      }
    };
    const good = () => orders.filter((o) => o.startsWith('ORD'));
    const sampled = () => orders.filter((o) => o.startsWith('SAMPLE'));
    const deadLetters = async () => {
      await backbone.ensureTopic('dlq.order-picking.wms');
      return (await backbone.read('dlq.order-picking.wms', 1, 100_000)).map(
        (m) => JSON.parse(Buffer.from(m.payload).toString('utf8')) as DeadLetter,
      );
    };

    // A first batch end to end: deliveries at the WMS, dead letters for the refused ones, metrics.
    await publish(0, 40);
    await eventually(() => good().every((o) => wms.effects.has(o)), 'the first batch to reach the WMS', 30_000);
    await eventually(
      async () => (await deadLetters()).length === orders.length - good().length - sampled().length,
      'the refused orders to be dead-lettered',
      30_000,
    );
    const metrics = await get(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(
      /interlace_route_messages_total\{[^}]*route="order-picking"[^}]*target="wms"[^}]*outcome="delivered"[^}]*\} 3[0-9]/,
    );
    expect(metrics.text).toMatch(/outcome="dead_lettered"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/target="wms"[^}]*outcome="filtered"[^}]*\} 2\b/);

    // Mid-stream: kill -9 while deliveries are in flight.
    const before = wms.effects.size;
    await publish(40, 440);
    await eventually(() => wms.effects.size >= before + 60, 'the second batch to be under way', 30_000);
    first.process.kill('SIGKILL');
    await first.exited;
    const atKill = wms.effects.size;
    expect(atKill).toBeLessThan(good().length);

    const second = startWorkerProcess(args, env, recorder.hook);
    children.push(second);
    await eventually(
      async () => (await get(`${base}/readyz`)).status === 200,
      `the restarted worker to be ready:\n${second.output()}`,
      30_000,
    );
    await eventually(
      () => good().every((o) => wms.effects.has(o)),
      `every order to reach the WMS (${wms.effects.size}/${good().length})`,
      60_000,
    );
    const bad = orders.filter((o) => o.startsWith('BAD'));
    await eventually(
      async () => new Set((await deadLetters()).map((l) => (l.message.payload as { orderNumber: string }).orderNumber)).size === bad.length,
      'every refused order to be dead-lettered',
      30_000,
    );

    // received = delivered + dead-lettered + filtered out, and no effect twice.
    const letters = await deadLetters();
    const lettered = letters.map((l) => (l.message.payload as { orderNumber: string }).orderNumber);
    expect(new Set(lettered).size).toBe(lettered.length);
    expect([...wms.effects.values()].filter((keys) => keys.size !== 1)).toEqual([]);
    expect(wms.effects.size + lettered.length + sampled().length).toBe(orders.length);
    expect([...wms.effects.keys()].sort()).toEqual(good().sort());
    expect(lettered.sort()).toEqual(bad.sort());
    // The topic target: each event once on orders.archive (the idempotency key is the message id).
    await backbone.ensureTopic('orders.archive');
    const routed = orders.length - sampled().length;
    await eventually(
      async () => (await backbone.read('orders.archive', 1, 100_000)).length >= routed,
      'the archive to hold every routed event',
      30_000,
    );
    const archived = (await backbone.read('orders.archive', 1, 100_000)).map(
      (m) => (JSON.parse(Buffer.from(m.payload).toString('utf8')) as { orderNumber: string }).orderNumber,
    );
    expect(archived.length).toBe(routed);
    expect(new Set(archived).size).toBe(routed);
    expect(archived.filter((o) => o.startsWith('SAMPLE'))).toEqual([]);
    console.log(
      `worker-cli: ${orders.length} events, ${wms.effects.size} delivered (${atKill} before kill -9), ${lettered.length} dead-lettered, ${sampled().length} filtered out, ${wms.calls} WMS calls, ${wms.repeatedKeys} repeated Idempotency-Key call(s) after the crash`,
    );

    // Graceful shutdown on SIGTERM: exit 0.
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain('worker stopped');

    // The worker that ran the bundle never loaded the CEL library: filters are compiled into bundles.
    const modules = JSON.parse(readFileSync(recorder.out, 'utf8')) as string[];
    expect(modules.some((m) => m.includes('/runtime/worker/start-worker.ts'))).toBe(true);
    expect(modules.filter((m) => m.includes('@bufbuild/cel') || m.includes('/controller/validate/'))).toEqual([]);
    for (const file of readdirSync(bundleDir).filter((f) => f.endsWith('.js')))
      expect(readFileSync(join(bundleDir, file), 'utf8')).not.toContain('@bufbuild');
  }, 240_000);

  it('exits 2 with a clear message on a bad bundle (hash mismatch, missing file, no bundle)', async () => {
    const run = async (dirArg: string) => {
      const child = startWorkerProcess(['--bundle', dirArg, '--nats', nats.url, '--port', '0', '--state-dir', join(dir, 'state-bad')], {});
      children.push(child);
      return { code: await child.exited, output: child.output() };
    };
    const tampered = join(dir, 'tampered');
    cpSync(bundleDir, tampered, { recursive: true });
    writeFileSync(
      join(tampered, 'route-order-picking.js'),
      `${readFileSync(join(tampered, 'route-order-picking.js'), 'utf8')}\n// changed\n`,
    );
    const mismatch = await run(tampered);
    expect(mismatch.code).toBe(2);
    expect(mismatch.output).toMatch(/bad bundle: bundle .*route-order-picking\.js does not match its manifest/);

    unlinkSync(join(tampered, 'route-order-picking.js'));
    const missing = await run(tampered);
    expect(missing.code).toBe(2);

    // A mounted bundle whose gzip is cut off is refused with the file named, before anything runs.
    const cut = join(dir, 'cut-mount');
    mkdirSync(cut);
    writeFileSync(join(cut, 'bundle.js.gz'), gzipSync(readFileSync(join(bundleDir, 'api-pick-status-v1.js'))).subarray(0, 2_000));
    cpSync(join(bundleDir, 'api-pick-status-v1.manifest.json'), join(cut, 'manifest.json'));
    const truncated = await run(cut);
    expect(truncated.code).toBe(2);
    expect(truncated.output).toMatch(/bad bundle: bundle .*cut-mount\/bundle\.js\.gz of unit api-pick-status-v1 cannot be decompressed/);
    expect(missing.output).toMatch(/bad bundle: bundle file .*route-order-picking\.js of unit route-order-picking is missing/);

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const none = await run(empty);
    expect(none.code).toBe(2);
    expect(none.output).toContain('holds no bundle manifest');
    expect(existsSync(join(dir, 'state-bad'))).toBe(false);
  }, 60_000);

  it('runs a unit from a ConfigMap-style mount (bundle.js.gz + manifest.json, as the plan writes it) with the embedded backbone', async () => {
    const mount = join(dir, 'mount');
    mkdirSync(mount);
    writeFileSync(join(mount, 'bundle.js.gz'), gzipSync(readFileSync(join(bundleDir, 'api-pick-status-v1.js'))));
    cpSync(join(bundleDir, 'api-pick-status-v1.manifest.json'), join(mount, 'manifest.json'));
    const port = await freePort();
    const child = startWorkerProcess(
      ['--bundle', mount, '--state-dir', join(dir, 'state-mount'), '--port', String(port), '--host', '127.0.0.1'],
      { PICK_STATUS_KEYS_KEYS: 'dealer-1:k1' },
    );
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await eventually(async () => (await get(`${base}/readyz`)).status === 200, `the API worker to be ready:\n${child.output()}`, 30_000);
    const res = await fetch(`${base}/pick-status/v1/picks/ORD-1`, { headers: { 'x-api-key': 'k1' } });
    // The view is empty in this fresh store: the API answers from its bundle's specs (auth, deprecation).
    expect(res.status).toBe(404);
    expect(res.headers.get('deprecation')).toBeTruthy();
    expect((await fetch(`${base}/pick-status/v1/picks/ORD-1`)).status).toBe(401);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  }, 60_000);
});
