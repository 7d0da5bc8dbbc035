// Two Estates on one Temporal namespace (one dev server, the `default` namespace), as two Estates of one
// cluster share it: each runs the same Workflow unit — the same program, the same unit id and so the same
// task queue name — with its own worker, its own System and its own backbone, in its own scope
// (runtime/workflow/temporal/scope.ts; the controller sets `<namespace>.<estate>`). The same business key
// started in both is two executions, each run by its own Estate's worker: its call reaches its own System
// only, its event goes to its own backbone, a `wait` with `match` takes its own Estate's event from its own
// mailbox; each engine lists only its own executions, and the controller's counts for one scope do not
// count the other. Without the scope the second start is refused as already started, and the workers poll
// each other's tasks.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalExecutionCounter } from '../../controller/reconcile/workflow-executions.ts';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { createTracer } from '../../runtime/observe/trace.ts';
import type { ExecutionDetail } from '../../runtime/workflow/engine.ts';
import { bundleWorkflows } from '../../runtime/workflow/temporal/bundle.ts';
import { type TemporalWorker, TemporalWorkflowEngine, startTemporalWorker } from '../../runtime/workflow/temporal/temporal-engine.ts';
import { waitFor } from './backbone-contract.ts';
import { type TemporalServer, startTemporalServer, temporalOrSkipReason } from './harness/temporal-server.ts';
import { contractActivities } from './workflow-contract-activities.ts';
import { PROGRAMS } from './workflow-contract-programs.ts';

const PROGRAMS_MODULE = fileURLToPath(new URL('./workflow-contract-programs.ts', import.meta.url));
/** The unit id, the same in both Estates: the task queue name before the scope. */
const UNIT = 'workflow-contract-v1';

const found = await temporalOrSkipReason();
const skip = 'skip' in found ? found.skip : undefined;

/** One Estate: its scope, its System (answers name the Estate), its backbone, its worker and engine. */
interface Estate {
  readonly scope: string;
  readonly paths: string[];
  readonly backbone: Backbone;
  readonly engine: TemporalWorkflowEngine;
  close(): Promise<void>;
}

async function system(name: string): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const http = createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ estate: name }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

async function estate(server: TemporalServer, code: string, dir: string, scope: string, name: string): Promise<Estate> {
  const sys = await system(name);
  const backbone = await openSqliteBackbone({ path: join(dir, `${name}-backbone.db`) });
  const connection = { address: server.address, namespace: server.namespace, taskQueue: UNIT, scope };
  let worker: TemporalWorker | undefined;
  try {
    worker = await startTemporalWorker({
      ...connection,
      bundle: { code },
      activities: contractActivities(sys.url, backbone, createTracer()),
    });
    const engine = await TemporalWorkflowEngine.connect(connection, PROGRAMS);
    return {
      scope,
      paths: sys.paths,
      backbone,
      engine,
      async close() {
        await engine.close();
        await worker!.shutdown();
        await backbone.close();
        await sys.close();
      },
    };
  } catch (error) {
    await worker?.shutdown();
    await backbone.close();
    await sys.close();
    throw error;
  }
}

async function finished(e: Estate, id: string): Promise<ExecutionDetail> {
  let detail: ExecutionDetail | undefined;
  await waitFor(
    `${e.scope}: ${id} to end`,
    async () => {
      detail = await e.engine.show(id);
      return detail !== undefined && detail.status !== 'running';
    },
    60_000,
  );
  return detail!;
}

/** `waitFor` at 500 ms a poll, for checks that ask Temporal's visibility (rate-limited per namespace). */
async function slowly<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await check().catch((error: unknown) => {
      last = error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe.skipIf(skip !== undefined)('Temporal: two Estates in one namespace, each in its scope', () => {
  let server: TemporalServer;
  let dir: string;
  let eu: Estate;
  let us: Estate;
  let connection: Connection;
  let counter: TemporalExecutionCounter;
  const key = `4711-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    if (!('binary' in found)) throw new Error(found.skip);
    dir = await mkdtemp(join(tmpdir(), 'interlace-wf-scopes-'));
    server = await startTemporalServer(found.binary);
    const code = await bundleWorkflows({ programModules: [{ path: PROGRAMS_MODULE, exportName: 'PROGRAMS' }] });
    // The controller's scopes of `shop/estate-eu` and `shop-us/estate-us`.
    eu = await estate(server, code, dir, 'shop.estate-eu', 'eu');
    us = await estate(server, code, dir, 'shop-us.estate-us', 'us');
    connection = await Connection.connect({ address: server.address });
    // The counter reads Secrets only for mTLS or an API key: none here.
    counter = new TemporalExecutionCounter(undefined as never, { timeoutMs: 15_000 });
  }, 180_000);

  afterAll(async () => {
    await counter?.close();
    await connection?.close();
    await eu?.close();
    await us?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the same business key in both: two executions, each run by its own worker against its own System and backbone', async () => {
    const started = [
      await eu.engine.start('contract-order@1', { orderNo: key }),
      await us.engine.start('contract-order@1', { orderNo: key }),
    ];
    // The Interlace execution id is the same in both Estates; neither start is refused as already started.
    expect(started).toEqual([
      { executionId: `contract-order@1/${key}`, started: true },
      { executionId: `contract-order@1/${key}`, started: true },
    ]);
    const id = `contract-order@1/${key}`;
    const [doneEu, doneUs] = [await finished(eu, id), await finished(us, id)];
    expect(doneEu).toMatchObject({ id, status: 'completed', state: { credit: { estate: 'eu' } } });
    expect(doneUs).toMatchObject({ id, status: 'completed', state: { credit: { estate: 'us' } } });
    // Each Estate's System saw its own execution's call once, and nothing of the other's.
    expect(eu.paths).toEqual([`/credit/${key}`]);
    expect(us.paths).toEqual([`/credit/${key}`]);
    // Each execution's event went to its own Estate's backbone.
    const events = async (e: Estate) =>
      (await e.backbone.read('contract.orders.accepted', 1, 10_000)).map((m) => JSON.parse(Buffer.from(m.payload).toString('utf8')));
    expect(await events(eu)).toEqual([{ orderNo: key, credit: { estate: 'eu' } }]);
    expect(await events(us)).toEqual([{ orderNo: key, credit: { estate: 'us' } }]);
    // What Temporal knows them by: the scope in front of the id and of the task queue.
    const client = new Client({ connection, namespace: server.namespace });
    for (const e of [eu, us]) {
      const description = await client.workflow.getHandle(`${e.scope}/${id}`).describe();
      expect(description.taskQueue).toBe(`${e.scope}/${UNIT}`);
    }
    await expect(client.workflow.getHandle(id).describe()).rejects.toThrow(/not found/i);
  }, 180_000);

  it('a wait with match takes its own Estate’s event from its own mailbox', async () => {
    const id = `contract-match@1/${key}`;
    for (const e of [eu, us])
      expect(await e.engine.start('contract-match@1', { orderNo: key })).toEqual({ executionId: id, started: true });
    for (const e of [eu, us])
      await waitFor(`${e.scope}: ${id} to wait`, async () => (await e.engine.show(id))?.activeSteps?.includes('confirm') ?? false, 60_000);
    // The same correlation value in both Estates: one mailbox each.
    expect(await eu.engine.deliverEvent('contract.po-confirmations', { poNumber: `PO-${key}`, from: 'eu' })).toEqual([
      `contract-match@1/~contract.po-confirmations/PO-${key}`,
    ]);
    expect((await finished(eu, id)).state?.confirmation).toEqual({ poNumber: `PO-${key}`, from: 'eu' });
    expect((await us.engine.show(id))?.status).toBe('running');
    await us.engine.deliverEvent('contract.po-confirmations', { poNumber: `PO-${key}`, from: 'us' });
    expect((await finished(us, id)).state?.confirmation).toEqual({ poNumber: `PO-${key}`, from: 'us' });
  }, 180_000);

  it('each engine lists its own executions, and the counts of one scope do not count the other', async () => {
    // Open executions: one in eu, two in us (a long wait each).
    await eu.engine.start('contract-confirm@1', { orderNo: `c1-${key}` });
    await us.engine.start('contract-confirm@1', { orderNo: `c1-${key}` });
    await us.engine.start('contract-confirm@1', { orderNo: `c2-${key}` });
    const ids = async (e: Estate) =>
      slowly(
        `${e.scope}: the list to show the open executions`,
        async () => {
          const list = await e.engine.list();
          return list.filter((x) => x.status === 'running').length === (e === eu ? 1 : 2) ? list.map((x) => x.id).sort() : undefined;
        },
        60_000,
      );
    expect(await ids(eu)).toEqual([`contract-confirm@1/c1-${key}`, `contract-match@1/${key}`, `contract-order@1/${key}`]);
    expect(await ids(us)).toEqual([
      `contract-confirm@1/c1-${key}`,
      `contract-confirm@1/c2-${key}`,
      `contract-match@1/${key}`,
      `contract-order@1/${key}`,
    ]);
    // The controller counts the unit's task queue in each Estate's scope.
    const temporal = { address: server.address, namespace: server.namespace };
    const counts = (scope: string) =>
      slowly(
        `the counts of ${scope}`,
        async () => {
          const result = await counter.count('unused', temporal, scope, [UNIT]);
          if (!result.ok) throw new Error(result.reason);
          const running = result.counts.get(UNIT)?.running;
          return running === (scope === eu.scope ? 1 : 2) ? result.counts.get(UNIT) : undefined;
        },
        30_000,
      );
    expect(await counts(eu.scope)).toEqual({ running: 1, failed: 0 });
    expect(await counts(us.scope)).toEqual({ running: 2, failed: 0 });
    // A third Estate's scope on the namespace counts none of them.
    const third = await counter.count('unused', temporal, 'shop.estate-staging', [UNIT]);
    expect(third.ok && third.counts.get(UNIT)).toEqual({ running: 0, failed: 0 });
  }, 180_000);
});
