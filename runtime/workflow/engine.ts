/**
 * What an engine offers to the rest of Interlace (`interlace run`, `interlace workflow …`, the worker):
 * start, signal, feed events, cancel, list and show executions. The embedded engine (embedded/) and the
 * Temporal engine (temporal/) both implement it, and test/broker/workflow-contract.ts holds them to
 * the same behaviour.
 */
import type { ExecutionTrace, HistoryEntry } from './context.ts';
import type { WorkflowStatus } from './interpreter.ts';

export type ExecutionStatus = 'running' | WorkflowStatus;

export interface ExecutionSummary {
  /** `<workflow>@<major>/<key>` (context.ts `executionIdOf`). */
  readonly id: string;
  /** `name@major`. */
  readonly workflow: string;
  readonly key: string;
  readonly status: ExecutionStatus;
  /** Ms since the epoch. */
  readonly startedAt: number;
  readonly endedAt?: number;
  /** Why it ended (an end step's reason, a failure). */
  readonly reason?: string;
}

/** A wait, sleep or human task an execution is blocked on, with its persisted deadline. */
export interface PendingWait {
  readonly callId: string;
  /** Ms since the epoch. */
  readonly dueAt: number;
}

export interface ExecutionDetail extends ExecutionSummary {
  readonly input: unknown;
  /** The state at the end (absent while running). */
  readonly state?: Record<string, unknown>;
  /** While running: the steps started and not yet finished, by call id (where it waits). */
  readonly activeSteps?: readonly string[];
  /** The audit trail, oldest first. */
  readonly history: readonly HistoryEntry[];
  /** What a running execution waits for, with deadlines (engines that know them). */
  readonly waits?: readonly PendingWait[];
}

export interface StartResult {
  readonly executionId: string;
  /** False when an execution with this id existed already (a redelivered trigger): nothing new started. */
  readonly started: boolean;
}

export interface WorkflowEngine {
  /**
   * Starts `workflow` (`name@major`) for an input; its key picks the execution id. `trace` is stored with
   * the execution (kept by the first start of a key): its steps' spans continue that trace.
   */
  start(workflow: string, input: unknown, trace?: ExecutionTrace): Promise<StartResult>;
  /**
   * Stores a signal for an execution (kept until a wait consumes it). `decision` payloads are checked
   * (context.ts `parseDecision`) and refused with an Error that says what is wrong.
   */
  signal(executionId: string, name: string, payload: unknown): Promise<void>;
  /**
   * An event arrived on `topic`: it becomes the `wait` signal of every running execution whose key
   * the event correlates to. Returns their ids (none: no execution waits for this key).
   */
  deliverEvent(topic: string, event: unknown): Promise<string[]>;
  /** Asks a running execution to stop: its pending wait fails, its compensations run, it ends `cancelled`. */
  cancel(executionId: string, reason?: string): Promise<void>;
  list(): Promise<ExecutionSummary[]>;
  /**
   * The human-task audit entries (`humanTask.opened` / `decided` / `timedOut`) of every running
   * execution that opened a task, oldest first: what a task inbox is made of. An engine answers from
   * an index where it has one, so an inbox does not read every running execution's history.
   */
  humanTaskEntries(): Promise<{ readonly execution: ExecutionSummary; readonly entries: readonly HistoryEntry[] }[]>;
  show(executionId: string): Promise<ExecutionDetail | undefined>;
  close(): Promise<void>;
}

/** The call ids of the steps an audit trail shows started and not finished: where a running execution is. */
export function activeSteps(history: readonly HistoryEntry[]): string[] {
  const open = new Set<string>();
  for (const entry of history) {
    if (entry.callId === undefined) continue;
    if (entry.type === 'step.started') open.add(entry.callId);
    else if (entry.type === 'step.completed' || entry.type === 'step.failed') open.delete(entry.callId);
  }
  return [...open];
}
