/**
 * The one Temporal workflow of Interlace: it runs the shared interpreter (../interpreter.ts) over a
 * program with a `WorkflowContext` made of @temporalio/workflow primitives. This module runs inside
 * Temporal's workflow sandbox (bundled by bundle.ts with the programs' generated expression modules): it
 * imports nothing but @temporalio/workflow and the sandbox-safe interpreter and context.
 *
 * - activity → `proxyActivities` with the step's timeout and retry policy, activity id = the call id;
 *   the activity (activities.ts) runs the shared `ActivityRunner`.
 * - sleep → `sleep` (a durable server-side timer).
 * - waitForSignal → every signal lands in a per-name queue (the default signal handler), and a wait is
 *   `condition(queue not empty, timeout)`: signals sent before the wait are kept, in order, and so are
 *   signals that come after a wait timed out (a later wait on the same topic takes them), as the embedded
 *   engine keeps them in its `signals` table. A signal and the timer due in the same workflow task: the
 *   signal is applied first (the SDK runs signal jobs before timer jobs), so the wait takes it. A wait with
 *   `match` takes its event from the mailbox of its address (below): an event the mailbox forwarded while
 *   the wait was timing out (the forward and the unclaim crossed) goes back to the mailbox, for the next
 *   wait on that address in any execution — as the embedded engine leaves it at the address.
 * - now → workflow time (deterministic on replay); history → kept in memory (a replay rebuilds it) and
 *   published in the execution's memo before every blocking call and at the end, so `show` reads the audit
 *   trail from the server without a worker.
 * - cancel → the pending calls of the execution are cancelled and the interpreter sees `WorkflowCancelled`
 *   once; the compensations that follow run in a non-cancellable scope.
 *
 * Versioning: the program's exact version is an argument recorded in the start event, so an execution
 * keeps running the IR it started with as long as a worker bundles that version; a worker that has only a
 * newer version of the same major (after a rollout) runs that one, which within a major may only add; a
 * worker with neither fails the workflow task (retried by Temporal) rather than replaying other steps. Changes to the
 * interpreter itself must be guarded with `patched()` here (none so far).
 */
import {
  ActivityFailure as TemporalActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setDefaultSignalHandler,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { WorkflowProgram } from '../../../language/workflow/workflow-ir.ts';
import { ActivityFailure, WorkflowCancelled } from '../context.ts';
import type { ActivityOrigin, ActivityRequest, ExecutionTrace, HistoryEntry, WorkflowContext } from '../context.ts';
import { runWorkflow } from '../interpreter.ts';
import type { WorkflowOutcome } from '../interpreter.ts';
import {
  ACTIVITY_NAME,
  MAILBOX_CLAIM,
  MAILBOX_EVENT,
  MAILBOX_RETURN,
  MAILBOX_TYPE,
  MAILBOX_UNCLAIM,
  MEMO_FIELD,
  STATUS_ATTRIBUTE,
} from './names.ts';
import type { MailboxClaim, WorkflowArgs } from './names.ts';
import { scopedName, unscopedName } from './scope.ts';

/** Publish activities have no retry in the IR: the backbone's de-duplication makes retries safe. */
const PUBLISH_RETRY = { maximumAttempts: 10, initialInterval: 200, maximumInterval: 5_000, backoffCoefficient: 2 };
const PUBLISH_TIMEOUT_MS = 30_000;

function programsByVersion(programs: readonly WorkflowProgram[]): Map<string, WorkflowProgram> {
  const byVersion = new Map<string, WorkflowProgram>();
  for (const program of programs) byVersion.set(`${program.ir.name}@${program.ir.version}`, program);
  return byVersion;
}

/** The newest program of `name` with the major of `version` and a higher version, if the bundle has one. */
function newerOfMajor(programs: readonly WorkflowProgram[], name: string | undefined, version: string): WorkflowProgram | undefined {
  const parts = (v: string) =>
    v
      .split(/[.+-]/)
      .slice(0, 3)
      .map((p) => Number.parseInt(p, 10) || 0);
  const compare = (a: string, b: string) => {
    const [pa, pb] = [parts(a), parts(b)];
    for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
    return 0;
  };
  let best: WorkflowProgram | undefined;
  for (const program of programs) {
    if (program.ir.name !== name || parts(program.ir.version)[0] !== parts(version)[0]) continue;
    if (compare(program.ir.version, version) <= 0) continue;
    if (!best || compare(program.ir.version, best.ir.version) > 0) best = program;
  }
  return best;
}

/** The workflow function over the programs a bundle holds (the bundle's generated entry exports it as `interlace`). */
export function interlaceWorkflowFor(programs: readonly WorkflowProgram[]): (args: WorkflowArgs) => Promise<WorkflowOutcome> {
  const byVersion = programsByVersion(programs);
  return async function interlace(args: WorkflowArgs): Promise<WorkflowOutcome> {
    const name = args.workflow.split('@')[0];
    // The version it started on, else a newer version of the same major: a rollout replaces the workers
    // of a unit mid-execution, and within a major a version may only add (interlace check:
    // governance/workflow-changes.ts), so the newer program replays what the execution recorded and
    // continues — as the embedded engine resumes on its major's current program.
    const program = byVersion.get(`${name}@${args.version}`) ?? newerOfMajor(programs, name, args.version);
    // A plain Error fails the workflow task, not the execution: Temporal retries it until a worker that
    // bundles this version (or a newer one of its major) picks it up.
    if (!program) throw new Error(`this worker has no program ${name}@${args.version}; deploy a worker that bundles it`);
    const context = new TemporalContext(args.scope, args.workflow, args.trace);
    const outcome = await CancellationScope.nonCancellable(async () => {
      // The root scope is cancelled by a cancel request; the interpreter itself runs non-cancellable so
      // that its compensations can still call activities.
      return runWorkflow(program, args.input, context);
    });
    // Events on their way back to a mailbox leave before the execution ends.
    await context.returned();
    context.publish(outcome);
    // The business outcome where Temporal's visibility can count it (it closes every outcome as Completed).
    if (args.statusAttribute) upsertSearchAttributes([{ key: { name: STATUS_ATTRIBUTE, type: 'KEYWORD' }, value: outcome.status }]);
    return outcome;
  };
}

class TemporalContext implements WorkflowContext {
  /** The Interlace execution id: the workflow id without the Estate's scope (scope.ts). */
  readonly executionId: string;
  /** `name@major` and the trace from the start arguments: what every activity's span is made of. */
  private readonly workflow: string;
  private readonly trace: ExecutionTrace | undefined;
  /** The Estate scope of the execution: its mailboxes' workflow ids carry it too. */
  private readonly scope: string | undefined;
  private readonly signals = new Map<string, unknown[]>();
  /** Waits with `match` in progress, per address: a forwarded event that finds none goes back to the mailbox. */
  private readonly matching = new Map<string, number>();
  /** Addresses this execution has claimed from: only their mailboxes forward to it. */
  private readonly claimed = new Set<string>();
  private readonly returning = new Set<Promise<void>>();
  private readonly entries: HistoryEntry[] = [];
  private readonly recorded = new Set<string>();
  private published = 0;
  private flushScheduled = false;
  private ended = false;
  private readonly pending = new Set<CancellationScope>();
  private cancelRequested = false;
  private cancelDelivered = false;

  constructor(scope: string | undefined, workflow: string, trace: ExecutionTrace | undefined) {
    this.scope = scope;
    this.executionId = unscopedName(scope, workflowInfo().workflowId);
    this.workflow = workflow;
    this.trace = trace;
    setDefaultSignalHandler((name: string, ...args: unknown[]) => {
      if (this.claimed.has(name) && !this.matching.get(name) && patched(RETURN_LATE_FORWARDS)) {
        this.giveBack(name, args[0]);
        return;
      }
      const queue = this.signals.get(name) ?? [];
      queue.push(args[0]);
      this.signals.set(name, queue);
    });
    CancellationScope.current().cancelRequested.catch(() => {
      this.cancelRequested = true;
      for (const scope of this.pending) scope.cancel();
    });
  }

  activity(callId: string, request: ActivityRequest): Promise<unknown> {
    const options =
      request.kind === 'call'
        ? {
            startToCloseTimeout: request.timeoutMs,
            retry: {
              maximumAttempts: request.retry.maxAttempts,
              initialInterval: request.retry.initialIntervalMs,
              maximumInterval: Math.max(request.retry.maxIntervalMs, request.retry.initialIntervalMs),
              backoffCoefficient: 2,
            },
          }
        : { startToCloseTimeout: PUBLISH_TIMEOUT_MS, retry: PUBLISH_RETRY };
    const activities = proxyActivities<Record<string, (request: ActivityRequest, origin: ActivityOrigin) => Promise<unknown>>>({
      ...options,
      activityId: callId,
    });
    const run = activities[ACTIVITY_NAME]!;
    // Activity inputs are not compared on replay: executions scheduled without the origin replay as they were.
    const origin: ActivityOrigin = {
      workflow: this.workflow,
      executionId: this.executionId,
      callId,
      ...(this.trace ? { trace: this.trace } : {}),
    };
    return this.cancellable(() => run(request, origin)).catch((error: unknown) => {
      if (error instanceof WorkflowCancelled) throw error;
      throw toActivityFailure(error);
    });
  }

  sleep(_callId: string, ms: number): Promise<void> {
    return this.cancellable(() => sleep(ms));
  }

  async waitForSignal(_callId: string, name: string, timeoutMs: number, from?: string): Promise<{ readonly payload: unknown } | undefined> {
    // A wait with `match`: the mailbox of its address forwards one event, as the signal named after the address.
    const signal = from ?? name;
    if (from !== undefined) {
      this.claimed.add(from);
      this.matching.set(from, (this.matching.get(from) ?? 0) + 1);
      await claimMailbox(scopedName(this.scope, from), { owner: workflowInfo().workflowId, signal });
    }
    const queue = (): unknown[] => this.signals.get(signal) ?? [];
    let arrived = false;
    try {
      arrived = await this.cancellable(() => condition(() => queue().length > 0, timeoutMs));
    } finally {
      if (from !== undefined) {
        // From here on, what the mailbox still forwards to this address goes back to it (the handler above).
        this.matching.set(from, (this.matching.get(from) ?? 1) - 1);
        if (!arrived) await unclaimMailbox(scopedName(this.scope, from), { owner: workflowInfo().workflowId, signal });
      }
    }
    if (!arrived) return undefined;
    return { payload: queue().shift() };
  }

  /** Waits until the events on their way back to their mailboxes are there. */
  async returned(): Promise<void> {
    while (this.returning.size > 0) await Promise.all([...this.returning]);
  }

  /** An event forwarded to a wait that is over: back to the front of its mailbox (a new one if it has ended). */
  private giveBack(address: string, event: unknown): void {
    const done = returnToMailbox(scopedName(this.scope, address), event)
      .catch(() => {
        // No mailbox would take it (five tries): this execution keeps it, for its own next wait on the address.
        const queue = this.signals.get(address) ?? [];
        queue.push(event);
        this.signals.set(address, queue);
      })
      .finally(() => this.returning.delete(done));
    this.returning.add(done);
  }

  now(): number {
    return Date.now();
  }

  history(entry: HistoryEntry): void {
    if (this.recorded.has(entry.id)) return;
    this.recorded.add(entry.id);
    this.entries.push(entry);
    // Entries recorded after the last blocking call of a branch (a parallel branch that ends while another
    // waits) reach the memo too: once the work this activation is doing has settled.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      void Promise.resolve().then(() => {
        this.flushScheduled = false;
        this.flushHistory();
      });
    }
  }

  /** The end: the whole audit trail and the outcome into the memo (the same workflow task completes the execution). */
  publish(outcome: WorkflowOutcome): void {
    this.ended = true;
    upsertMemo({
      [MEMO_FIELD]: {
        ...this.memoBase(),
        history: this.entries,
        status: outcome.status,
        ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      },
    });
  }

  /** Runs a blocking primitive in a scope a cancel request reaches; publishes the audit trail first. */
  private async cancellable<T>(fn: () => Promise<T>): Promise<T> {
    this.flushHistory();
    if (this.cancelRequested && !this.cancelDelivered) {
      this.cancelDelivered = true;
      throw new WorkflowCancelled();
    }
    const scope = new CancellationScope();
    this.pending.add(scope);
    try {
      return await scope.run(fn);
    } catch (error) {
      if (this.cancelRequested && isCancellation(error)) {
        this.cancelDelivered = true;
        throw new WorkflowCancelled();
      }
      throw error;
    } finally {
      this.pending.delete(scope);
    }
  }

  private flushHistory(): void {
    if (this.ended || this.published === this.entries.length) return;
    this.published = this.entries.length;
    upsertMemo({ [MEMO_FIELD]: { ...this.memoBase(), history: this.entries } });
  }

  private memoBase(): Record<string, unknown> {
    const memo = workflowInfo().memo?.[MEMO_FIELD];
    return memo !== null && typeof memo === 'object' ? { ...(memo as Record<string, unknown>) } : {};
  }
}

/** The patch that sends late forwards back to their mailbox (executions started before it keep them, as they did). */
const RETURN_LATE_FORWARDS = 'interlace-return-late-forwards';

/** How long a mailbox with nothing to pair (events nobody claims, or claims with no event) lives: the longest wait a policy allows. */
const MAILBOX_IDLE_MS = 720 * 3_600_000;

/**
 * The correlation mailbox of one address (its workflow id, behind the Estate's scope): events for a
 * `wait` with `match` arrive here (the engine's deliverEvent signals it, starting it if need be), and
 * waits claim them; each event goes to the oldest claim (a workflow id), as the signal the claim names
 * (the unscoped address), in arrival order. It ends when it has had nothing to pair for
 * `MAILBOX_IDLE_MS`; a later event starts a new one.
 */
export async function interlaceMailbox(args?: { claims?: readonly MailboxClaim[]; events?: readonly unknown[] }): Promise<void> {
  const events: unknown[] = [...(args?.events ?? [])];
  const claims: MailboxClaim[] = [...(args?.claims ?? [])];
  setHandler(defineSignal<[unknown]>(MAILBOX_EVENT), (event) => {
    events.push(event);
  });
  setHandler(defineSignal<[unknown]>(MAILBOX_RETURN), (event) => {
    // It was the oldest when it was forwarded.
    events.unshift(event);
  });
  setHandler(defineSignal<[MailboxClaim]>(MAILBOX_CLAIM), (claim) => {
    if (!claims.some((c) => c.owner === claim.owner && c.signal === claim.signal)) claims.push(claim);
  });
  setHandler(defineSignal<[MailboxClaim]>(MAILBOX_UNCLAIM), (claim) => {
    const at = claims.findIndex((c) => c.owner === claim.owner && c.signal === claim.signal);
    if (at >= 0) claims.splice(at, 1);
  });
  for (;;) {
    if (!(await condition(() => events.length > 0 && claims.length > 0, MAILBOX_IDLE_MS))) return;
    const claim = claims.shift()!;
    // Taken out while the forward is in flight: an event returned meanwhile goes to the front without being mistaken for it.
    const event = events.shift();
    try {
      await getExternalWorkflowHandle(claim.owner).signal(claim.signal, event);
    } catch {
      // The claimant has ended: the event stays for the next claim.
      events.unshift(event);
    }
  }
}

/** Registers a wait's claim with the mailbox of `address`, starting the mailbox when there is none yet. */
async function claimMailbox(address: string, claim: MailboxClaim): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await getExternalWorkflowHandle(address).signal(MAILBOX_CLAIM, claim);
      return;
    } catch {
      // No mailbox yet (or it just ended): start one that holds this claim.
    }
    try {
      await startChild(MAILBOX_TYPE, {
        workflowId: address,
        args: [{ claims: [claim] }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      return;
    } catch (error) {
      // An event started it meanwhile: signal it again.
      if (!(error instanceof Error && error.name === 'WorkflowExecutionAlreadyStartedError') || attempt >= 5) throw error;
    }
  }
}

/** Puts an event back at the front of the mailbox of `address`, starting one that holds it when there is none. */
async function returnToMailbox(address: string, event: unknown): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await getExternalWorkflowHandle(address).signal(MAILBOX_RETURN, event);
        return;
      } catch {
        // The mailbox has ended (nothing to pair for a long time): start one that holds the event.
      }
      try {
        await startChild(MAILBOX_TYPE, { workflowId: address, args: [{ events: [event] }], parentClosePolicy: ParentClosePolicy.ABANDON });
        return;
      } catch (error) {
        // Another one started meanwhile: signal it again.
        if (!(error instanceof Error && error.name === 'WorkflowExecutionAlreadyStartedError') || attempt >= 5) throw error;
      }
    }
  });
}

/** Withdraws a claim whose wait ended without an event; a mailbox that is gone has nothing to withdraw. */
async function unclaimMailbox(address: string, claim: MailboxClaim): Promise<void> {
  await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(address).signal(MAILBOX_UNCLAIM, claim)).catch(() => {});
}

/** Temporal's ActivityFailure (its cause says why) → the interpreter's ActivityFailure. */
function toActivityFailure(error: unknown): ActivityFailure {
  if (error instanceof TemporalActivityFailure) {
    const cause = error.cause;
    if (cause instanceof ApplicationFailure) return new ActivityFailure(cause.message, cause.type ?? 'activity-failed', false);
    return new ActivityFailure(cause?.message ?? error.message, cause?.name ?? 'activity-failed', false);
  }
  return new ActivityFailure(error instanceof Error ? error.message : String(error), 'activity-failed', false);
}
