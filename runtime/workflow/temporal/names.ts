/**
 * Names and shapes shared by the Temporal workflow (workflow.ts, in the sandbox), its activity
 * (activities.ts) and the engine (temporal-engine.ts, the client side). No imports: it loads anywhere.
 */
import type { ExecutionTrace, HistoryEntry } from '../context.ts';
import type { WorkflowStatus } from '../interpreter.ts';

/** The workflow type every Interlace workflow runs as (the export name of the bundle's entry). */
export const WORKFLOW_TYPE = 'interlace';
/**
 * The workflow type of a correlation mailbox (workflow.ts `interlaceMailbox`): one per correlation
 * address (context.ts `correlationAddress`, also its workflow id), holding the events of a `wait` with
 * `match` until an execution's wait claims them.
 */
export const MAILBOX_TYPE = 'interlaceMailbox';
/** Signal to a mailbox: an event for its address (sent by the engine's deliverEvent with signal-with-start). */
export const MAILBOX_EVENT = 'mailbox.event';
/** Signal to a mailbox: an execution's wait wants the next event (`MailboxClaim`). */
export const MAILBOX_CLAIM = 'mailbox.claim';
/** Signal to a mailbox: that wait is over (timed out, cancelled); forward nothing more to it. */
export const MAILBOX_UNCLAIM = 'mailbox.unclaim';
/**
 * Signal to a mailbox: an event it forwarded to a wait that had timed out meanwhile (the forward and the
 * unclaim crossed); it goes back to the front of the mailbox, for the next wait on that address.
 */
export const MAILBOX_RETURN = 'mailbox.return';

/** A wait's claim on a mailbox: the mailbox forwards one event to `owner` as the signal `signal`. */
export interface MailboxClaim {
  readonly owner: string;
  readonly signal: string;
}

/** The one activity: runs an ActivityRequest through the shared ActivityRunner. */
export const ACTIVITY_NAME = 'interlaceActivity';
/** The memo field that holds `ExecutionMemo`. */
export const MEMO_FIELD = 'interlace';
/**
 * The custom search attribute (Keyword) that holds an execution's business outcome (`completed`, `failed`,
 * `escalated`, `compensated`, `cancelled`), upserted by the workflow when it ends: Temporal closes all of
 * these as Completed, so its own ExecutionStatus cannot tell an `end: failed` from a success. The engine
 * registers it on the namespace at start-up (temporal-engine.ts); the controller's FAILED column counts
 * `InterlaceStatus = 'failed'` (controller/reconcile/workflow-executions.ts).
 */
export const STATUS_ATTRIBUTE = 'InterlaceStatus';
/** The task queue workers poll unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'interlace-workflows';

export interface WorkflowArgs {
  /** `name@major`. */
  readonly workflow: string;
  /** The exact program version the execution was started with (recorded in the start event). */
  readonly version: string;
  readonly key: string;
  readonly input: unknown;
  /**
   * Upsert `STATUS_ATTRIBUTE` at the end: set by an engine that found it registered on the namespace (an
   * upsert of an attribute the namespace lacks would fail the workflow task over and over). Recorded in the
   * start event, so a replay takes the same path; executions started without it never upsert.
   */
  readonly statusAttribute?: boolean;
  /** The trace the execution continues (recorded in the start event, so every replay and every worker has it). */
  readonly trace?: ExecutionTrace;
  /**
   * The Estate scope the execution was started in (scope.ts): its workflow id is `<scope>/<execution id>`
   * and the mailboxes it claims from are scoped the same. Recorded in the start event; executions started
   * without it have unscoped ids.
   */
  readonly scope?: string;
}

/** What an execution's memo holds: the client sets `workflow`, `key` and `input` at start; the workflow adds the rest. */
export interface ExecutionMemo {
  readonly workflow: string;
  readonly key: string;
  readonly input: unknown;
  /** The audit trail so far (published before every blocking call and at the end). */
  readonly history?: readonly HistoryEntry[];
  /** Set at the end. */
  readonly status?: WorkflowStatus;
  readonly reason?: string;
}
