// `interlace worker` running a Workflow unit on Temporal, as the controller's Deployments run it: child
// processes started from the generated bundle directory alone, in an Estate scope ($INTERLACE_TEMPORAL_SCOPE), against a real Temporal dev server
// (tools/temporal-dev-server), a real nats-server (the event feed) and a loopback WMS that counts effects
// by Idempotency-Key. Two workers poll one task queue; the one that ran an execution up to its wait is
// killed with SIGKILL, and the other finishes it. Then one worker killed mid-wait and restarted, with the
// awaited event published while no worker runs. No step is lost or repeated: each call reaches the WMS
// once, under `<execution id>/<step>`. And a worker whose Temporal server does not answer says so on
// /readyz instead of crash-looping. And a rollout to a new minor version mid-wait: the new worker, which
// bundles only the new version, finishes the execution with the step the new version added. And a trigger
// published while the Temporal server is down is kept and starts its execution once it is back.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import type { WorkflowProgram } from '../../language/workflow/workflow-ir.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { TemporalWorkflowEngine } from '../../runtime/workflow/temporal/temporal-engine.ts';
import { natsServerOrSkipReason, REPO_ROOT, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { startTemporalServer, temporalOrSkipReason } from './harness/temporal-server.ts';
import type { TemporalServer } from './harness/temporal-server.ts';
import { startTargetServer } from './worker-fixtures.ts';
import type { TargetServer } from './worker-fixtures.ts';

const NODE = join(REPO_ROOT, 'node_modules/.bin/node');
const CLI = join(REPO_ROOT, 'bin/interlace.mjs');
const SPECS = new URL('../fixtures/workflow-worker/estate.yaml', import.meta.url).pathname;
const UNIT = 'workflow-order-flow-v1';
/** The scope the controller gives the Estate `shop` in the namespace `orders` (controller/plan/temporal-env.ts). */
const SCOPE = 'orders.shop';

const nats = await natsServerOrSkipReason();
const temporal = await temporalOrSkipReason();
const skip = 'skip' in nats ? nats.skip : 'skip' in temporal ? temporal.skip : undefined;

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

/** Polls `check` every 200 ms (each poll asks a server) until it holds; generous deadlines for a loaded machine. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

/** The test estate generated with the WMS at `wmsUrl`; only the bundle directory is kept, as the controller mounts it. */
async function generateBundles(dir: string, wmsUrl: string, change: (text: string) => string = (t) => t): Promise<string> {
  const specs = join(dir, 'specs');
  mkdirSync(specs, { recursive: true });
  writeFileSync(join(specs, 'estate.yaml'), change(readFileSync(SPECS, 'utf8').replace('https://wms.example.com', wmsUrl)));
  const run = new ValidationSession().run([specs]);
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const result = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  expect(result.diagnostics).toEqual([]);
  for (const [path, text] of result.files) {
    if (!path.startsWith('bundles/')) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  rmSync(specs, { recursive: true, force: true });
  return join(dir, 'bundles');
}

interface WorkerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  kill(): Promise<void>;
}

/**
 * Version 1.1.0 of the workflow: a step added after `ship` (additive within the major, which `interlace
 * check` accepts with a minor bump).
 */
function withNotifyStep(text: string): string {
  const ship = `    - id: ship\n      call: { system: wms, method: POST, path: /shipments, request: "{'orderNo': input.orderNo}" }\n`;
  if (!text.includes(ship) || !text.includes('  version: 1.0.0\n  owner: team-test\n  trigger:')) throw new Error('the fixture changed');
  return text
    .replace('  version: 1.0.0\n  owner: team-test\n  trigger:', '  version: 1.1.0\n  owner: team-test\n  trigger:')
    .replace(
      ship,
      `${ship}    - id: notify\n      call: { system: wms, method: POST, path: /notifications, request: "{'orderNo': input.orderNo}" }\n`,
    );
}

/** `interlace worker --unit workflow-order-flow-v1` in a child process; resolves once it listens. */
async function spawnWorker(args: { bundleDir: string; stateDir: string; nats?: string; temporal: string }): Promise<WorkerProcess> {
  const port = await freePort();
  const child = spawn(
    NODE,
    [
      CLI,
      'worker',
      '--bundle',
      args.bundleDir,
      '--unit',
      UNIT,
      '--state-dir',
      args.stateDir,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--temporal',
      args.temporal,
      // A killed worker's executions move to another worker after 1 s instead of Temporal's 10 s.
      '--temporal-sticky-timeout',
      '1s',
      ...(args.nats ? ['--nats', args.nats] : []),
    ],
    // The Estate scope the controller's Deployments set (runtime/workflow/temporal/scope.ts).
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, INTERLACE_TEMPORAL_ADDRESS: '', INTERLACE_TEMPORAL_SCOPE: SCOPE } },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await until(
    `worker on ${port} to listen`,
    async () => {
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}): ${output}`);
      return (
        (await fetch(`${url}/healthz`)
          .then((r) => r.ok)
          .catch(() => false)) || undefined
      );
    },
    60_000,
  ).catch((error: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n${output}`);
  });
  return {
    url,
    child,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function readiness(worker: WorkerProcess): Promise<{ status: number; checks: Record<string, { ok: boolean; detail?: string }> }> {
  const res = await fetch(`${worker.url}/readyz`);
  return { status: res.status, checks: ((await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> }).checks };
}

/** Ready means the workflows run: the Temporal worker polls and the event feed consumes (bundling takes seconds). */
async function ready(worker: WorkerProcess): Promise<void> {
  await until(
    'the worker to be ready',
    async () => {
      if (worker.child.exitCode !== null) throw new Error(`the worker exited: ${worker.output()}`);
      return (await readiness(worker)).status === 200 || undefined;
    },
    120_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${worker.output()}`);
  });
}

describe.skipIf(skip !== undefined)('interlace worker: a Workflow unit on Temporal', () => {
  let dir: string;
  let bundleDir: string;
  let natsServer: NatsServer;
  let server: TemporalServer;
  let wms: TargetServer;
  let backbone: JetStreamBackbone;
  let engine: TemporalWorkflowEngine;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    if (!('binary' in nats) || !('binary' in temporal)) throw new Error('unreachable');
    dir = mkdtempSync(join(tmpdir(), 'interlace-worker-temporal-'));
    wms = await startTargetServer(() => ({ status: 201, body: { ok: true } }));
    bundleDir = await generateBundles(dir, wms.url);
    [natsServer, server] = await Promise.all([startNatsServer(nats.binary), startTemporalServer(temporal.binary)]);
    backbone = await openJetStreamBackbone({ servers: [natsServer.url], name: 'worker-temporal-test' });
    const module = (await import(pathToFileURL(join(bundleDir, `${UNIT}.js`)).href)) as { program: WorkflowProgram };
    // The test's client reads executions on the worker's task queue (the unit id, unless configured) in its scope.
    engine = await TemporalWorkflowEngine.connect({ address: server.address, namespace: server.namespace, taskQueue: UNIT, scope: SCOPE }, [
      module.program,
    ]);
  }, 300_000);

  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await engine?.close();
    await backbone?.close();
    await server?.close();
    await natsServer?.stop();
    await wms?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = async (name: string, bundles = bundleDir) => {
    const worker = await spawnWorker({ bundleDir: bundles, stateDir: join(dir, name), nats: natsServer.url, temporal: server.address });
    workers.push(worker);
    await ready(worker);
    return worker;
  };
  const publish = (topic: string, event: unknown) => backbone.publish(topic, Buffer.from(JSON.stringify(event)));
  const atWait = (id: string) =>
    until(
      `${id} to wait for its confirmation`,
      async () => ((await engine.show(id))?.activeSteps?.includes('await-confirmation') ? true : undefined),
      120_000,
    );
  const ended = (id: string) =>
    until(
      `${id} to end`,
      async () => {
        const detail = await engine.show(id);
        return detail && detail.status !== 'running' ? detail : undefined;
      },
      180_000,
    );
  /** WMS requests under one idempotency key. */
  const calls = (key: string) => wms.requests.filter((r) => r.headers['idempotency-key'] === key).map((r) => r.path);

  it('the worker that ran an execution to its wait is killed; the other worker finishes it, each step once', async () => {
    const first = await start('first');
    await backbone.ensureTopic('wf.orders');
    await backbone.ensureTopic('wf.confirmations');
    await publish('wf.orders', { orderNo: 'A-1', sku: 'SKU-1' });
    const id = 'order-flow@1/A-1';
    await atWait(id);
    const second = await start('second');
    await first.kill();
    await publish('wf.confirmations', { orderNo: 'A-1', status: 'confirmed' });
    const detail = await ended(id);
    expect(detail.status).toBe('completed');
    expect(calls(`${id}/reserve`)).toEqual(['/reservations']);
    expect(calls(`${id}/ship`)).toEqual(['/shipments']);
    expect(wms.requests.filter((r) => (r.body as { orderNo?: string }).orderNo === 'A-1')).toHaveLength(2);
    expect(second.child.exitCode).toBeNull();
    await second.kill();
  }, 600_000);

  it('a worker killed mid-wait and restarted on the same state finishes; the event sent while it was down is kept', async () => {
    const worker = await start('restarted');
    await publish('wf.orders', { orderNo: 'B-1', sku: 'SKU-2' });
    const id = 'order-flow@1/B-1';
    await atWait(id);
    await worker.kill();
    await publish('wf.confirmations', { orderNo: 'B-1', status: 'confirmed' });
    await start('restarted');
    const detail = await ended(id);
    expect(detail.status).toBe('completed');
    expect(calls(`${id}/reserve`)).toEqual(['/reservations']);
    expect(calls(`${id}/ship`)).toEqual(['/shipments']);
  }, 600_000);

  it('a rollout to a new minor mid-wait: the worker of the new version replays the execution and runs the step it added', async () => {
    // Only this test's workers poll the task queue: the earlier tests' v1.0.0 workers are stopped.
    for (const worker of workers.splice(0)) await worker.kill();
    const v110 = await generateBundles(join(dir, 'v1.1.0'), wms.url, withNotifyStep);
    const old = await start('rollout-old');
    await publish('wf.orders', { orderNo: 'C-1', sku: 'SKU-3' });
    const id = 'order-flow@1/C-1';
    await atWait(id);
    // The rolling update: the new pod is ready, then the old one goes (SIGKILL: nothing handed over).
    await start('rollout-new', v110);
    await old.kill();
    await publish('wf.confirmations', { orderNo: 'C-1', status: 'confirmed' });
    const detail = await ended(id);
    expect(detail.status).toBe('completed');
    expect(calls(`${id}/reserve`)).toEqual(['/reservations']);
    expect(calls(`${id}/ship`)).toEqual(['/shipments']);
    expect(calls(`${id}/notify`)).toEqual(['/notifications']);
  }, 600_000);

  it('a trigger that arrives while the Temporal server is down starts its execution once the server is back', async () => {
    for (const worker of workers.splice(0)) await worker.kill();
    const worker = await start('outage');
    await server.kill();
    await publish('wf.orders', { orderNo: 'D-1', sku: 'SKU-4' });
    // The feed could not start the execution: the event is nak'ed, not termed (it would be lost).
    await until(
      'the worker to put the trigger back',
      async () => (worker.output().includes('workflow event not taken; it comes again') ? true : undefined),
      120_000,
    );
    await server.restart();
    const id = 'order-flow@1/D-1';
    await atWait(id);
    await publish('wf.confirmations', { orderNo: 'D-1', status: 'confirmed' });
    expect((await ended(id)).status).toBe('completed');
    expect(calls(`${id}/reserve`)).toEqual(['/reservations']);
    expect(calls(`${id}/ship`)).toEqual(['/shipments']);
  }, 600_000);

  it('a Temporal server that does not answer: /readyz 503 naming it, the process stays up and keeps trying', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const worker = await spawnWorker({ bundleDir, stateDir: join(dir, 'unreachable'), temporal: closed });
    workers.push(worker);
    const answer = await until(
      'readiness to name the Temporal server',
      async () => {
        const r = await readiness(worker);
        return r.checks.workflows?.detail?.includes('cannot run workflows on Temporal') ? r : undefined;
      },
      120_000,
    );
    expect(answer.status).toBe(503);
    expect(answer.checks.workflows!.detail).toContain(closed);
    expect(worker.child.exitCode).toBeNull();
    await worker.kill();
  }, 300_000);
});
