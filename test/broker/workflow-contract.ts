// The workflow engine contract: ONE suite that every engine must pass (runtime/workflow/engine.ts and
// docs/workflows.md, "Engines", state the semantics). test/broker/workflow-embedded.test.ts runs it on
// the embedded engine, test/broker/workflow-temporal.test.ts on Temporal. The programs are hand-written
// IR (workflow-contract-programs.ts); their calls go to a real HTTP server (the test System below) through
// the engine's activity runner, their publishes to the engine's backbone. Each test uses its own business
// keys, so the tests of one block share one engine and storage.
//
// Two blocks: the semantics, on an engine that runs in this process; and restarts, where the part that
// runs workflows lives in a child process that is SIGKILLed mid-workflow while both cores are busy
// (test/helpers/cpu-hog.ts), and a new process takes over.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTraceparent, memoryTracer } from '../../runtime/observe/trace.ts';
import type { SpanContext, Tracer } from '../../runtime/observe/trace.ts';
import { DECISION_SIGNAL } from '../../runtime/workflow/context.ts';
import type { ExecutionDetail, WorkflowEngine } from '../../runtime/workflow/engine.ts';
import { openTasks } from '../../runtime/workflow/task-api.ts';
import { type CpuHog, saturateCpu } from '../helpers/cpu-hog.ts';
import { waitFor } from './backbone-contract.ts';

/** The test System's base URL, and the tracer of the activities that run in this process (the suite reads its spans). */
export interface WorkflowFixtureEnv {
  readonly systemUrl: string;
  readonly tracer: Tracer;
}

/** A worker in a child process. */
export interface WorkerProcess {
  /** SIGKILL, then resolves when the process is gone. */
  kill(): Promise<void>;
}

export interface WorkflowEngineFixture {
  /** An engine in this process that runs the contract programs (PROGRAMS) and answers the API; every call sees the same storage. */
  open(): Promise<WorkflowEngine>;
  /** An engine in this process for the API only (start, signal, events, show): it runs no workflow. */
  client(): Promise<WorkflowEngine>;
  /** Starts a child process that runs the workflows of this fixture's storage; resolves once it runs. */
  spawnWorker(): Promise<WorkerProcess>;
  /** The payloads published on a topic so far, in order. */
  published(topic: string): Promise<unknown[]>;
  /** Their headers. */
  publishedHeaders(topic: string): Promise<Record<string, string>[]>;
  close(): Promise<void>;
}

export interface WorkflowContractOptions {
  /** When set, every test is skipped and this reason printed (a missing prerequisite on a user's machine). */
  skip?: string | undefined;
}

interface SystemCall {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | undefined;
  readonly traceparent: string | undefined;
  readonly body: unknown;
}

interface TestSystem {
  readonly url: string;
  readonly calls: SystemCall[];
  /** While true, `/slow/…` calls get no answer (they are in flight until the caller dies or `releaseHeld`). */
  holdSlow: boolean;
  /** Answers the held calls. */
  releaseHeld(): void;
  close(): Promise<void>;
}

/** A real HTTP System that records every call; `/fail/…` answers 400, everything else 200 with what it got. */
async function startTestSystem(): Promise<TestSystem> {
  const calls: SystemCall[] = [];
  const held: (() => void)[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on('end', () => {
      const body = text === '' ? undefined : JSON.parse(text);
      const key = req.headers['idempotency-key'];
      const traceparent = req.headers.traceparent;
      calls.push({
        method: req.method ?? '',
        path: req.url ?? '',
        idempotencyKey: typeof key === 'string' ? key : undefined,
        traceparent: typeof traceparent === 'string' ? traceparent : undefined,
        body,
      });
      const failing = (req.url ?? '').startsWith('/fail/');
      const answer = () => {
        res.writeHead(failing ? 400 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(failing ? { error: 'refused' } : { ok: true, path: req.url, got: body }));
      };
      if (system.holdSlow && (req.url ?? '').startsWith('/slow/')) held.push(answer);
      else answer();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const system: TestSystem = {
    url: `http://127.0.0.1:${port}`,
    calls,
    holdSlow: false,
    releaseHeld: () => {
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return system;
}

const newKey = (label: string): string => `${label}-${randomUUID().slice(0, 8)}`;

/** The span context of a trigger event, as a webhook or a route delivery would have sent it. */
const triggerSpan = (): SpanContext => ({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), flags: 1 });

async function finished(engine: WorkflowEngine, id: string, timeoutMs = 15_000): Promise<ExecutionDetail> {
  let detail: ExecutionDetail | undefined;
  await waitFor(
    `${id} to end`,
    async () => {
      detail = await engine.show(id);
      return detail !== undefined && detail.status !== 'running';
    },
    timeoutMs,
  );
  return detail!;
}

/** Until the execution has started `step` (it is waiting there, for a wait or a human task). */
async function reached(engine: WorkflowEngine, id: string, step: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    `${id} to reach ${step}`,
    async () => (await engine.show(id))?.history.some((entry) => entry.type === 'step.started' && entry.step === step) ?? false,
    timeoutMs,
  );
}

export function describeWorkflowEngine(
  name: string,
  makeFixture: (env: WorkflowFixtureEnv) => Promise<WorkflowEngineFixture>,
  options: WorkflowContractOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  if (options.skip) console.warn(`[workflow contract] skipping ${name}: ${options.skip}`);

  suite(`workflow engine contract: ${name}`, () => {
    let system: TestSystem;
    let fixture: WorkflowEngineFixture;
    let engine: WorkflowEngine;
    const callsFor = (key: string): string[] => system.calls.filter((c) => c.path.endsWith(`/${key}`)).map((c) => c.path);

    const traced = memoryTracer();
    beforeAll(async () => {
      system = await startTestSystem();
      fixture = await makeFixture({ systemUrl: system.url, tracer: traced.tracer });
      engine = await fixture.open();
    });
    afterAll(async () => {
      await engine?.close();
      await fixture?.close();
      await system?.close();
    });

    it('runs a call, then a publish, to completion; a second start of the same key starts nothing', async () => {
      const key = newKey('o');
      const first = await engine.start('contract-order@1', { orderNo: key });
      expect(first).toEqual({ executionId: `contract-order@1/${key}`, started: true });
      const done = await finished(engine, first.executionId);
      expect(done.status).toBe('completed');
      expect(callsFor(key)).toEqual([`/credit/${key}`]);
      const credit = system.calls.find((c) => c.path === `/credit/${key}`)!;
      expect(credit.idempotencyKey).toBe(`contract-order@1/${key}/credit`);
      expect(credit.body).toEqual({ orderNo: key });
      const events = (await fixture.published('contract.orders.accepted')).filter((e) => (e as { orderNo: string }).orderNo === key);
      expect(events).toEqual([{ orderNo: key, credit: { ok: true, path: `/credit/${key}`, got: { orderNo: key } } }]);
      expect(await engine.start('contract-order@1', { orderNo: key })).toEqual({ executionId: first.executionId, started: false });
      const types = done.history.map((e) => `${e.type}${e.step ? ` ${e.step}` : ''}`);
      expect(types).toEqual([
        'workflow.started',
        'step.started credit',
        'step.completed credit',
        'step.started announce',
        'step.completed announce',
        'workflow.ended',
      ]);
      expect(done.history.every((e) => typeof e.at === 'number' && e.at > 0)).toBe(true);
    });

    it('continues the trace it was started with: a span per call and publish, whose traceparent the System and the event get; a repeated start makes none', async () => {
      const key = newKey('traced');
      const trigger = triggerSpan();
      const trace = { traceparent: formatTraceparent(trigger), businessKeys: { order_number: key } };
      const { executionId } = await engine.start('contract-order@1', { orderNo: key }, trace);
      expect((await finished(engine, executionId)).status).toBe('completed');
      const spans = () => traced.spans.filter((s) => s.attributes['interlace.workflow.execution'] === executionId);
      expect(
        spans()
          .map((s) => s.name)
          .sort(),
      ).toEqual(['workflow contract-order@1 announce', 'workflow contract-order@1 credit']);
      for (const span of spans()) {
        expect(span.traceId, span.name).toBe(trigger.traceId);
        expect(span.parentSpanId, span.name).toBe(trigger.spanId);
        expect(span.status, span.name).toBe('ok');
        expect(span.attributes).toMatchObject({
          'interlace.workflow': 'contract-order@1',
          'interlace.workflow.attempt': 1,
          'interlace.business_key.order_number': key,
        });
      }
      const credit = spans().find((s) => s.attributes['interlace.workflow.step'] === 'credit')!;
      expect(credit.attributes).toMatchObject({ 'interlace.workflow.call': 'credit', 'interlace.outcome': 'called' });
      expect(system.calls.find((c) => c.path === `/credit/${key}`)?.traceparent).toBe(`00-${trigger.traceId}-${credit.spanId}-01`);
      const announce = spans().find((s) => s.attributes['interlace.workflow.step'] === 'announce')!;
      expect(announce.attributes).toMatchObject({ 'messaging.destination': 'contract.orders.accepted', 'interlace.outcome': 'published' });
      const events = await fixture.published('contract.orders.accepted');
      const headers = await fixture.publishedHeaders('contract.orders.accepted');
      const at = events.findIndex((e) => (e as { orderNo: string }).orderNo === key);
      expect(headers[at]?.traceparent).toBe(`00-${trigger.traceId}-${announce.spanId}-01`);
      // A redelivered trigger starts nothing, and a finished execution runs no step again: no new span.
      expect((await engine.start('contract-order@1', { orderNo: key }, { traceparent: formatTraceparent(triggerSpan()) })).started).toBe(
        false,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(spans()).toHaveLength(2);
    });

    it('resumes a wait on the event correlated to its key and ignores events for other keys', async () => {
      const a = newKey('po');
      const b = newKey('po');
      const idA = (await engine.start('contract-confirm@1', { orderNo: a })).executionId;
      const idB = (await engine.start('contract-confirm@1', { orderNo: b })).executionId;
      await reached(engine, idA, 'confirm');
      await reached(engine, idB, 'confirm');
      expect(await engine.deliverEvent('contract.confirmations', { poNumber: b, status: 'confirmed' })).toEqual([idB]);
      expect(await engine.deliverEvent('contract.confirmations', { poNumber: 'nobody', status: 'confirmed' })).toEqual([]);
      const doneB = await finished(engine, idB);
      expect(doneB.status).toBe('completed');
      expect(doneB.state?.confirmation).toEqual({ poNumber: b, status: 'confirmed' });
      expect((await engine.show(idA))?.status).toBe('running');
      await engine.deliverEvent('contract.confirmations', { poNumber: a, status: 'partial' });
      const doneA = await finished(engine, idA);
      expect(doneA.state?.confirmation).toEqual({ poNumber: a, status: 'partial' });
    });

    it('match: a wait correlated by a value the workflow learned takes only that event, also one sent before the execution started', async () => {
      const a = newKey('ma');
      const b = newKey('mb');
      const early = newKey('mc');
      const idA = (await engine.start('contract-match@1', { orderNo: a })).executionId;
      const idB = (await engine.start('contract-match@1', { orderNo: b })).executionId;
      await reached(engine, idA, 'confirm');
      await reached(engine, idB, 'confirm');
      // Keyed by the key, not by the learned value: nobody takes it.
      await engine.deliverEvent('contract.po-confirmations', { poNumber: a, status: 'confirmed' });
      expect(await engine.deliverEvent('contract.po-confirmations', { poNumber: `PO-${b}`, status: 'confirmed' })).toEqual([
        `contract-match@1/~contract.po-confirmations/PO-${b}`,
      ]);
      const doneB = await finished(engine, idB);
      expect(doneB.state?.confirmation).toEqual({ poNumber: `PO-${b}`, status: 'confirmed' });
      expect((await engine.show(idA))?.status).toBe('running');
      // An event for a value no execution waits for yet is kept until one does.
      await engine.deliverEvent('contract.po-confirmations', { poNumber: `PO-${early}`, status: 'partial' });
      const idEarly = (await engine.start('contract-match@1', { orderNo: early })).executionId;
      const doneEarly = await finished(engine, idEarly);
      expect(doneEarly).toMatchObject({ status: 'completed', state: { confirmation: { poNumber: `PO-${early}`, status: 'partial' } } });
      await engine.deliverEvent('contract.po-confirmations', { poNumber: `PO-${a}`, status: 'rejected' });
      expect((await finished(engine, idA)).state?.confirmation).toEqual({ poNumber: `PO-${a}`, status: 'rejected' });
    });

    it('waits in parallel branches: each takes the event of its own topic, the step ends when both have', async () => {
      const key = newKey('both');
      const id = (await engine.start('contract-both@1', { orderNo: key })).executionId;
      await reached(engine, id, 'invoice');
      await reached(engine, id, 'asn');
      expect((await engine.show(id))?.activeSteps?.slice().sort()).toEqual(['both', 'both{0}/asn', 'both{1}/invoice']);
      await engine.deliverEvent('contract.invoices', { poNumber: key, amount: 12 });
      await waitFor('the invoice wait to finish', async () => !(await engine.show(id))?.activeSteps?.includes('both{1}/invoice'));
      expect((await engine.show(id))?.status).toBe('running');
      await engine.deliverEvent('contract.asn', { poNumber: key, lines: 3 });
      const done = await finished(engine, id);
      expect(done.status).toBe('completed');
      expect(done.state).toMatchObject({ asn: { poNumber: key, lines: 3 }, invoice: { poNumber: key, amount: 12 } });
      expect(done.activeSteps).toBeUndefined();
    });

    it('keeps an event that arrives before the wait starts', async () => {
      const key = newKey('early');
      const id = (await engine.start('contract-kill@1', { orderNo: key })).executionId;
      // Straight after the start: the execution is still at (or before) its first call.
      await engine.deliverEvent('contract.kill', { poNumber: key });
      const done = await finished(engine, id);
      expect(done.status).toBe('completed');
      expect(callsFor(key)).toEqual([`/before/${key}`, `/after/${key}`]);
    });

    it('takes the onTimeout branch when no event comes in time', async () => {
      const key = newKey('late');
      const id = (await engine.start('contract-deadline@1', { orderNo: key })).executionId;
      const done = await finished(engine, id);
      expect(done).toMatchObject({ status: 'escalated', reason: 'no confirmation in time' });
      expect(callsFor(key)).toEqual([`/chase/${key}`]);
      expect(done.history.some((e) => e.type === 'wait.timedOut' && e.step === 'confirm')).toBe(true);
    });

    it('an event that comes after its wait timed out is kept: the next wait on the same topic takes it', async () => {
      const key = newKey('again');
      system.holdSlow = true;
      try {
        const id = (await engine.start('contract-again@1', { orderNo: key })).executionId;
        // The call on the timeout branch is in flight: the first wait has timed out, the second has not begun.
        await waitFor('the first wait to time out', () => callsFor(key).length === 1, 15_000);
        expect(await engine.deliverEvent('contract.again', { poNumber: key, n: 1 })).toEqual([id]);
        system.holdSlow = false;
        system.releaseHeld();
        const done = await finished(engine, id);
        expect(done.status).toBe('completed');
        expect(done.state).toMatchObject({ second: { poNumber: key, n: 1 } });
        expect(done.state?.first).toBeUndefined();
        expect(done.history.filter((e) => e.type === 'wait.timedOut').map((e) => e.step)).toEqual(['first']);
      } finally {
        system.holdSlow = false;
        system.releaseHeld();
      }
    });

    it('match: an event that comes after a wait on its address timed out stays there for the next wait on it, in another execution', async () => {
      const po = newKey('PO');
      const a = newKey('ra');
      const b = newKey('rb');
      system.holdSlow = true;
      try {
        const idA = (await engine.start('contract-rematch@1', { orderNo: a, po, short: true })).executionId;
        await waitFor('the short wait to time out', () => callsFor(a).length === 1, 15_000);
        expect(await engine.deliverEvent('contract.rematch', { poNumber: po, n: 1 })).toEqual([
          `contract-rematch@1/~contract.rematch/${po}`,
        ]);
        const idB = (await engine.start('contract-rematch@1', { orderNo: b, po })).executionId;
        const doneB = await finished(engine, idB, 30_000);
        expect(doneB).toMatchObject({ status: 'completed', state: { confirmation: { poNumber: po, n: 1 } } });
        system.holdSlow = false;
        system.releaseHeld();
        expect((await finished(engine, idA)).status).toBe('escalated');
      } finally {
        system.holdSlow = false;
        system.releaseHeld();
      }
    });

    it('human task: approve goes on, reject ends failed, no decision by the due time escalates', async () => {
      const yes = newKey('yes');
      const no = newKey('no');
      const idle = newKey('idle');
      const idYes = (await engine.start('contract-approval@1', { orderNo: yes })).executionId;
      const idNo = (await engine.start('contract-approval@1', { orderNo: no })).executionId;
      const idIdle = (await engine.start('contract-approval-due@1', { orderNo: idle })).executionId;
      await expect(engine.signal(idYes, DECISION_SIGNAL, { decision: 'maybe', by: 'ann' })).rejects.toThrow(/approve.*reject/);
      await expect(engine.signal(idYes, DECISION_SIGNAL, { decision: 'approve' })).rejects.toThrow(/who/);
      await engine.signal(idYes, DECISION_SIGNAL, { decision: 'approve', by: 'ann', comment: 'fine' });
      await engine.signal(idNo, DECISION_SIGNAL, { decision: 'reject', by: 'bob' });
      const approved = await finished(engine, idYes);
      expect(approved.status).toBe('completed');
      expect(approved.state?.approval).toMatchObject({ decision: 'approve', by: 'ann', comment: 'fine' });
      expect(callsFor(yes)).toEqual([`/purchase-orders/${yes}`]);
      const opened = approved.history.find((e) => e.type === 'humanTask.opened');
      expect(opened?.detail).toMatchObject({ title: `Approve ${yes}`, assignee: 'planner' });
      expect(approved.history.find((e) => e.type === 'humanTask.decided')?.detail).toMatchObject({ decision: 'approve', by: 'ann' });
      const rejected = await finished(engine, idNo);
      expect(rejected).toMatchObject({ status: 'failed', reason: 'rejected by the approver' });
      expect(callsFor(no)).toEqual([]);
      const escalated = await finished(engine, idIdle);
      expect(escalated.status).toBe('escalated');
      expect(escalated.history.some((e) => e.type === 'humanTask.timedOut')).toBe(true);
    });

    it('the task inbox lists an open human task of its assignee until it is decided; the decision carries its time', async () => {
      const key = newKey('inbox');
      const id = (await engine.start('contract-approval@1', { orderNo: key })).executionId;
      await waitFor('the task to be listed', async () => (await openTasks(engine, 'planner')).some((t) => t.execution === id), 30_000);
      const task = (await openTasks(engine, 'planner')).find((t) => t.execution === id)!;
      expect(task).toMatchObject({ title: `Approve ${key}`, assignee: 'planner' });
      expect(task.dueAt).toBeGreaterThan(task.openedAt);
      expect((await openTasks(engine, 'someone-else')).some((t) => t.execution === id)).toBe(false);
      await engine.signal(id, DECISION_SIGNAL, { decision: 'approve', by: 'ann' });
      const done = await finished(engine, id);
      expect((await openTasks(engine, 'planner')).some((t) => t.execution === id)).toBe(false);
      const at = (done.state?.approval as { at?: unknown } | undefined)?.at;
      expect(typeof at === 'string' && Number.isFinite(Date.parse(at)) && new Date(Date.parse(at)).toISOString() === at).toBe(true);
    });

    it('compensates completed steps in reverse after a later step fails for good', async () => {
      const key = newKey('saga');
      const id = (await engine.start('contract-saga@1', { orderNo: key })).executionId;
      const done = await finished(engine, id);
      expect(done.status).toBe('failed');
      expect(done.reason).toMatch(/ship/);
      // A 400 is permanent: one attempt, no retries; then refund before release.
      expect(callsFor(key)).toEqual([`/reserve/${key}`, `/charge/${key}`, `/fail/ship/${key}`, `/refund/${key}`, `/release/${key}`]);
      const refund = system.calls.find((c) => c.path === `/refund/${key}`)!;
      expect(refund.idempotencyKey).toBe(`contract-saga@1/${key}/compensate/charge/refund`);
    });

    it('end: compensated runs the compensations, and says why', async () => {
      const key = newKey('undo');
      const id = (await engine.start('contract-undo@1', { orderNo: key })).executionId;
      const done = await finished(engine, id);
      expect(done).toMatchObject({ status: 'compensated', reason: 'payment refused' });
      expect(callsFor(key)).toEqual([`/reserve/${key}`, `/fail/charge/${key}`, `/release/${key}`]);
    });

    it('an answer that is not the response contract fails the call into onError; the failed call is not compensated', async () => {
      const key = newKey('checked');
      const id = (await engine.start('contract-checked@1', { orderNo: key })).executionId;
      const done = await finished(engine, id);
      expect(done).toMatchObject({ status: 'compensated', reason: 'credit answer unusable' });
      expect(done.state?.credit).toBeUndefined();
      const failed = done.history.find((e) => e.type === 'step.failed' && e.step === 'check');
      expect(String(failed?.detail?.error)).toMatch(
        /contract-system answered POST \/credit\/\{orderNo\} with a body that is not credit@1: \/ must have required property 'approved'/,
      );
      // release undoes reserve; undo-check would undo a check that never completed.
      expect(callsFor(key)).toEqual([`/reserve/${key}`, `/credit/${key}`, `/release/${key}`]);
    });

    it('forEach (concurrent and sequential) and parallel', async () => {
      const key = newKey('fan');
      const lines = [
        { sku: `${key}-a`, qty: 2 },
        { sku: `${key}-b`, qty: 3 },
        { sku: `${key}-c`, qty: 5 },
      ];
      const id = (await engine.start('contract-fanout@1', { orderNo: key, lines })).executionId;
      const done = await finished(engine, id);
      expect(done.status).toBe('completed');
      const reserved = done.state?.reserved as { path: string }[];
      expect(reserved.map((r) => r.path)).toEqual(lines.map((l) => `/lines/${l.sku}`));
      expect(done.state?.total).toBe(10);
      expect(done.state?.crm).toBe(true);
      expect(done.state?.erp).toMatchObject({ path: `/erp/${key}` });
      const keys = system.calls.filter((c) => c.path.startsWith(`/lines/${key}`)).map((c) => c.idempotencyKey);
      expect(keys.sort()).toEqual([0, 1, 2].map((i) => `contract-fanout@1/${key}/lines[${i}]/reserve-line`));
      const crm = (await fixture.published('contract.fanout.crm')).filter((e) => (e as { orderNo: string }).orderNo === key);
      expect(crm).toHaveLength(1);
    });

    it('cancel while a call is in flight: the call finishes, no later step starts, the execution ends cancelled', async () => {
      const key = newKey('stop-call');
      system.holdSlow = true;
      try {
        const id = (await engine.start('contract-inflight@1', { orderNo: key })).executionId;
        await waitFor('the slow call to reach the System', () => callsFor(key).length === 1);
        await engine.cancel(id, 'order withdrawn');
        system.holdSlow = false;
        system.releaseHeld();
        const done = await finished(engine, id);
        expect(done.status).toBe('cancelled');
        expect(callsFor(key)).toEqual([`/slow/${key}`]);
      } finally {
        system.holdSlow = false;
        system.releaseHeld();
      }
    });

    it('refuses what it cannot do with a message that says why', async () => {
      await expect(engine.start('contract-nope@1', { orderNo: 'x' })).rejects.toThrow(/contract-nope@1/);
      await expect(engine.start('contract-order@1', { order: 'no key here' })).rejects.toThrow(/key/);
      await expect(engine.signal('contract-order@1/nobody', DECISION_SIGNAL, { decision: 'approve', by: 'ann' })).rejects.toThrow(
        /contract-order@1\/nobody/,
      );
      const key = newKey('ended');
      const id = (await engine.start('contract-order@1', { orderNo: key })).executionId;
      await finished(engine, id);
      await expect(engine.signal(id, 'anything', {})).rejects.toThrow(/ended|completed|closed/);
      await expect(engine.cancel(id)).rejects.toThrow(/ended|completed|closed/);
      expect(await engine.show('contract-order@1/nobody')).toBeUndefined();
    });

    it('cancel: the pending wait stops, compensations run, the execution ends cancelled', async () => {
      const key = newKey('stop');
      const id = (await engine.start('contract-confirm@1', { orderNo: key })).executionId;
      await reached(engine, id, 'confirm');
      await engine.cancel(id, 'order withdrawn');
      const done = await finished(engine, id);
      expect(done.status).toBe('cancelled');
      expect((await engine.list()).some((e) => e.id === id && e.status === 'cancelled')).toBe(true);
    });
  });

  suite(`workflow engine contract: ${name}, worker restarts under a CPU hog`, () => {
    let system: TestSystem;
    let fixture: WorkflowEngineFixture;
    let client: WorkflowEngine;
    let hog: CpuHog;
    const callsFor = (key: string): string[] => system.calls.filter((c) => c.path.endsWith(`/${key}`)).map((c) => c.path);

    beforeAll(async () => {
      system = await startTestSystem();
      fixture = await makeFixture({ systemUrl: system.url, tracer: memoryTracer().tracer });
      client = await fixture.client();
      hog = saturateCpu();
    });
    afterAll(async () => {
      await hog?.stop();
      await client?.close();
      await fixture?.close();
      await system?.close();
    });

    it('a worker killed mid-wait: a new worker resumes, the completed call is not repeated, the event sent meanwhile is kept, the trace goes on', async () => {
      const key = newKey('kill');
      const trigger = triggerSpan();
      let worker = await fixture.spawnWorker();
      const id = (await client.start('contract-kill@1', { orderNo: key }, { traceparent: formatTraceparent(trigger) })).executionId;
      await reached(client, id, 'confirm', 30_000);
      expect(callsFor(key)).toEqual([`/before/${key}`]);
      await worker.kill();
      // Sent while no worker runs: stored, consumed by the wait once a worker resumes the execution.
      expect(await client.deliverEvent('contract.kill', { poNumber: key })).toEqual([id]);
      worker = await fixture.spawnWorker();
      const done = await finished(client, id, 30_000);
      await worker.kill();
      expect(done.status).toBe('completed');
      expect(callsFor(key)).toEqual([`/before/${key}`, `/after/${key}`]);
      // The history was replayed, not re-recorded: one start and one completion of `before`.
      expect(done.history.filter((e) => e.step === 'before').map((e) => e.type)).toEqual(['step.started', 'step.completed']);
      // The trace was stored with the execution: the call made by the second worker is still part of it.
      for (const call of system.calls.filter((c) => c.path.endsWith(`/${key}`)))
        expect(call.traceparent, call.path).toMatch(new RegExp(`^00-${trigger.traceId}-[0-9a-f]{16}-01$`));
    }, 90_000);

    it('an activity in flight when the worker dies runs again under the same idempotency key, and only it', async () => {
      const key = newKey('inflight');
      system.holdSlow = true;
      let worker = await fixture.spawnWorker();
      const id = (await client.start('contract-inflight@1', { orderNo: key })).executionId;
      await waitFor('the slow call to reach the System', () => callsFor(key).length === 1, 30_000);
      await worker.kill();
      system.holdSlow = false;
      worker = await fixture.spawnWorker();
      const done = await finished(client, id, 30_000);
      await worker.kill();
      expect(done.status).toBe('completed');
      const slow = system.calls.filter((c) => c.path === `/slow/${key}`);
      expect(slow.map((c) => c.idempotencyKey)).toEqual([`contract-inflight@1/${key}/slow`, `contract-inflight@1/${key}/slow`]);
      expect(callsFor(key)).toEqual([`/slow/${key}`, `/slow/${key}`, `/after/${key}`]);
    }, 90_000);

    it('an event and the timeout of its wait due together (both while no worker runs): the wait takes it or the next wait does, it is never lost', async () => {
      const key = newKey('race');
      let worker = await fixture.spawnWorker();
      const id = (await client.start('contract-race@1', { orderNo: key })).executionId;
      await reached(client, id, 'first', 30_000);
      await worker.kill();
      // Past the wait's 3 s deadline, then the event: when a worker resumes, the timer and the event are both there.
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect(await client.deliverEvent('contract.race', { poNumber: key })).toEqual([id]);
      worker = await fixture.spawnWorker();
      const done = await finished(client, id, 30_000);
      await worker.kill();
      expect(done.status).toBe('completed');
      const taken = [done.state?.first, done.state?.second].filter((v) => v !== undefined);
      expect(taken).toEqual([{ poNumber: key }]);
    }, 90_000);

    it('a timer that comes due while no worker runs fires after the restart', async () => {
      const key = newKey('timer');
      let worker = await fixture.spawnWorker();
      const id = (await client.start('contract-timer@1', { orderNo: key })).executionId;
      await reached(client, id, 'confirm', 30_000);
      await worker.kill();
      // The wait's 3 s deadline passes while nothing runs.
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect((await client.show(id))?.status).toBe('running');
      worker = await fixture.spawnWorker();
      const restartedAt = Date.now();
      const done = await finished(client, id, 30_000);
      await worker.kill();
      expect(done.status).toBe('escalated');
      expect(callsFor(key)).toEqual([`/before/${key}`, `/timed-out/${key}`]);
      // It fired on the deadline set before the kill, not on a new 3 s one counted from the restart.
      const timedOut = done.history.find((e) => e.type === 'wait.timedOut')!;
      expect(timedOut.at - restartedAt).toBeLessThan(2_000);
    }, 90_000);
  });
}
