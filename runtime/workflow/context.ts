/**
 * What a running workflow may touch: the only door between the interpreter (interpreter.ts) and the
 * world. Each engine implements `WorkflowContext` — the embedded engine (embedded/) with an
 * append-only history in node:sqlite, the Temporal engine (temporal/) with @temporalio/workflow
 * primitives — and both execute activities through one `ActivityRunner` (activities/).
 *
 * This module and interpreter.ts run inside Temporal's workflow sandbox: no Node imports, no clock,
 * no randomness, no timers. Only types and pure helpers live here.
 *
 * Every context call carries a `callId`: the path of the step visit that makes it (`credit-check`,
 * `lines[2]/reserve`, `retry~3`), the same on every replay of the same execution, whatever order
 * concurrent branches happen to run in. Engines that replay from a history (the embedded one) look
 * recorded outcomes up by it; the activity's idempotency key is `<execution id>/<callId>`.
 */
import type { RetryIR } from '../../language/workflow/workflow-ir.ts';

/** Call an operation of a System (`POST /orders/{orderNo}`) with the step's request. */
export interface CallActivity {
  readonly kind: 'call';
  readonly system: string;
  readonly operation: string;
  readonly request: unknown;
  /** Per attempt. */
  readonly timeoutMs: number;
  readonly retry: RetryIR;
  /** Sent as `Idempotency-Key`; the same on every attempt and every replay of this step visit. */
  readonly idempotencyKey: string;
  /** The step's id (its span's name); absent on activities scheduled by an Interlace that did not send it. */
  readonly step?: string;
}

/** Publish an event on a topic; `messageId` makes a repeated publish one message (backbone de-duplication). */
export interface PublishActivity {
  readonly kind: 'publish';
  readonly topic: string;
  readonly contract: string;
  readonly event: unknown;
  /** The workflow's business key: the event's ordering key. */
  readonly key: string;
  readonly messageId: string;
  readonly idempotencyKey: string;
  /** The step's id (its span's name); absent on activities scheduled by an Interlace that did not send it. */
  readonly step?: string;
}

export type ActivityRequest = CallActivity | PublishActivity;

/**
 * The trace an execution continues, stored with it when it starts (the embedded engine's store, Temporal's
 * workflow arguments), so the steps it runs days later — after restarts and replays — are still part of
 * the trace of the event that started it (docs/observability.md, "Traces").
 */
export interface ExecutionTrace {
  /** W3C `traceparent` of the span the execution's step spans are children of (the event feed's `workflow … start`). */
  readonly traceparent: string;
  /**
   * The trigger's business keys (its contract's, without those that read a pii or confidential field:
   * runtime/observe/business-keys.ts), put on every span of the execution.
   */
  readonly businessKeys?: Readonly<Record<string, string>>;
}

/** Which execution runs an activity, and the trace it continues: what the activity's span is made of. */
export interface ActivityOrigin {
  /** `name@major`. */
  readonly workflow: string;
  readonly executionId: string;
  readonly callId: string;
  /** Absent for an execution started without one. */
  readonly trace?: ExecutionTrace;
  /** The attempt, from 1 (each attempt is one run and one span). */
  readonly attempt?: number;
}

/**
 * Executes one attempt of an activity and returns its result (a call's parsed answer; a publish's
 * `{ sequence, duplicate }`). It never retries: the engine retries by `CallActivity.retry` (Temporal
 * by its retry policy, the embedded engine by activities/retry.ts). A failure no retry can fix is an
 * `ActivityFailure` with `retryable: false` (or an error that runtime/delivery/failures.ts classifies
 * as permanent).
 */
export interface ActivityRunner {
  run(request: ActivityRequest, signal: AbortSignal, origin: ActivityOrigin): Promise<unknown>;
}

/** How an activity failed for good, as the interpreter sees it (after the engine's retries). */
export class ActivityFailure extends Error {
  readonly reason: string;
  readonly retryable: boolean;
  constructor(message: string, reason: string, retryable: boolean) {
    super(message);
    this.name = 'ActivityFailure';
    this.reason = reason;
    this.retryable = retryable;
  }
}

/** Thrown by a context call of an execution that was cancelled: the interpreter compensates and ends `cancelled`. */
export class WorkflowCancelled extends Error {
  constructor(reason = 'cancelled') {
    super(reason);
    this.name = 'WorkflowCancelled';
  }
}

/** The signal a human task waits for. */
export const DECISION_SIGNAL = 'decision';

/** The payload of a `decision` signal: who decided what. */
export interface HumanDecision {
  readonly decision: 'approve' | 'reject';
  readonly by: string;
  readonly comment?: string;
}

/** A decision payload, or a sentence that says what is wrong with it (engines refuse bad signals at the door). */
export function parseDecision(payload: unknown): HumanDecision | string {
  if (payload === null || typeof payload !== 'object') return 'a decision is an object { decision: approve|reject, by: <who> }';
  const { decision, by, comment } = payload as Record<string, unknown>;
  if (decision !== 'approve' && decision !== 'reject') return `decision must be "approve" or "reject", not ${JSON.stringify(decision)}`;
  if (typeof by !== 'string' || by.trim() === '') return 'a decision says who made it: by: <user>';
  if (comment !== undefined && typeof comment !== 'string') return 'comment must be text';
  return comment === undefined ? { decision, by } : { decision, by, comment };
}

/** The signal a `wait` step waits for: named after its topic, delivered only to the execution whose key the event correlates to. */
export function eventSignalName(topic: string): string {
  return `event:${topic}`;
}

/**
 * Where events for a `wait` with `match` are held: the workflow (`name@major`), the topic and the
 * correlation value. The event feed delivers such an event to its address (not to an execution, whose
 * id it cannot know); the execution whose wait matches that value takes it from there, oldest first,
 * one event per wait.
 */
export function correlationAddress(workflow: string, topic: string, value: string): string {
  return `${workflow}/~${topic}/${value}`;
}

export type HistoryEntryType =
  | 'workflow.started'
  | 'workflow.ended'
  | 'step.started'
  | 'step.completed'
  | 'step.failed'
  | 'wait.timedOut'
  | 'humanTask.opened'
  | 'humanTask.decided'
  | 'humanTask.timedOut'
  | 'compensation.started'
  | 'compensation.completed'
  | 'compensation.failed';

/** One line of an execution's audit trail. */
export interface HistoryEntry {
  /** Unique within the execution and the same on every replay (`<callId>:<phase>`), so an engine can record each once. */
  readonly id: string;
  /** Milliseconds since the epoch, from `ctx.now()` (workflow time). */
  readonly at: number;
  readonly type: HistoryEntryType;
  readonly step?: string;
  readonly callId?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface WorkflowContext {
  /** The execution's id (`<workflow>@<major>/<key>`): the first part of every idempotency key. */
  readonly executionId: string;
  /** Runs an activity (with the engine's retries); rejects with an ActivityFailure when it fails for good. */
  activity(callId: string, request: ActivityRequest): Promise<unknown>;
  /** A durable timer. */
  sleep(callId: string, ms: number): Promise<void>;
  /**
   * The oldest signal of this name not yet consumed by this execution (signals sent before the wait
   * are kept), or `undefined` when `timeoutMs` passes first. With `from` (a `correlationAddress`: a
   * wait with `match`), the oldest signal of this name held at that address, which no other execution
   * has taken: events correlated by a value other than the key wait there, kept until a wait takes them.
   */
  waitForSignal(callId: string, name: string, timeoutMs: number, from?: string): Promise<{ readonly payload: unknown } | undefined>;
  /** Workflow time in ms since the epoch: deterministic on replay where the engine needs it to be. Used for the audit trail only. */
  now(): number;
  /** Appends to the audit trail; an engine records an entry id once, however often a replay repeats it. */
  history(entry: HistoryEntry): void;
}

/** The execution id of a workflow for one business key: one live execution per key, so a redelivered trigger cannot start a second. */
export function executionIdOf(workflow: string, version: string, key: string): string {
  return `${workflow}@${version.split('.')[0]}/${key}`;
}
