// The workflow engine contract (workflow-contract.ts) on the embedded engine of `interlace run`
// (runtime/workflow/embedded/): node:sqlite files in a temporary folder, a real HTTP System, the embedded
// backbone; the restart cases run the engine in child processes (workflow-worker-process.ts) and SIGKILL them.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import type { ContractValidator, WorkflowProgram } from '../../language/workflow/workflow-ir.ts';
import { memoryLogger } from '../../lib/log.ts';
import { createTracer, formatTraceparent, memoryTracer } from '../../runtime/observe/trace.ts';
import { openEmbeddedEngine } from '../../runtime/workflow/embedded/embedded-engine.ts';
import { feedWorkflowEvents } from '../../runtime/workflow/event-feed.ts';
import { describe, expect, it } from 'vitest';
import { waitFor } from './backbone-contract.ts';
import type { WorkflowEngine } from '../../runtime/workflow/engine.ts';
import { type WorkflowEngineFixture, type WorkerProcess, describeWorkflowEngine } from './workflow-contract.ts';
import { PROGRAMS } from './workflow-contract-programs.ts';
import { contractActivities } from './workflow-contract-activities.ts';

const WORKER = fileURLToPath(new URL('./workflow-worker-process.ts', import.meta.url));

/** Refuses every activity: an engine opened for the API only never runs one. */
const NO_ACTIVITIES = {
  run: () => Promise.reject(new Error('this engine is opened for the API only')),
};

describeWorkflowEngine('embedded (node:sqlite)', async ({ systemUrl, tracer }) => {
  const dir = await mkdtemp(join(tmpdir(), 'interlace-wf-'));
  const enginePath = join(dir, 'workflows.db');
  const backbonePath = join(dir, 'backbone.db');
  let backbone: Backbone | undefined;
  const engines: WorkflowEngine[] = [];
  const children = new Set<ReturnType<typeof spawn>>();
  const sharedBackbone = async (): Promise<Backbone> => {
    backbone ??= await openSqliteBackbone({ path: backbonePath });
    return backbone;
  };
  const fixture: WorkflowEngineFixture = {
    async open() {
      const engine = openEmbeddedEngine({
        path: enginePath,
        programs: PROGRAMS,
        activities: contractActivities(systemUrl, await sharedBackbone(), tracer),
      });
      engines.push(engine);
      return engine;
    },
    async client() {
      const engine = openEmbeddedEngine({ path: enginePath, programs: PROGRAMS, activities: NO_ACTIVITIES, execute: false });
      engines.push(engine);
      return engine;
    },
    async spawnWorker(): Promise<WorkerProcess> {
      const child = spawn(process.execPath, [WORKER, enginePath, backbonePath, systemUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      for (const engine of engines) await engine.close();
      await backbone?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
});

describe('workflow event feed on the embedded engine and backbone', () => {
  it("a trigger event starts the workflow once, a correlated event resumes its wait, an unreadable or off-contract event is termed; the trigger's trace goes on through the steps", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'interlace-wf-feed-'));
    const traceparents: string[] = [];
    const system = createServer((req, res) => {
      traceparents.push(String(req.headers.traceparent));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((resolve) => system.listen(0, '127.0.0.1', resolve));
    const systemUrl = `http://127.0.0.1:${(system.address() as AddressInfo).port}`;
    const backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db') });
    const traced = memoryTracer();
    const kill = PROGRAMS.find((p) => p.ir.name === 'contract-kill')!;
    const triggered: WorkflowProgram = {
      ...kill,
      ir: { ...kill.ir, name: 'contract-triggered', trigger: { kind: 'event', topic: 'contract.po.created', contract: 'po@1' } },
      // As generated validators behave: the input needs a string orderNo, a confirmation a string poNumber.
      contracts: { [kill.ir.input]: stringField('orderNo'), 'confirmation@1': stringField('poNumber') },
    };
    const engine = openEmbeddedEngine({
      path: join(dir, 'workflows.db'),
      programs: [triggered],
      activities: contractActivities(systemUrl, backbone, traced.tracer),
    });
    const rejected: string[] = [];
    const subscriptions = await feedWorkflowEvents(engine, backbone, [triggered], {
      onRejected: (topic, problem) => rejected.push(`${topic}: ${problem}`),
      tracer: traced.tracer,
      // The trigger's business keys, as the worker reads them from its contract.
      businessKeys: (contract, event): Record<string, string> =>
        contract === 'po@1' ? { po: String((event as { orderNo: unknown }).orderNo) } : {},
    });
    try {
      const publish = (topic: string, event: unknown, headers: Record<string, string> = {}) =>
        backbone.publish(topic, Buffer.from(typeof event === 'string' ? event : JSON.stringify(event)), { headers });
      const trigger = formatTraceparent({ traceId: 'a1'.repeat(16), spanId: 'b2'.repeat(8), flags: 1 });
      await publish('contract.po.created', { orderNo: 'PO-1' }, { traceparent: trigger });
      await publish('contract.po.created', { orderNo: 'PO-1' });
      await publish('contract.po.created', 'not json');
      await publish('contract.po.created', { orderNo: 42 });
      const id = 'contract-triggered@1/PO-1';
      await waitFor('the trigger to start PO-1 and reach its wait', async () =>
        ((await engine.show(id))?.history ?? []).some((e) => e.type === 'step.started' && e.step === 'confirm'),
      );
      await publish('contract.kill', { poNumber: 7 });
      await publish('contract.kill', { poNumber: 'PO-2' });
      await publish('contract.kill', { poNumber: 'PO-1' });
      await waitFor('PO-1 to complete', async () => (await engine.show(id))?.status === 'completed');
      expect((await engine.list()).map((e) => e.id)).toEqual([id]);
      await waitFor('the unreadable and off-contract events to be reported', () => rejected.length === 3);
      expect(rejected.sort()).toEqual([
        'contract.kill: message 1: the event is not confirmation@1: /poNumber must be a string',
        'contract.po.created: message 3 is not JSON',
        `contract.po.created: message 4: the event is not ${kill.ir.input}: /orderNo must be a string`,
      ]);
      expect(await backbone.pending('contract.po.created', 'workflow-start-contract-triggered-1')).toBe(0);
      // One `start` span per trigger delivery, a child of the trigger's; the redelivered one starts nothing.
      const starts = traced.spans.filter((s) => s.name === 'workflow contract-triggered@1 start');
      expect(starts.map((s) => s.attributes['interlace.outcome'])).toEqual(['started', 'duplicate']);
      const [started] = starts;
      expect(started).toMatchObject({ traceId: 'a1'.repeat(16), parentSpanId: 'b2'.repeat(8) });
      expect(started!.attributes).toMatchObject({ 'interlace.workflow.execution': id, 'interlace.business_key.po': 'PO-1' });
      // Both calls are its children — the one after the wait too — and the System got their traceparent.
      const steps = traced.spans.filter((s) => s.attributes['interlace.workflow.execution'] === id && !starts.includes(s));
      expect(steps.map((s) => s.name)).toEqual(['workflow contract-triggered@1 before', 'workflow contract-triggered@1 after']);
      for (const step of steps) {
        expect(step).toMatchObject({ traceId: 'a1'.repeat(16), parentSpanId: started!.spanId });
        expect(step.attributes['interlace.business_key.po']).toBe('PO-1');
      }
      expect(traceparents).toEqual(steps.map((s) => formatTraceparent({ traceId: s.traceId, spanId: s.spanId, flags: 1 })));
    } finally {
      for (const subscription of subscriptions) await subscription.stop();
      await engine.close();
      await backbone.close();
      await new Promise((resolve) => system.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A validator as generated ones behave: `field` must be a string. */
function stringField(field: string): ContractValidator {
  const validate = Object.assign(
    (value: unknown): boolean => {
      const ok = typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[field] === 'string';
      validate.errors = ok ? null : [{ instancePath: `/${field}`, message: 'must be a string' }];
      return ok;
    },
    { errors: null as { instancePath: string; message?: string }[] | null },
  );
  return validate;
}

describe('embedded workflow engine: a workflow missing from the running version', () => {
  it('leaves its executions running, says so once, and resumes them when the workflow is back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'interlace-wf-missing-'));
    const path = join(dir, 'workflows.db');
    const backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db') });
    const activities = contractActivities('http://127.0.0.1:9', backbone, createTracer());
    try {
      const first = openEmbeddedEngine({ path, programs: PROGRAMS, activities });
      const id = (await first.start('contract-confirm@1', { orderNo: 'M-1' })).executionId;
      await waitFor('M-1 to wait', async () => ((await first.show(id))?.history ?? []).some((e) => e.step === 'confirm'));
      await first.close();

      const { logger, lines } = memoryLogger();
      const without = openEmbeddedEngine({ path, programs: PROGRAMS.filter((p) => p.ir.name !== 'contract-confirm'), activities, logger });
      await waitFor('the warning', () => lines.length > 0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(lines).toEqual([expect.objectContaining({ level: 'warn', workflow: 'contract-confirm@1', reason: 'WorkflowMissing' })]);
      expect((await without.show(id))?.status).toBe('running');
      await without.close();

      const back = openEmbeddedEngine({ path, programs: PROGRAMS, activities });
      expect(await back.deliverEvent('contract.confirmations', { poNumber: 'M-1' })).toEqual([id]);
      await waitFor('M-1 to complete', async () => (await back.show(id))?.status === 'completed');
      await back.close();
    } finally {
      await backbone.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
