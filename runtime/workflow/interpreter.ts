/**
 * The one interpreter of workflow IR (language/workflow/workflow-ir.ts), shared by every engine so
 * their semantics cannot drift. It is deterministic: everything that touches the world — activities,
 * timers, signals, the clock, the audit trail — goes through the `WorkflowContext`, so it runs unchanged
 * inside Temporal's workflow sandbox and under the embedded engine's replay. No Node imports, no
 * `Date`, no `Math.random`, no timers here.
 *
 * Semantics (docs/workflows.md, "Engines"):
 * - A flow walks `next` from a start step until an `end` step, or a step with no `next` (the end of a
 *   sub-flow; at the top level it completes the workflow).
 * - `forEach` runs its `do` sub-flow per item: with `concurrency` 1 the iterations share the state and
 *   run in item order; above 1 each iteration gets a copy of the state and only its `<as>Result`
 *   comes back (into `resultInto`, in item order). `parallel` gives each branch a copy of the state and
 *   merges what each branch changed, in branch order. Both wait for every iteration/branch, then fail
 *   with the first failure in item/branch order — so the outcome never depends on timing.
 * - An `end` inside a sub-flow: `completed` ends that sub-flow; any other status ends the workflow.
 * - Completed steps that declare `compensate` are stacked; `end: compensated`, an unhandled failure
 *   and a cancellation run their compensation steps in reverse completion order (each as a flow).
 *   `end: failed` and `end: escalated` do not compensate.
 */
import type {
  CallStepIR,
  ExprRef,
  ForEachStepIR,
  HumanTaskStepIR,
  ParallelStepIR,
  PublishStepIR,
  WaitStepIR,
  WorkflowProgram,
  WorkflowScope,
  WorkflowStepIR,
} from '../../language/workflow/workflow-ir.ts';
import { contractProblems } from '../../language/workflow/workflow-ir.ts';
import { DECISION_SIGNAL, WorkflowCancelled, correlationAddress, eventSignalName, parseDecision } from './context.ts';
import type { HistoryEntry, WorkflowContext } from './context.ts';

export type WorkflowStatus = 'completed' | 'failed' | 'compensated' | 'escalated' | 'cancelled';

export interface WorkflowOutcome {
  readonly status: WorkflowStatus;
  readonly state: Record<string, unknown>;
  /** The `end` step that ended the workflow (absent when it fell off a flow or failed). */
  readonly endStep?: string;
  readonly reason?: string;
  /** Compensation steps that failed (the rest still ran). */
  readonly compensationFailures?: readonly string[];
}

/**
 * Step visits per execution before the workflow fails: a `next` cycle with no wait in it would
 * otherwise spin for ever (and grow the history without bound).
 */
export const MAX_STEP_VISITS = 10_000;

/** A failure with the step (and YAML position) it happened at. */
export class WorkflowStepError extends Error {
  readonly step: string;
  constructor(step: WorkflowStepIR, message: string, options?: { cause?: unknown }) {
    super(`step ${step.id}${step.at ? ` (${step.at.file}:${step.at.line})` : ''}: ${message}`, options);
    this.name = 'WorkflowStepError';
    this.step = step.id;
  }
}

/** An `end` step with a status other than `completed` reached inside a sub-flow: it ends the whole workflow. */
class EndReached extends Error {
  readonly end: Extract<WorkflowStepIR, { type: 'end' }>;
  constructor(end: Extract<WorkflowStepIR, { type: 'end' }>) {
    super(`end ${end.id}`);
    this.end = end;
  }
}

interface Compensation {
  readonly step: string;
  readonly callId: string;
}

/** One running flow: where its call ids start, its visit counts, its state and its compensations. */
interface Frame {
  readonly prefix: string;
  readonly visits: Map<string, number>;
  state: Record<string, unknown>;
  readonly items: Record<string, unknown>;
  readonly compensations: Compensation[];
}

/** The business key of a workflow for an input (the engine derives the execution id from it before starting). */
export function workflowKey(program: WorkflowProgram, input: unknown): string {
  const value = evaluate(program, program.ir.key, { input, state: {}, items: {}, key: '' }, 'key');
  const key = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  const what = `workflow ${program.ir.name}: the key expression gave ${JSON.stringify(value)?.slice(0, 80)}`;
  if (typeof key !== 'string' || key === '') throw new Error(`${what}, not a non-empty text`);
  // The key becomes part of the execution id and of every idempotency key (an HTTP header).
  if (key.length > MAX_KEY_LENGTH) throw new Error(`${what}: longer than ${MAX_KEY_LENGTH} characters`);
  if (CONTROL_CHARACTER.test(key)) throw new Error(`${what}: it contains control characters`);
  return key;
}

const MAX_KEY_LENGTH = 200;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * The business keys an event on `topic` correlates to, one per `wait` step of this workflow on that
 * topic (usually one): the engine signals the execution with each key. Events whose correlation
 * expression fails or gives no text correlate to nothing.
 */
export function correlationKeys(program: WorkflowProgram, topic: string, event: unknown): string[] {
  return correlationValues(program, topic, event, false);
}

/**
 * The correlation addresses (context.ts `correlationAddress`) an event on `topic` goes to: one per
 * `wait` step with `match` on that topic whose `correlate` reads a value out of the event.
 */
export function correlationAddresses(program: WorkflowProgram, topic: string, event: unknown): string[] {
  const workflow = workflowNameOf(program);
  return correlationValues(program, topic, event, true).map((value) => correlationAddress(workflow, topic, value));
}

function correlationValues(program: WorkflowProgram, topic: string, event: unknown, matched: boolean): string[] {
  const values = new Set<string>();
  for (const step of Object.values(program.ir.steps)) {
    if (step.type !== 'wait' || step.topic !== topic || (step.match !== undefined) !== matched) continue;
    try {
      const value = evaluate(program, step.correlate, { input: undefined, state: {}, items: {}, key: '' }, 'correlate', event);
      const text = correlationText(value);
      if (text !== undefined) values.add(text);
    } catch {
      // An event the expression cannot read belongs to no execution.
    }
  }
  return [...values];
}

/** A correlation value as text: a non-empty text or a finite number; anything else correlates to nothing. */
function correlationText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** `name@major`: how engines and addresses name a workflow. */
function workflowNameOf(program: WorkflowProgram): string {
  return `${program.ir.name}@${program.ir.version.split('.')[0]}`;
}

/** Runs a workflow from its start to an end status. Rejects only on bugs in the program (an unknown step or expression). */
export function runWorkflow(program: WorkflowProgram, input: unknown, ctx: WorkflowContext): Promise<WorkflowOutcome> {
  return new Run(program, input, ctx).run();
}

function evaluate(program: WorkflowProgram, ref: ExprRef, scope: WorkflowScope, what: string, event?: unknown): unknown {
  const fn = program.exprs[ref];
  if (!fn)
    throw new Error(`workflow ${program.ir.name}: ${what} refers to expression ${JSON.stringify(ref)}, which the program does not have`);
  return event === undefined ? fn(scope) : fn(scope, event);
}

class Run {
  private readonly program: WorkflowProgram;
  /** Call ids of calls that failed for good into their `onError` step (they register no compensation). */
  private readonly failedCalls = new Set<string>();
  private readonly input: unknown;
  private readonly ctx: WorkflowContext;
  private key = '';
  private visits = 0;
  private readonly top: Frame = { prefix: '', visits: new Map(), state: {}, items: {}, compensations: [] };

  constructor(program: WorkflowProgram, input: unknown, ctx: WorkflowContext) {
    this.program = program;
    this.input = input;
    this.ctx = ctx;
  }

  async run(): Promise<WorkflowOutcome> {
    this.key = workflowKey(this.program, this.input);
    const ir = this.program.ir;
    this.audit('#workflow', 'started', 'workflow.started', undefined, { workflow: ir.name, version: ir.version, key: this.key });
    let outcome: WorkflowOutcome;
    try {
      const end = await this.flow(ir.start, this.top);
      outcome = end ? await this.ended(end) : { status: 'completed', state: this.top.state };
    } catch (error) {
      if (error instanceof EndReached) outcome = await this.ended(error.end);
      else {
        const cancelled = error instanceof WorkflowCancelled;
        const reason = error instanceof Error ? error.message : String(error);
        const failures = await this.compensate(cancelled ? 'cancelled' : 'failure');
        outcome = {
          status: cancelled ? 'cancelled' : 'failed',
          state: this.top.state,
          reason,
          ...(failures.length ? { compensationFailures: failures } : {}),
        };
      }
    }
    this.audit('#workflow', 'ended', 'workflow.ended', undefined, {
      status: outcome.status,
      ...(outcome.endStep ? { endStep: outcome.endStep } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    });
    return outcome;
  }

  private async ended(end: Extract<WorkflowStepIR, { type: 'end' }>): Promise<WorkflowOutcome> {
    let reason: string | undefined;
    if (end.reason) {
      const value = this.expr(end, end.reason, this.top);
      reason = typeof value === 'string' ? value : JSON.stringify(value);
    }
    const base = { status: end.status, state: this.top.state, endStep: end.id, ...(reason !== undefined ? { reason } : {}) };
    if (end.status !== 'compensated') return base;
    const failures = await this.compensate(`end ${end.id}`);
    return failures.length ? { ...base, status: 'failed', compensationFailures: failures } : base;
  }

  /** Walks from `start` to an `end` step (returned) or off the end of the flow (undefined). */
  private async flow(start: string, frame: Frame): Promise<Extract<WorkflowStepIR, { type: 'end' }> | undefined> {
    let id: string | undefined = start;
    while (id !== undefined) {
      const step = this.step(id);
      this.visits += 1;
      if (this.visits > MAX_STEP_VISITS)
        throw new WorkflowStepError(step, `more than ${MAX_STEP_VISITS} step visits: does a next cycle lack a wait?`);
      const visit = (frame.visits.get(id) ?? 0) + 1;
      frame.visits.set(id, visit);
      const callId = `${frame.prefix}${id}${visit > 1 ? `~${visit}` : ''}`;
      if (step.type === 'end') return step;
      this.audit(callId, 'started', 'step.started', step.id, { type: step.type });
      let next: string | undefined;
      try {
        next = await this.execute(step, callId, frame);
      } catch (error) {
        if (!(error instanceof EndReached)) {
          this.audit(callId, 'failed', 'step.failed', step.id, { error: error instanceof Error ? error.message : String(error) });
        }
        throw error;
      }
      // A call that failed into its `onError` step had no effect to undo: only completed steps compensate.
      if (step.compensate && !this.failedCalls.has(callId)) frame.compensations.push({ step: step.compensate, callId });
      this.audit(callId, 'completed', 'step.completed', step.id, next !== undefined ? { next } : {});
      id = next;
    }
    return undefined;
  }

  /** Runs one step; returns the id of the next step (undefined: the flow ends here). */
  private async execute(step: Exclude<WorkflowStepIR, { type: 'end' }>, callId: string, frame: Frame): Promise<string | undefined> {
    switch (step.type) {
      case 'call':
        return this.call(step, callId, frame);
      case 'publish':
        return this.publish(step, callId, frame);
      case 'wait':
        return this.wait(step, callId, frame);
      case 'set': {
        // Every value is computed from the state before the step, then all are assigned.
        const values = Object.entries(step.assign).map(([field, ref]) => [field, this.expr(step, ref, frame)] as const);
        for (const [field, value] of values) frame.state[field] = value;
        return step.next;
      }
      case 'branch': {
        for (const choice of step.choices) if (this.expr(step, choice.when, frame) === true) return choice.next;
        return step.otherwise;
      }
      case 'forEach':
        await this.forEach(step, callId, frame);
        return step.next;
      case 'parallel':
        await this.parallel(step, callId, frame);
        return step.next;
      case 'humanTask':
        return this.humanTask(step, callId, frame);
    }
  }

  private async call(step: CallStepIR, callId: string, frame: Frame): Promise<string | undefined> {
    const request = this.expr(step, step.request, frame);
    let result: unknown;
    try {
      result = await this.ctx.activity(callId, {
        kind: 'call',
        system: step.system,
        operation: step.operation,
        request,
        timeoutMs: step.timeoutMs,
        retry: step.retry,
        idempotencyKey: this.idempotencyKey(callId),
        step: step.id,
      });
      // An answer that is not the contract the spec says is a final failure of the step: the state keeps
      // only what fits (a System that changed its answer must not slip fields the steps read past them).
      const wrong = step.response ? contractProblems(this.program, step.response, result) : undefined;
      if (wrong) throw new Error(`${step.system} answered ${step.operation} with a body that is ${wrong}`);
    } catch (error) {
      if (error instanceof WorkflowCancelled) throw error;
      if (step.onError === undefined) throw new WorkflowStepError(step, messageOf(error), { cause: error });
      this.audit(callId, 'error', 'step.failed', step.id, { error: messageOf(error), next: step.onError });
      this.failedCalls.add(callId);
      return step.onError;
    }
    if (step.resultInto) frame.state[step.resultInto] = result;
    return step.next;
  }

  private async publish(step: PublishStepIR, callId: string, frame: Frame): Promise<string | undefined> {
    const event = this.expr(step, step.event, frame);
    const key = this.idempotencyKey(callId);
    try {
      await this.ctx.activity(callId, {
        kind: 'publish',
        topic: step.topic,
        contract: step.contract,
        event,
        key: this.key,
        messageId: key,
        idempotencyKey: key,
        step: step.id,
      });
    } catch (error) {
      throw error instanceof WorkflowCancelled ? error : new WorkflowStepError(step, messageOf(error), { cause: error });
    }
    return step.next;
  }

  private async wait(step: WaitStepIR, callId: string, frame: Frame): Promise<string | undefined> {
    const from = step.match === undefined ? undefined : this.matchAddress(step, step.match, frame);
    const signal = await this.ctx.waitForSignal(callId, eventSignalName(step.topic), step.timeoutMs, from);
    if (signal === undefined) {
      this.audit(callId, 'timeout', 'wait.timedOut', step.id, { topic: step.topic, timeoutMs: step.timeoutMs, next: step.onTimeout });
      return step.onTimeout;
    }
    if (step.resultInto) frame.state[step.resultInto] = signal.payload;
    return step.next;
  }

  /** Where a wait with `match` takes its event from: the address of the value `match` reads now. */
  private matchAddress(step: WaitStepIR, match: ExprRef, frame: Frame): string {
    const value = this.expr(step, match, frame);
    const text = correlationText(value);
    if (text === undefined) throw new WorkflowStepError(step, `match gave ${describe(value)}, not a non-empty text or a number`);
    return correlationAddress(workflowNameOf(this.program), step.topic, text);
  }

  private async humanTask(step: HumanTaskStepIR, callId: string, frame: Frame): Promise<string | undefined> {
    const title = this.expr(step, step.title, frame);
    const openedAt = this.ctx.now();
    this.audit(callId, 'opened', 'humanTask.opened', step.id, {
      title,
      assignee: step.assignee,
      dueAt: openedAt + step.dueMs,
    });
    const signal = await this.ctx.waitForSignal(callId, DECISION_SIGNAL, step.dueMs);
    if (signal === undefined) {
      this.audit(callId, 'timeout', 'humanTask.timedOut', step.id, { assignee: step.assignee, next: step.onTimeout });
      return step.onTimeout;
    }
    // Engines refuse malformed decisions when they are sent; one that slipped through counts as a rejection.
    const parsed = parseDecision(signal.payload);
    const decision = typeof parsed === 'string' ? { decision: 'reject' as const, by: 'unknown', comment: parsed } : parsed;
    const next = decision.decision === 'approve' ? step.onApprove : step.onReject;
    this.audit(callId, 'decided', 'humanTask.decided', step.id, { ...decision, next });
    // `at` is an RFC 3339 instant (workflow time), so a contract field of `format: date-time` can take it.
    if (step.resultInto) frame.state[step.resultInto] = { ...decision, at: new Date(this.ctx.now()).toISOString() };
    return next;
  }

  private async forEach(step: ForEachStepIR, callId: string, frame: Frame): Promise<void> {
    const items = this.expr(step, step.items, frame);
    if (!Array.isArray(items)) throw new WorkflowStepError(step, `items gave ${describe(items)}, not a list`);
    const resultField = `${step.as}Result`;
    const results: unknown[] = new Array(items.length);
    const shared = step.concurrency <= 1;
    const children: Frame[] = items.map((item, i) => ({
      prefix: `${callId}[${i}]/`,
      visits: new Map(),
      state: shared ? frame.state : { ...frame.state },
      items: { ...frame.items, [step.as]: item },
      compensations: [],
    }));
    const outcomes: (unknown | undefined)[] = new Array(items.length);
    const runOne = async (i: number): Promise<void> => {
      const child = children[i]!;
      if (shared) delete child.state[resultField];
      try {
        await this.flow(step.do, child);
        results[i] = child.state[resultField];
      } catch (error) {
        outcomes[i] = error ?? new Error('failed');
      }
    };
    if (shared) {
      // In item order; a failure stops the loop (later items do not run).
      for (let i = 0; i < items.length; i++) {
        await runOne(i);
        if (outcomes[i] !== undefined) break;
      }
      delete frame.state[resultField];
    } else {
      let nextIndex = 0;
      const lane = async (): Promise<void> => {
        while (nextIndex < items.length) {
          const i = nextIndex;
          nextIndex += 1;
          await runOne(i);
        }
      };
      await Promise.all(Array.from({ length: Math.min(step.concurrency, items.length) }, lane));
    }
    for (const child of children) frame.compensations.push(...child.compensations);
    const failure = outcomes.find((outcome) => outcome !== undefined);
    if (failure !== undefined) throw failure;
    if (step.resultInto) frame.state[step.resultInto] = results;
  }

  private async parallel(step: ParallelStepIR, callId: string, frame: Frame): Promise<void> {
    const before = frame.state;
    const children: Frame[] = step.branches.map((_, i) => ({
      prefix: `${callId}{${i}}/`,
      visits: new Map(),
      state: { ...before },
      items: frame.items,
      compensations: [],
    }));
    const settled = await Promise.allSettled(step.branches.map((start, i) => this.flow(start, children[i]!)));
    for (const child of children) {
      frame.compensations.push(...child.compensations);
      for (const [field, value] of Object.entries(child.state)) if (before[field] !== value) frame.state[field] = value;
    }
    for (const result of settled) {
      if (result.status === 'rejected') throw result.reason;
      if (result.value && result.value.status !== 'completed') throw new EndReached(result.value);
    }
  }

  /** Runs the stacked compensations in reverse; returns the ones that failed (each is tried once, after the engine's retries). */
  private async compensate(why: string): Promise<string[]> {
    const failures: string[] = [];
    const stack = this.top.compensations.splice(0);
    for (let i = stack.length - 1; i >= 0; i--) {
      const entry = stack[i]!;
      const prefix = `compensate/${entry.callId}/`;
      this.audit(prefix, 'started', 'compensation.started', entry.step, { for: entry.callId, why });
      const frame: Frame = { prefix, visits: new Map(), state: this.top.state, items: {}, compensations: [] };
      try {
        await this.flow(entry.step, frame);
        this.audit(prefix, 'completed', 'compensation.completed', entry.step, { for: entry.callId });
      } catch (error) {
        failures.push(`${entry.step}: ${messageOf(error)}`);
        this.audit(prefix, 'failed', 'compensation.failed', entry.step, { for: entry.callId, error: messageOf(error) });
      }
    }
    return failures;
  }

  private step(id: string): WorkflowStepIR {
    const step = this.program.ir.steps[id];
    if (!step) throw new Error(`workflow ${this.program.ir.name}: no step ${JSON.stringify(id)}`);
    return step;
  }

  private expr(step: WorkflowStepIR, ref: ExprRef, frame: Frame): unknown {
    try {
      return evaluate(this.program, ref, { input: this.input, state: frame.state, items: frame.items, key: this.key }, `step ${step.id}`);
    } catch (error) {
      throw new WorkflowStepError(step, `expression failed: ${messageOf(error)}`, { cause: error });
    }
  }

  private idempotencyKey(callId: string): string {
    return `${this.ctx.executionId}/${callId}`;
  }

  private audit(
    callId: string,
    phase: string,
    type: HistoryEntry['type'],
    step: string | undefined,
    detail: Record<string, unknown>,
  ): void {
    this.ctx.history({
      id: `${callId}:${phase}`,
      at: this.ctx.now(),
      type,
      ...(step !== undefined ? { step, callId } : {}),
      detail,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}
