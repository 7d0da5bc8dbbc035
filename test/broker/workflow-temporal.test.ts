// The workflow engine contract (workflow-contract.ts) on Temporal: a real Temporal dev server
// (tools/temporal-dev-server, SQLite in a temporary file) per block, the contract's programs bundled once
// into the workflow sandbox, run in an Estate scope as the controller's workers are (scope.ts: every task
// queue and workflow id `<scope>/…`; the server-kill block runs unscoped, as `interlace worker` without one), a real HTTP System and a node:sqlite backbone; the restart cases run the worker
// in child processes (harness/temporal-worker-process.ts) and SIGKILL them. Then what only Temporal has: the
// server itself killed mid-wait, restarted on the same file, and the execution goes on; business outcomes
// in visibility (the FAILED column); and a mailbox forward that reached a wait after it timed out.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalExecutionCounter } from '../../controller/reconcile/workflow-executions.ts';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { createTracer } from '../../runtime/observe/trace.ts';
import type { Tracer } from '../../runtime/observe/trace.ts';
import type { WorkflowEngine } from '../../runtime/workflow/engine.ts';
import { bundleWorkflows } from '../../runtime/workflow/temporal/bundle.ts';
import { type TemporalWorker, TemporalWorkflowEngine, startTemporalWorker } from '../../runtime/workflow/temporal/temporal-engine.ts';
import { waitFor } from './backbone-contract.ts';
import { type TemporalServer, startTemporalServer, temporalOrSkipReason } from './harness/temporal-server.ts';
import { type WorkflowEngineFixture, type WorkerProcess, describeWorkflowEngine } from './workflow-contract.ts';
import { PROGRAMS } from './workflow-contract-programs.ts';
import { contractActivities } from './workflow-contract-activities.ts';

const WORKER = fileURLToPath(new URL('./harness/temporal-worker-process.ts', import.meta.url));
const PROGRAMS_MODULE = fileURLToPath(new URL('./workflow-contract-programs.ts', import.meta.url));
/** A killed worker's executions move to another worker after this long (Temporal's default is 10 s). */
const STICKY_TIMEOUT_MS = 1_000;

const found = await temporalOrSkipReason();
const skip = 'skip' in found ? found.skip : undefined;

/** The bundle is the same for every block: built once per test file (webpack takes seconds). */
let bundle: Promise<string> | undefined;
const workflowBundle = (): Promise<string> => {
  bundle ??= bundleWorkflows({ programModules: [{ path: PROGRAMS_MODULE, exportName: 'PROGRAMS' }] });
  return bundle;
};

interface TemporalFixture extends WorkflowEngineFixture {
  readonly server: TemporalServer;
  /** The task queue the fixture's workers poll, unscoped (the controller counts executions per task queue and scope). */
  readonly taskQueue: string;
  readonly scope: string | undefined;
}

async function temporalFixture(
  systemUrl: string,
  options: { scoped: boolean } = { scoped: true },
  tracer: Tracer = createTracer(),
): Promise<TemporalFixture> {
  if (!('binary' in found)) throw new Error(found.skip);
  const dir = await mkdtemp(join(tmpdir(), 'interlace-wf-temporal-'));
  const server = await startTemporalServer(found.binary);
  const scope = options.scoped ? `contract.estate-${randomUUID().slice(0, 8)}` : undefined;
  const connection = {
    address: server.address,
    namespace: server.namespace,
    taskQueue: `contract-${randomUUID()}`,
    ...(scope ? { scope } : {}),
  };
  const code = await workflowBundle();
  const bundlePath = join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, code);
  const backbonePath = join(dir, 'backbone.db');
  let backbone: Backbone | undefined;
  const sharedBackbone = async (): Promise<Backbone> => {
    backbone ??= await openSqliteBackbone({ path: backbonePath });
    return backbone;
  };
  const engines: WorkflowEngine[] = [];
  const workers: TemporalWorker[] = [];
  const children = new Set<ReturnType<typeof spawn>>();
  const client = async (): Promise<WorkflowEngine> => {
    const engine = await TemporalWorkflowEngine.connect(connection, PROGRAMS);
    engines.push(engine);
    return engine;
  };
  return {
    server,
    taskQueue: connection.taskQueue,
    scope,
    async open() {
      workers.push(
        await startTemporalWorker({
          ...connection,
          bundle: { code },
          activities: contractActivities(systemUrl, await sharedBackbone(), tracer),
          stickyQueueScheduleToStartTimeoutMs: STICKY_TIMEOUT_MS,
        }),
      );
      return client();
    },
    client,
    async spawnWorker(): Promise<WorkerProcess> {
      const args = [
        WORKER,
        connection.address,
        connection.namespace,
        connection.taskQueue,
        bundlePath,
        backbonePath,
        systemUrl,
        ...(scope ? [scope] : []),
      ];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve();
        });
        child.once('exit', (code, signal) =>
          reject(new Error(`the worker process exited (${code ?? signal}) before it was ready: ${stderr}`)),
        );
      });
      return {
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
          children.delete(child);
        },
      };
    },
    async published(topic) {
      const messages = await (await sharedBackbone()).read(topic, 1, 10_000).catch(() => []);
      return messages.map((m) => JSON.parse(Buffer.from(m.payload).toString('utf8')));
    },
    async publishedHeaders(topic) {
      const messages = await (await sharedBackbone()).read(topic, 1, 10_000).catch(() => []);
      return messages.map((m) => m.headers);
    },
    async close() {
      for (const child of children) child.kill('SIGKILL');
      for (const worker of workers) await worker.shutdown();
      for (const engine of engines) await engine.close();
      await backbone?.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeWorkflowEngine('Temporal (dev server, SQLite)', ({ systemUrl, tracer }) => temporalFixture(systemUrl, { scoped: true }, tracer), {
  skip,
});

// What only a server-backed engine has to survive: the server itself killed (SIGKILL, nothing flushed)
// while an execution waits on a timer, down past the deadline, restarted on the same SQLite file. The
// worker stays up and reconnects; the timer fires and the execution ends on its timeout branch, with
// the call before the kill made once.
describe.skipIf(skip !== undefined)('Temporal: the server killed mid-wait and restarted', () => {
  let fixture: TemporalFixture;
  let engine: WorkflowEngine;
  let system: { url: string; paths: string[]; close(): Promise<void> };

  beforeAll(async () => {
    const paths: string[] = [];
    const http = createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    system = {
      url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
      paths,
      close: () =>
        new Promise<void>((resolve) => {
          http.closeAllConnections();
          http.close(() => resolve());
        }),
    };
    fixture = await temporalFixture(system.url, { scoped: false });
    engine = await fixture.open();
  });
  afterAll(async () => {
    await fixture?.close();
    await system?.close();
  });

  it('a timer that comes due while the server is down fires after its restart', async () => {
    const key = `srv-${randomUUID().slice(0, 8)}`;
    const id = (await engine.start('contract-timer@1', { orderNo: key })).executionId;
    await waitFor(
      `${id} to reach confirm`,
      async () => (await engine.show(id))?.history.some((e) => e.step === 'confirm') ?? false,
      30_000,
    );
    await fixture.server.kill();
    // The wait's 3 s deadline passes while the server is down.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await fixture.server.restart();
    let status: string | undefined;
    await waitFor(
      `${id} to end after the restart`,
      async () => {
        status = (await engine.show(id).catch(() => undefined))?.status;
        return status !== undefined && status !== 'running';
      },
      60_000,
    );
    expect(status).toBe('escalated');
    expect(system.paths.filter((p) => p.endsWith(`/${key}`))).toEqual([`/before/${key}`, `/timed-out/${key}`]);
  }, 120_000);
});

/** `waitFor` at 500 ms a poll, for checks that ask Temporal's visibility (rate-limited per namespace). */
async function slowly(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A System for the blocks below: `/fail/…` answers 400, `/slow/…` waits while `hold` is set, the rest 200. */
async function smallSystem(): Promise<{ url: string; paths: string[]; hold: boolean; release(): void; close(): Promise<void> }> {
  const paths: string[] = [];
  const held: (() => void)[] = [];
  const http = createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      const answer = () => {
        const failing = (req.url ?? '').startsWith('/fail/');
        res.writeHead(failing ? 400 : 200, { 'content-type': 'application/json' });
        res.end(failing ? '{"error":"refused"}' : '{"ok":true}');
      };
      if (system.hold && (req.url ?? '').startsWith('/slow/')) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const system = {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    paths,
    hold: false,
    release() {
      system.hold = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  return system;
}

// Temporal closes every business outcome as Completed (the workflow ran fine); the workflow upserts its
// outcome into the InterlaceStatus search attribute, which the engine registered at start-up, so the
// controller's FAILED column (controller/reconcile/workflow-executions.ts, counted here on the same
// server) counts an `end: failed` and a failed step too — not `escalated` or `compensated`, which the spec chose.
describe.skipIf(skip !== undefined)(
  'Temporal: business outcomes in visibility (the FAILED column), and mailbox forwards that crossed a timeout',
  () => {
    let fixture: TemporalFixture;
    let engine: WorkflowEngine;
    let system: Awaited<ReturnType<typeof smallSystem>>;
    let connection: Connection;
    let counter: TemporalExecutionCounter;

    beforeAll(async () => {
      system = await smallSystem();
      fixture = await temporalFixture(system.url);
      engine = await fixture.open();
      connection = await Connection.connect({ address: fixture.server.address });
      // The counter reads Secrets only for mTLS or an API key: none here.
      counter = new TemporalExecutionCounter(undefined as never, { timeoutMs: 15_000 });
    });
    afterAll(async () => {
      await counter?.close();
      await connection?.close();
      await fixture?.close();
      await system?.close();
    });

    it('counts executions that ended failed (an end: failed step, a failed step) with those Temporal failed', async () => {
      const tag = randomUUID().slice(0, 8);
      const ids = {
        rejected: (await engine.start('contract-approval@1', { orderNo: `rej-${tag}` })).executionId,
        saga: (await engine.start('contract-saga@1', { orderNo: `saga-${tag}` })).executionId,
        undone: (await engine.start('contract-undo@1', { orderNo: `undo-${tag}` })).executionId,
        late: (await engine.start('contract-deadline@1', { orderNo: `late-${tag}` })).executionId,
        fine: (await engine.start('contract-order@1', { orderNo: `fine-${tag}` })).executionId,
        terminated: (await engine.start('contract-confirm@1', { orderNo: `term-${tag}` })).executionId,
      };
      await engine.signal(ids.rejected, 'decision', { decision: 'reject', by: 'bob' });
      // Its Temporal workflow id is the execution id behind the Estate's scope.
      await new Client({ connection, namespace: fixture.server.namespace }).workflow
        .getHandle(`${fixture.scope}/${ids.terminated}`)
        .terminate('an operator ended it');
      const statuses = async () => new Map((await engine.list()).map((e) => [e.id, e.status]));
      // Polled slowly: visibility calls count against the namespace's rate limit.
      await slowly('every execution to end', async () => [...(await statuses()).values()].every((s) => s !== 'running'), 60_000);
      // `interlace workflow list` shows the business outcome.
      const seen = await statuses();
      expect(Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, seen.get(id)]))).toEqual({
        rejected: 'failed',
        saga: 'failed',
        undone: 'compensated',
        late: 'escalated',
        fine: 'completed',
        terminated: 'failed',
      });
      // Visibility trails the executions by a moment.
      let counts: unknown;
      await slowly(
        'the counts to show three failed',
        async () => {
          const result = await counter.count(
            'unused',
            { address: fixture.server.address, namespace: fixture.server.namespace },
            fixture.scope!,
            [fixture.taskQueue],
          );
          counts = result.ok ? result.counts.get(fixture.taskQueue) : result.reason;
          return (counts as { failed?: number } | undefined)?.failed === 3;
        },
        30_000,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; last counts: ${JSON.stringify(counts)}`);
      });
      expect(counts).toEqual({ running: 0, failed: 3 });
      // The engine registered the attribute on the namespace when it connected.
      expect((engine as TemporalWorkflowEngine).statusAttribute).toBe(true);
    }, 120_000);

    // The mailbox forwards an event to the oldest claim; when that wait times out at the same moment, the
    // forward and the unclaim cross and the event reaches an execution whose wait is over. Forced here by
    // sending what the mailbox sends (the event, as the signal named after the address) to an execution
    // whose wait timed out: it goes back to the mailbox and the next wait on the address — another
    // execution's — takes it, as on the embedded engine, where events stay at their address.
    it('match: an event forwarded to a wait that has timed out goes back to the mailbox for the next wait', async () => {
      const po = `PO-${randomUUID().slice(0, 8)}`;
      const address = `contract-rematch@1/~contract.rematch/${po}`;
      const a = `fa-${randomUUID().slice(0, 8)}`;
      const b = `fb-${randomUUID().slice(0, 8)}`;
      system.hold = true;
      try {
        const idA = (await engine.start('contract-rematch@1', { orderNo: a, po, short: true })).executionId;
        await waitFor('the short wait to time out', () => system.paths.includes(`/slow/${a}`), 30_000);
        // What a mailbox sends when its forward crossed the unclaim.
        await engine.signal(idA, address, { poNumber: po, n: 1 });
        const idB = (await engine.start('contract-rematch@1', { orderNo: b, po })).executionId;
        let detail: Awaited<ReturnType<WorkflowEngine['show']>>;
        await waitFor(
          `${idB} to end`,
          async () => {
            detail = await engine.show(idB);
            return detail !== undefined && detail.status !== 'running';
          },
          30_000,
        );
        expect(detail!).toMatchObject({ status: 'completed', state: { confirmation: { poNumber: po, n: 1 } } });
        system.release();
        await waitFor(`${idA} to end`, async () => (await engine.show(idA))?.status === 'escalated', 30_000);
      } finally {
        system.release();
      }
    }, 120_000);
  },
);
