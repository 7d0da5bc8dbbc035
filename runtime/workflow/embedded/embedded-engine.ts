/**
 * The embedded workflow engine of `interlace run`: durable execution by replay on one node:sqlite file
 * (workflow-store.ts), with the same semantics as the Temporal engine (test/broker/workflow-contract.ts).
 *
 * How it stays durable: every context call of an execution records its outcome under its call id
 * (activity result or failure, signal received, timer fired, cancellation). Resuming an execution —
 * after a restart, or when another process started it — runs the interpreter from the beginning; calls
 * with a recorded outcome are answered from it, so nothing recorded runs twice, and the first call
 * without one continues the work. An activity that was in flight when the process died has no outcome
 * and runs again under the same idempotency key: at-least-once to the System, one effect when it honours
 * the key (and one message on the backbone, which de-duplicates by message id).
 *
 * Traces: the trace an execution continues (`ExecutionTrace`, from the event feed's start span) is stored
 * with its start and read back whenever it is launched, so the activities it runs after a restart are
 * still part of it; only an activity that runs (no recorded outcome) makes a span.
 *
 * Waits and timers: a wait persists its deadline when first reached; a scheduler (`pollIntervalMs`)
 * settles pending waits from stored signals, due timers and cancellation requests, so deadlines that
 * passed while no process ran fire at the next start, and signals sent before the wait (or by another
 * process, such as `interlace workflow signal`) are consumed when it gets there.
 *
 * One process per file runs workflows (`execute: true`); others may open it for the API only.
 */
import { DECISION_SIGNAL, WorkflowCancelled, ActivityFailure, eventSignalName, executionIdOf, parseDecision } from '../context.ts';
import type { ActivityOrigin, ActivityRequest, ActivityRunner, ExecutionTrace, HistoryEntry, WorkflowContext } from '../context.ts';
import { activeSteps } from '../engine.ts';
import type { ExecutionDetail, ExecutionSummary, StartResult, WorkflowEngine } from '../engine.ts';
import { correlationAddresses, correlationKeys, runWorkflow, workflowKey } from '../interpreter.ts';
import type { WorkflowOutcome } from '../interpreter.ts';
import type { WorkflowProgram } from '../../../language/workflow/workflow-ir.ts';
import { runWithRetries } from '../activities/retry.ts';
import { createLogger } from '../../../lib/log.ts';
import type { Logger } from '../../../lib/log.ts';
import { WorkflowStore, summaryOf } from './workflow-store.ts';
import type { CallOutcome, ExecutionRow } from './workflow-store.ts';

export interface EmbeddedEngineOptions {
  /** The SQLite file (created when missing). */
  path: string;
  programs: readonly WorkflowProgram[];
  activities: ActivityRunner;
  /** Run workflows in this process (default true); false opens the file for the API only. */
  execute?: boolean;
  /** How often the scheduler looks for due timers, new signals and executions started elsewhere (default 100 ms). */
  pollIntervalMs?: number;
  /** Told when an execution ends in this process (the run summary counts them). */
  onEnded?: (execution: ExecutionSummary) => void;
  /** Where the scheduler reports what it could not do (a locked or full file); it tries again on its next tick. */
  logger?: Logger;
}

interface Waiter {
  readonly callId: string;
  /** The signal it waits for; undefined for a sleep. */
  readonly name: string | undefined;
  /** Where the signal is held: the execution itself, or a correlation address (a wait with `match`). */
  readonly from: string;
  settle(outcome: CallOutcome): void;
}

/** An execution this process is running: its pending waits, by call id. */
interface LiveExecution {
  readonly id: string;
  /** `name@major`. */
  readonly workflow: string;
  /** Read from the store at launch: the same after a restart as at the start. */
  readonly trace: ExecutionTrace | undefined;
  readonly waiters: Map<string, Waiter>;
}

/** A promise that never settles: what a closed engine gives a run that is still going, so it stops where it is. */
const frozen = <T>(): Promise<T> => new Promise<T>(() => {});

export function openEmbeddedEngine(options: EmbeddedEngineOptions): EmbeddedWorkflowEngine {
  return new EmbeddedWorkflowEngine(options);
}

export class EmbeddedWorkflowEngine implements WorkflowEngine {
  readonly #store: WorkflowStore;
  readonly #programs = new Map<string, WorkflowProgram>();
  readonly #activities: ActivityRunner;
  readonly #execute: boolean;
  readonly #onEnded: (execution: ExecutionSummary) => void;
  readonly #logger: Logger;
  /** Workflows of running executions this process has no program for, reported once each. */
  readonly #missing = new Set<string>();
  readonly #live = new Map<string, LiveExecution>();
  readonly #abort = new AbortController();
  readonly #interval: ReturnType<typeof setInterval> | undefined;
  #ticking = false;
  #tickAgain = false;
  #closed = false;

  constructor(options: EmbeddedEngineOptions) {
    this.#store = new WorkflowStore(options.path);
    for (const program of options.programs) this.#programs.set(workflowName(program), program);
    this.#activities = options.activities;
    this.#execute = options.execute ?? true;
    this.#onEnded = options.onEnded ?? (() => {});
    this.#logger = options.logger ?? createLogger({ level: 'warn' });
    if (this.#execute) {
      this.#interval = setInterval(() => this.#tick(), options.pollIntervalMs ?? 100);
      this.#tick();
    }
  }

  async start(workflow: string, input: unknown, trace?: ExecutionTrace): Promise<StartResult> {
    const program = this.#program(workflow);
    const key = workflowKey(program, input);
    const executionId = executionIdOf(program.ir.name, program.ir.version, key);
    const started = this.#store.insertExecution(executionId, workflow, key, input, Date.now(), trace);
    if (started && this.#execute) this.#launch(this.#store.execution(executionId)!);
    return { executionId, started };
  }

  async signal(executionId: string, name: string, payload: unknown): Promise<void> {
    const row = this.#store.execution(executionId);
    if (!row) throw new Error(`no workflow execution ${executionId}`);
    if (row.status !== 'running') throw new Error(`workflow execution ${executionId} has ended (${row.status}); it takes no signals`);
    if (name === DECISION_SIGNAL) {
      const decision = parseDecision(payload);
      if (typeof decision === 'string') throw new Error(`${executionId}: ${decision}`);
    }
    this.#store.addSignal(executionId, name, payload, Date.now());
    this.#wake();
  }

  async deliverEvent(topic: string, event: unknown): Promise<string[]> {
    const delivered: string[] = [];
    for (const program of this.#programs.values()) {
      for (const key of correlationKeys(program, topic, event)) {
        const id = executionIdOf(program.ir.name, program.ir.version, key);
        if (this.#store.execution(id)?.status !== 'running') continue;
        this.#store.addSignal(id, eventSignalName(topic), event, Date.now());
        delivered.push(id);
      }
      // A wait with `match`: the event is held at its correlation address until a wait takes it.
      for (const address of correlationAddresses(program, topic, event)) {
        this.#store.addSignal(address, eventSignalName(topic), event, Date.now());
        delivered.push(address);
      }
    }
    if (delivered.length) this.#wake();
    return delivered;
  }

  async cancel(executionId: string, reason = 'cancelled'): Promise<void> {
    if (!this.#store.requestCancel(executionId, reason)) {
      const row = this.#store.execution(executionId);
      throw new Error(row ? `workflow execution ${executionId} has ended (${row.status})` : `no workflow execution ${executionId}`);
    }
    this.#wake();
  }

  async list(): Promise<ExecutionSummary[]> {
    return this.#store.all().map(summaryOf);
  }

  async humanTaskEntries(): Promise<{ execution: ExecutionSummary; entries: HistoryEntry[] }[]> {
    const out: { execution: ExecutionSummary; entries: HistoryEntry[] }[] = [];
    for (const [id, entries] of this.#store.humanTaskEntries()) {
      const row = this.#store.execution(id);
      if (row) out.push({ execution: summaryOf(row), entries });
    }
    return out;
  }

  async show(executionId: string): Promise<ExecutionDetail | undefined> {
    const row = this.#store.execution(executionId);
    if (!row) return undefined;
    const history = this.#store.audit(executionId);
    return {
      ...summaryOf(row),
      input: JSON.parse(row.input),
      ...(row.state !== null ? { state: JSON.parse(row.state) as Record<string, unknown> } : {}),
      ...(row.status === 'running' ? { activeSteps: activeSteps(history) } : {}),
      history,
      ...(row.status === 'running' ? { waits: this.#store.pendingTimers(executionId) } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#interval) clearInterval(this.#interval);
    this.#abort.abort(new Error('the workflow engine closed'));
    this.#store.close();
  }

  #program(workflow: string): WorkflowProgram {
    const program = this.#programs.get(workflow);
    if (!program) {
      const known = [...this.#programs.keys()].join(', ') || 'none';
      throw new Error(`no workflow ${workflow} (this engine runs: ${known})`);
    }
    return program;
  }

  /** Runs (or resumes, by replay) an execution in this process. */
  #launch(row: ExecutionRow): void {
    const program = this.#programs.get(row.workflow);
    if (!program) {
      // A workflow whose spec is gone stays running in the store until a version that has it runs again.
      if (!this.#missing.has(row.workflow))
        this.#logger.warn('running workflow executions wait for a workflow this process does not have', {
          workflow: row.workflow,
          reason: 'WorkflowMissing',
        });
      this.#missing.add(row.workflow);
      return;
    }
    if (this.#live.has(row.id)) return;
    const live: LiveExecution = { id: row.id, workflow: row.workflow, trace: this.#store.trace(row.id), waiters: new Map() };
    this.#live.set(row.id, live);
    const ctx = new ReplayContext(this, live);
    runWorkflow(program, JSON.parse(row.input), ctx).then(
      (outcome) => this.#ended(live, outcome),
      (error: unknown) =>
        this.#ended(live, { status: 'failed', state: {}, reason: error instanceof Error ? error.message : String(error) }),
    );
  }

  #ended(live: LiveExecution, outcome: WorkflowOutcome): void {
    if (this.#closed) return;
    try {
      this.#store.end(live.id, outcome.status, outcome.reason, outcome.state, Date.now());
    } catch (error) {
      // Not recorded: the execution stays running in the store and replays to this end after a restart.
      this.#logger.error('could not record the end of a workflow execution', { execution: live.id, error, reason: 'WorkflowStoreError' });
      return;
    }
    this.#live.delete(live.id);
    const row = this.#store.execution(live.id);
    if (row) this.#onEnded(summaryOf(row));
  }

  #wake(): void {
    if (this.#execute) setImmediate(() => this.#tick());
  }

  /** Settles what can be settled now: due timers, stored signals, cancellations; resumes executions started elsewhere. */
  #tick(): void {
    if (this.#closed) return;
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#ticking = true;
    try {
      do {
        this.#tickAgain = false;
        for (const id of this.#store.runningIds()) {
          if (this.#live.has(id)) continue;
          const row = this.#store.execution(id);
          if (row) this.#launch(row);
        }
        const now = Date.now();
        const { due, signals, cancelling } = this.#store.settleable(now);
        for (const live of this.#live.values()) {
          for (const waiter of [...live.waiters.values()]) {
            const settleable =
              due.has(`${live.id}\n${waiter.callId}`) ||
              (waiter.name !== undefined && signals.has(`${waiter.from}\n${waiter.name}`)) ||
              cancelling.has(live.id);
            if (!settleable) continue;
            const outcome = this.#store.settleWait(live.id, waiter.callId, waiter.name, now, undefined, waiter.from);
            if (!outcome) continue;
            live.waiters.delete(waiter.callId);
            waiter.settle(outcome);
          }
        }
      } while (this.#tickAgain && !this.#closed);
    } catch (error) {
      // A file locked by another process for longer than the busy timeout, a full disk: try again next tick.
      this.#logger.error('the workflow scheduler could not settle waits', { error, reason: 'WorkflowStoreError' });
    } finally {
      this.#ticking = false;
    }
  }

  // What ReplayContext needs from the engine (kept here so the store stays private to the engine).
  get closed(): boolean {
    return this.#closed;
  }
  get store(): WorkflowStore {
    return this.#store;
  }
  runActivity(request: ActivityRequest, origin: ActivityOrigin): Promise<unknown> {
    return runWithRetries(this.#activities, request, this.#abort.signal, origin);
  }
}

/** The WorkflowContext of one execution: recorded outcomes first, the world second. */
class ReplayContext implements WorkflowContext {
  readonly executionId: string;
  readonly #engine: EmbeddedWorkflowEngine;
  readonly #live: LiveExecution;

  constructor(engine: EmbeddedWorkflowEngine, live: LiveExecution) {
    this.#engine = engine;
    this.#live = live;
    this.executionId = live.id;
  }

  async activity(callId: string, request: ActivityRequest): Promise<unknown> {
    if (this.#engine.closed) return frozen();
    let outcome = this.#engine.store.outcome(this.executionId, callId);
    if (!outcome) {
      // A cancelled execution starts no new activity, except the compensations its cancellation runs.
      const cancelled = callId.startsWith('compensate/') ? null : this.#engine.store.execution(this.executionId)?.cancel_requested;
      if (cancelled) {
        this.#engine.store.recordActivityOutcome(this.executionId, callId, { kind: 'cancelled', reason: cancelled }, Date.now());
        throw new WorkflowCancelled(cancelled);
      }
      let fresh: CallOutcome;
      try {
        // Only here, where no outcome is recorded, does an activity run (and make its span): a replay makes none.
        const origin: ActivityOrigin = {
          workflow: this.#live.workflow,
          executionId: this.executionId,
          callId,
          ...(this.#live.trace ? { trace: this.#live.trace } : {}),
        };
        fresh = { kind: 'activity.completed', value: await this.#engine.runActivity(request, origin) };
      } catch (error) {
        if (this.#engine.closed) return frozen();
        const failure = error instanceof ActivityFailure ? error : new ActivityFailure(String(error), 'error', false);
        fresh = { kind: 'activity.failed', message: failure.message, reason: failure.reason };
      }
      if (this.#engine.closed) return frozen();
      outcome = this.#engine.store.recordActivityOutcome(this.executionId, callId, fresh, Date.now());
    }
    if (outcome.kind === 'activity.completed') return outcome.value;
    if (outcome.kind === 'activity.failed') throw new ActivityFailure(outcome.message, outcome.reason, false);
    if (outcome.kind === 'cancelled') throw new WorkflowCancelled(outcome.reason);
    throw new Error(
      `${this.executionId}: call ${callId} has a recorded ${outcome.kind}, not an activity outcome (was the workflow changed without a version bump?)`,
    );
  }

  async sleep(callId: string, ms: number): Promise<void> {
    const outcome = await this.#settled(callId, undefined, ms);
    if (outcome.kind === 'cancelled') throw new WorkflowCancelled(outcome.reason);
  }

  async waitForSignal(callId: string, name: string, timeoutMs: number, from?: string): Promise<{ readonly payload: unknown } | undefined> {
    const outcome = await this.#settled(callId, name, timeoutMs, from);
    if (outcome.kind === 'signal.received') return { payload: outcome.payload };
    if (outcome.kind === 'timer.fired') return undefined;
    if (outcome.kind === 'cancelled') throw new WorkflowCancelled(outcome.reason);
    throw new Error(
      `${this.executionId}: wait ${callId} has a recorded ${outcome.kind} (was the workflow changed without a version bump?)`,
    );
  }

  now(): number {
    return Date.now();
  }

  history(entry: HistoryEntry): void {
    if (!this.#engine.closed) this.#engine.store.appendAudit(this.executionId, entry);
  }

  /** The wait's outcome: recorded already, settled now, or when the scheduler settles it. */
  #settled(callId: string, name: string | undefined, timeoutMs: number, from = this.executionId): Promise<CallOutcome> {
    if (this.#engine.closed) return frozen();
    const store = this.#engine.store;
    const recorded = store.outcome(this.executionId, callId);
    if (recorded) return Promise.resolve(recorded);
    const now = store.settleWait(this.executionId, callId, name, Date.now(), Date.now() + timeoutMs, from);
    if (now) return Promise.resolve(now);
    return new Promise<CallOutcome>((resolve) => {
      this.#live.waiters.set(callId, { callId, name, from, settle: resolve });
    });
  }
}

function workflowName(program: WorkflowProgram): string {
  return `${program.ir.name}@${program.ir.version.split('.')[0]}`;
}
