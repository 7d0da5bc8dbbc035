// The workflow interpreter on its own (runtime/workflow/interpreter.ts): a pure walk over IR whose only
// door to the world is the WorkflowContext. Here the context is an in-memory recorder, so the tests can
// check what engines rely on: call ids and idempotency keys are stable, a replay that answers from the
// recorded outcomes takes the same path and writes the same audit trail, concurrent branches do not make
// the outcome depend on timing. The engines themselves are tested by test/broker/workflow-contract.ts.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, WorkflowCancelled, executionIdOf } from '../../runtime/workflow/context.ts';
import type { ActivityRequest, ActivityRunner, HistoryEntry, WorkflowContext } from '../../runtime/workflow/context.ts';
import { MAX_STEP_VISITS, correlationKeys, runWorkflow, workflowKey } from '../../runtime/workflow/interpreter.ts';
import type { WorkflowProgram, WorkflowStepIR } from '../../language/workflow/workflow-ir.ts';
import { PROGRAMS } from '../broker/workflow-contract-programs.ts';

/** Answers a call with what it was asked; `/fail/` operations fail for good. */
const echo: ActivityRunner = {
  async run(request) {
    if (request.kind === 'call' && request.operation.includes('/fail/'))
      throw new ActivityFailure(`${request.operation}: HTTP 400`, 'http-400', false);
    const path = request.kind === 'call' ? request.operation : request.topic;
    return { path, request: request.kind === 'call' ? request.request : request.event };
  },
};

type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };

/** Records every context call by call id; a second run over the same record answers from it (a replay). */
class RecordingContext implements WorkflowContext {
  readonly executionId: string;
  readonly outcomes = new Map<string, Outcome>();
  readonly requests: { callId: string; request: ActivityRequest }[] = [];
  readonly trail: HistoryEntry[] = [];
  signals: Record<string, unknown[]> = {};
  cancelled = false;
  private clock = 1_000;

  constructor(executionId: string) {
    this.executionId = executionId;
  }

  async activity(callId: string, request: ActivityRequest): Promise<unknown> {
    const recorded = this.outcomes.get(callId) ?? (await this.perform(callId, request));
    this.outcomes.set(callId, recorded);
    // Answers in a later turn, in reverse call-id order, so concurrent branches finish out of order.
    await new Promise((resolve) => setTimeout(resolve, 10 - (callId.length % 10)));
    if (recorded.ok) return recorded.value;
    throw recorded.error;
  }

  private async perform(callId: string, request: ActivityRequest): Promise<Outcome> {
    this.requests.push({ callId, request });
    try {
      return {
        ok: true,
        value: await echo.run(request, new AbortController().signal, { workflow: 'test@1', executionId: this.executionId, callId }),
      };
    } catch (error) {
      return { ok: false, error: error as Error };
    }
  }

  async sleep(): Promise<void> {}

  async waitForSignal(callId: string, name: string): Promise<{ payload: unknown } | undefined> {
    if (this.outcomes.has(callId)) {
      const recorded = this.outcomes.get(callId)!;
      return recorded.ok ? (recorded.value as { payload: unknown } | undefined) : undefined;
    }
    if (this.cancelled) throw new WorkflowCancelled();
    const queue = this.signals[name] ?? [];
    const value = queue.length ? { payload: queue.shift() } : undefined;
    this.outcomes.set(callId, { ok: true, value });
    return value;
  }

  now(): number {
    this.clock += 1;
    return this.clock;
  }

  history(entry: HistoryEntry): void {
    this.trail.push(entry);
  }
}

const byName = (name: string): WorkflowProgram => PROGRAMS.find((p) => p.ir.name === name)!;
/** The audit trail without times (a replay may read a different clock). */
const steps = (ctx: RecordingContext) => ctx.trail.map(({ id, type, step, detail }) => ({ id, type, step, detail }));

describe('workflow interpreter', () => {
  it('compensates in reverse, with stable idempotency keys, and a replay repeats nothing', async () => {
    const ctx = new RecordingContext(executionIdOf('contract-saga', '1.4.2', 's1'));
    expect(ctx.executionId).toBe('contract-saga@1/s1');
    const outcome = await runWorkflow(byName('contract-saga'), { orderNo: 's1' }, ctx);
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/^step ship: /);
    expect(ctx.requests.map((r) => r.request.idempotencyKey)).toEqual([
      'contract-saga@1/s1/reserve',
      'contract-saga@1/s1/charge',
      'contract-saga@1/s1/ship',
      'contract-saga@1/s1/compensate/charge/refund',
      'contract-saga@1/s1/compensate/reserve/release',
    ]);
    const first = steps(ctx);
    ctx.trail.length = 0;
    const replayed = await runWorkflow(byName('contract-saga'), { orderNo: 's1' }, ctx);
    expect(replayed).toEqual(outcome);
    expect(ctx.requests).toHaveLength(5);
    expect(steps(ctx)).toEqual(first);
    expect(new Set(first.map((e) => e.id)).size).toBe(first.length);
  });

  it('forEach and parallel: call ids by item and branch, results in item order whatever order calls finish in', async () => {
    const ctx = new RecordingContext('contract-fanout@1/f1');
    const lines = [
      { sku: 'a', qty: 1 },
      { sku: 'bb', qty: 2 },
      { sku: 'ccc', qty: 4 },
    ];
    const outcome = await runWorkflow(byName('contract-fanout'), { orderNo: 'f1', lines }, ctx);
    expect(outcome.status).toBe('completed');
    expect((outcome.state.reserved as { request: { sku: string } }[]).map((r) => r.request.sku)).toEqual(['a', 'bb', 'ccc']);
    expect(outcome.state.total).toBe(7);
    expect(outcome.state.crm).toBe(true);
    expect(ctx.requests.map((r) => r.callId).sort()).toEqual([
      'both{0}/notify-erp',
      'both{1}/notify-crm',
      'lines[0]/reserve-line',
      'lines[1]/reserve-line',
      'lines[2]/reserve-line',
    ]);
    const first = steps(ctx);
    ctx.trail.length = 0;
    expect(await runWorkflow(byName('contract-fanout'), { orderNo: 'f1', lines }, ctx)).toEqual(outcome);
    expect(steps(ctx)).toEqual(first);
  });

  it('human task and wait: signals decide the branch, no signal takes the timeout branch', async () => {
    const approved = new RecordingContext('contract-approval@1/h1');
    approved.signals = { decision: [{ decision: 'approve', by: 'ann' }] };
    expect((await runWorkflow(byName('contract-approval'), { orderNo: 'h1' }, approved)).status).toBe('completed');
    const late = new RecordingContext('contract-deadline@1/d1');
    expect(await runWorkflow(byName('contract-deadline'), { orderNo: 'd1' }, late)).toMatchObject({
      status: 'escalated',
      reason: 'no confirmation in time',
      endStep: 'late',
    });
  });

  it('a compensation that fails is recorded, the others still run, and the workflow ends failed', async () => {
    const saga = byName('contract-saga');
    const steps = { ...saga.ir.steps, refund: { ...saga.ir.steps.refund!, operation: 'POST /fail/refund/{orderNo}' } as WorkflowStepIR };
    const ctx = new RecordingContext('contract-saga@1/s2');
    const outcome = await runWorkflow({ ...saga, ir: { ...saga.ir, steps } }, { orderNo: 's2' }, ctx);
    expect(outcome.status).toBe('failed');
    expect(outcome.compensationFailures).toEqual([expect.stringMatching(/^refund: step refund: POST \/fail\/refund/)]);
    expect(ctx.requests.map((r) => r.callId)).toEqual([
      'reserve',
      'charge',
      'ship',
      'compensate/charge/refund',
      'compensate/reserve/release',
    ]);
    expect(ctx.trail.filter((e) => e.type.startsWith('compensation.')).map((e) => `${e.type} ${e.step}`)).toEqual([
      'compensation.started refund',
      'compensation.failed refund',
      'compensation.started release',
      'compensation.completed release',
    ]);
  });

  it('a cancelled wait compensates and ends cancelled', async () => {
    const ctx = new RecordingContext('contract-kill@1/c1');
    ctx.cancelled = true;
    expect(await runWorkflow(byName('contract-kill'), { orderNo: 'c1' }, ctx)).toMatchObject({ status: 'cancelled' });
  });

  it('a business key must be short text without control characters: it goes into ids and headers', () => {
    const order = byName('contract-order');
    expect(workflowKey(order, { orderNo: 'SO-1' })).toBe('SO-1');
    expect(workflowKey(order, { orderNo: 4711 })).toBe('4711');
    expect(() => workflowKey(order, {})).toThrow('workflow contract-order: the key expression gave undefined, not a non-empty text');
    expect(() => workflowKey(order, { orderNo: 'SO-1\r\nx-admin: 1' })).toThrow(/control characters/);
    expect(() => workflowKey(order, { orderNo: 'x'.repeat(201) })).toThrow(/longer than 200/);
  });

  it('correlates an event to the keys of the waits on its topic', () => {
    expect(correlationKeys(byName('contract-confirm'), 'contract.confirmations', { poNumber: 'PO-1' })).toEqual(['PO-1']);
    expect(correlationKeys(byName('contract-confirm'), 'contract.confirmations', {})).toEqual([]);
    expect(correlationKeys(byName('contract-confirm'), 'other.topic', { poNumber: 'PO-1' })).toEqual([]);
  });

  it('a next cycle without a wait fails instead of spinning', async () => {
    const looping: WorkflowProgram = {
      ir: {
        ...byName('contract-order').ir,
        name: 'loop',
        start: 'again',
        steps: { again: { id: 'again', type: 'set', assign: {}, next: 'again' } },
      },
      exprs: byName('contract-order').exprs,
    };
    const outcome = await runWorkflow(looping, { orderNo: 'l1' }, new RecordingContext('loop@1/l1'));
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain(`more than ${MAX_STEP_VISITS} step visits`);
  });
});
