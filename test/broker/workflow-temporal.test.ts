// The workflow engine contract (workflow-contract.ts) on Temporal: a real Temporal dev server
// (tools/temporal-dev-server, SQLite in a temporary file) per block, the contract's programs bundled once
// into the workflow sandbox, a real HTTP System and a node:sqlite backbone; the restart cases run the worker
// in child processes (harness/temporal-worker-process.ts) and SIGKILL them. Then what only Temporal has: the
// server itself killed mid-wait, restarted on the same file, and the execution goes on.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import type { WorkflowEngine } from '../../runtime/workflow/engine.ts';
import { bundleWorkflows } from '../../runtime/workflow/temporal/bundle.ts';
import { type TemporalWorker, TemporalWorkflowEngine, startTemporalWorker } from '../../runtime/workflow/temporal/temporal-engine.ts';
import { waitFor } from './backbone-contract.ts';
import { type TemporalServer, startTemporalServer, temporalOrSkipReason } from './harness/temporal-server.ts';
import { type WorkflowEngineFixture, type WorkerProcess, describeWorkflowEngine } from './workflow-contract.ts';
import { PROGRAMS, contractActivities } from './workflow-contract-programs.ts';

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
}

async function temporalFixture(systemUrl: string): Promise<TemporalFixture> {
  if (!('binary' in found)) throw new Error(found.skip);
  const dir = await mkdtemp(join(tmpdir(), 'interlace-wf-temporal-'));
  const server = await startTemporalServer(found.binary);
  const connection = { address: server.address, namespace: server.namespace, taskQueue: `contract-${randomUUID()}` };
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
    async open() {
      workers.push(
        await startTemporalWorker({
          ...connection,
          bundle: { code },
          activities: contractActivities(systemUrl, await sharedBackbone()),
          stickyQueueScheduleToStartTimeoutMs: STICKY_TIMEOUT_MS,
        }),
      );
      return client();
    },
    client,
    async spawnWorker(): Promise<WorkerProcess> {
      const args = [WORKER, connection.address, connection.namespace, connection.taskQueue, bundlePath, backbonePath, systemUrl];
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

describeWorkflowEngine('Temporal (dev server, SQLite)', ({ systemUrl }) => temporalFixture(systemUrl), { skip });

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
    fixture = await temporalFixture(system.url);
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
