/**
 * The Temporal engine: workflows run durably on a Temporal cluster (the chart's `temporal` settings, or the
 * dev server of the tests), through the same interpreter as the embedded engine.
 *
 * - `TemporalWorkflowEngine` is the client side (`WorkflowEngine`: start, signal, deliverEvent, cancel,
 *   list, show) over @temporalio/client. The Temporal workflow id is the execution id
 *   (`<workflow>@<major>/<key>`, context.ts `executionIdOf`), behind the Estate's scope when it has one
 *   (scope.ts: `<scope>/<execution id>`; the API takes and gives the unscoped id), and starts use
 *   REJECT_DUPLICATE, so a second start for the same business key — a redelivered trigger — is refused by
 *   the server, not duplicated.
 * - `startTemporalWorker` runs the workflow bundle (bundle.ts) and the activity (activities.ts) on a
 *   task queue (scoped like the ids). Any number of workers may poll it; a killed worker's executions
 *   move to another one after the sticky queue timeout (`stickyQueueScheduleToStartTimeoutMs`).
 * - `show` reads the audit trail and the outcome from the execution's memo (workflow.ts publishes it),
 *   so it needs no worker; the end state comes from the workflow's result.
 */
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { WorkflowProgram } from '../../../language/workflow/workflow-ir.ts';
import { DECISION_SIGNAL, eventSignalName, executionIdOf, parseDecision } from '../context.ts';
import type { ActivityRunner, ExecutionTrace, HistoryEntry } from '../context.ts';
import { activeSteps } from '../engine.ts';
import type { ExecutionDetail, ExecutionStatus, ExecutionSummary, StartResult, WorkflowEngine } from '../engine.ts';
import { correlationAddresses, correlationKeys, workflowKey } from '../interpreter.ts';
import type { WorkflowOutcome } from '../interpreter.ts';
import { temporalActivities } from './activities.ts';
import { CallPolicy, openConnection, tlsOf } from './connection.ts';
import type { TemporalConnectionOptions } from './connection.ts';
import { ensureStatusAttribute } from './status-attribute.ts';
import { DEFAULT_TASK_QUEUE, MAILBOX_EVENT, MAILBOX_TYPE, MEMO_FIELD, WORKFLOW_TYPE } from './names.ts';
import type { ExecutionMemo, WorkflowArgs } from './names.ts';
import { scopeProblem, scopedName, unscopedName } from './scope.ts';

export type { TemporalConnectionOptions } from './connection.ts';

/** `name@major` of a program. */
function workflowRef(program: WorkflowProgram): string {
  return `${program.ir.name}@${program.ir.version.split('.')[0]}`;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export class TemporalWorkflowEngine implements WorkflowEngine {
  private readonly client: Client;
  /** Every call to the server goes through it: a deadline, our own retries, and nothing left behind by close(). */
  private readonly calls: CallPolicy;
  /** The scoped task queue: what Temporal knows it by. */
  private readonly taskQueue: string;
  private readonly scope: string | undefined;
  /** The newest version of each `name@major`: new executions start on it. */
  private readonly latest = new Map<string, WorkflowProgram>();
  /** Whether the namespace has the `InterlaceStatus` search attribute: executions started here then upsert their outcome into it. */
  readonly statusAttribute: boolean;

  private constructor(
    calls: CallPolicy,
    client: Client,
    programs: readonly WorkflowProgram[],
    scope: string | undefined,
    taskQueue: string,
    statusAttribute: boolean,
  ) {
    this.calls = calls;
    this.client = client;
    this.statusAttribute = statusAttribute;
    this.scope = scope;
    this.taskQueue = scopedName(scope, taskQueue);
    for (const program of programs) {
      const ref = workflowRef(program);
      const known = this.latest.get(ref);
      if (!known || compareVersions(program.ir.version, known.ir.version) > 0) this.latest.set(ref, program);
    }
  }

  static async connect(options: TemporalConnectionOptions, programs: readonly WorkflowProgram[]): Promise<TemporalWorkflowEngine> {
    checkScope(options.scope);
    const connection = await openConnection(options);
    const calls = new CallPolicy(connection, options.address);
    const client = new Client({ connection, namespace: options.namespace });
    try {
      const statusAttribute = await ensureStatusAttribute(connection, calls, options.namespace);
      return new TemporalWorkflowEngine(calls, client, programs, options.scope, options.taskQueue ?? DEFAULT_TASK_QUEUE, statusAttribute);
    } catch (error) {
      await calls.close();
      throw error;
    }
  }

  async start(workflow: string, input: unknown, trace?: ExecutionTrace): Promise<StartResult> {
    const program = this.latest.get(workflow);
    if (!program) throw new Error(`no workflow ${workflow}; known: ${[...this.latest.keys()].join(', ') || 'none'}`);
    const key = workflowKey(program, input);
    const executionId = executionIdOf(program.ir.name, program.ir.version, key);
    const args: WorkflowArgs = {
      workflow,
      version: program.ir.version,
      key,
      input,
      ...(this.statusAttribute ? { statusAttribute: true } : {}),
      ...(trace ? { trace } : {}),
      ...(this.scope !== undefined ? { scope: this.scope } : {}),
    };
    const memo: ExecutionMemo = { workflow, key, input };
    try {
      await this.calls.run(`start ${executionId}`, () =>
        this.client.workflow.start(WORKFLOW_TYPE, {
          taskQueue: this.taskQueue,
          workflowId: this.temporalId(executionId),
          args: [args],
          memo: { [MEMO_FIELD]: memo },
          // One execution per business key, ever: a redelivered trigger after the end starts nothing either.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
      return { executionId, started: true };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { executionId, started: false };
      throw error;
    }
  }

  async signal(executionId: string, name: string, payload: unknown): Promise<void> {
    if (name === DECISION_SIGNAL) {
      const decision = parseDecision(payload);
      if (typeof decision === 'string') throw new Error(`signal ${name} to ${executionId}: ${decision}`);
    }
    try {
      await this.calls.run(`signal ${name} to ${executionId}`, () => this.handle(executionId).signal(name, payload));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw await this.notRunning(executionId, `signal ${name}`);
      throw error;
    }
  }

  /** The Temporal workflow id of an execution id or a mailbox address: scoped to this engine's Estate. */
  private temporalId(id: string): string {
    return scopedName(this.scope, id);
  }

  private handle(executionId: string) {
    return this.client.workflow.getHandle(this.temporalId(executionId));
  }

  /** Why an execution cannot take a signal or a cancel: it does not exist, or it has ended. */
  private async notRunning(executionId: string, what: string): Promise<Error> {
    const detail = await this.show(executionId);
    if (!detail) return new Error(`${what}: no execution ${executionId}`);
    return new Error(`${what}: execution ${executionId} has ended (${detail.status})`);
  }

  async deliverEvent(topic: string, event: unknown): Promise<string[]> {
    const delivered: string[] = [];
    for (const program of this.latest.values()) {
      for (const key of correlationKeys(program, topic, event)) {
        const id = executionIdOf(program.ir.name, program.ir.version, key);
        try {
          await this.calls.run(`event ${topic} to ${id}`, () => this.handle(id).signal(eventSignalName(topic), event));
          delivered.push(id);
        } catch (error) {
          // No execution for this key (or it has ended): the event belongs to nobody here.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }
      // A wait with `match`: the mailbox of the event's address keeps it until a wait claims it.
      for (const address of correlationAddresses(program, topic, event)) {
        await this.calls.run(`event ${topic} to ${address}`, () =>
          this.client.workflow.signalWithStart(MAILBOX_TYPE, {
            taskQueue: this.taskQueue,
            workflowId: this.temporalId(address),
            args: [{}],
            signal: MAILBOX_EVENT,
            signalArgs: [event],
          }),
        );
        delivered.push(address);
      }
    }
    return delivered;
  }

  async cancel(executionId: string): Promise<void> {
    const handle = this.handle(executionId);
    try {
      // The server accepts a cancel request for an ended execution and does nothing: refuse it here.
      const { status } = await this.calls.run(`describe ${executionId}`, () => handle.describe());
      if (status.name !== 'RUNNING') throw await this.notRunning(executionId, 'cancel');
      await this.calls.run(`cancel ${executionId}`, () => handle.cancel());
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw await this.notRunning(executionId, 'cancel');
      throw error;
    }
  }

  async list(): Promise<ExecutionSummary[]> {
    // Only this Estate's executions: the scope is the first part of their ids (scope.ts, a safe text).
    const query =
      this.scope === undefined
        ? `WorkflowType = '${WORKFLOW_TYPE}'`
        : `WorkflowType = '${WORKFLOW_TYPE}' AND WorkflowId STARTS_WITH '${scopedName(this.scope, '')}'`;
    const infos = await this.calls.run('list executions', async () => {
      const all: WorkflowExecutionInfo[] = [];
      for await (const info of this.client.workflow.list({ query })) all.push(info);
      return all;
    });
    const summaries: ExecutionSummary[] = [];
    for (const info of infos) {
      // Visibility trails the execution by a moment: what it still calls running is asked of the execution itself.
      if (info.status.name === 'RUNNING') {
        const detail = await this.show(unscopedName(this.scope, info.workflowId));
        if (detail) summaries.push(summaryOf(detail));
      } else summaries.push(summarize(this.scope, info, info.memo, undefined));
    }
    return summaries;
  }

  /** Read from each running execution's memo: Temporal visibility has no index of open tasks here. */
  async humanTaskEntries(): Promise<{ execution: ExecutionSummary; entries: HistoryEntry[] }[]> {
    const out: { execution: ExecutionSummary; entries: HistoryEntry[] }[] = [];
    for (const execution of await this.list()) {
      if (execution.status !== 'running') continue;
      const detail = await this.show(execution.id);
      const entries = detail?.history.filter((h) => h.type.startsWith('humanTask.')) ?? [];
      if (detail && entries.length > 0) out.push({ execution: summaryOf(detail), entries });
    }
    return out;
  }

  async show(executionId: string): Promise<ExecutionDetail | undefined> {
    const handle = this.handle(executionId);
    let description: Awaited<ReturnType<typeof handle.describe>>;
    try {
      description = await this.calls.run(`describe ${executionId}`, () => handle.describe());
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
    let outcome: WorkflowOutcome | undefined;
    let failure: string | undefined;
    const result = () => this.calls.run(`result of ${executionId}`, () => handle.result());
    if (description.status.name === 'COMPLETED') outcome = (await result()) as WorkflowOutcome;
    else if (description.status.name !== 'RUNNING')
      failure = await result().then(
        () => undefined,
        (error: unknown) => messageOf(error),
      );
    const summary = summarize(this.scope, description, description.memo, failure);
    const memo = memoOf(description.memo);
    const history = memo?.history ?? [];
    return {
      ...summary,
      input: memo?.input,
      ...(outcome ? { state: outcome.state } : {}),
      history,
      ...(summary.status === 'running' ? { activeSteps: activeSteps(history) } : {}),
    };
  }

  /** Ends the calls waiting to retry (they throw 'closed'), then closes the channel: no SDK timer outlives it. */
  async close(): Promise<void> {
    await this.calls.close();
  }
}

function memoOf(memo: Record<string, unknown> | undefined): ExecutionMemo | undefined {
  const value = memo?.[MEMO_FIELD];
  return value !== null && typeof value === 'object' ? (value as ExecutionMemo) : undefined;
}

function statusOf(info: Pick<WorkflowExecutionInfo, 'status'>, memo: ExecutionMemo | undefined): ExecutionStatus {
  switch (info.status.name) {
    case 'RUNNING':
      return 'running';
    case 'COMPLETED':
      return memo?.status ?? 'completed';
    case 'CANCELLED':
      return 'cancelled';
    default:
      // FAILED (a bug in the program), TERMINATED (by an operator), TIMED_OUT.
      return 'failed';
  }
}

function summarize(
  scope: string | undefined,
  info: Pick<WorkflowExecutionInfo, 'status' | 'workflowId' | 'startTime' | 'closeTime'>,
  rawMemo: Record<string, unknown> | undefined,
  failure: string | undefined,
): ExecutionSummary {
  const memo = memoOf(rawMemo);
  const id = unscopedName(scope, info.workflowId);
  const slash = id.indexOf('/');
  const reason = memo?.reason ?? failure ?? (info.status.name === 'TERMINATED' ? 'terminated' : undefined);
  return {
    id,
    workflow: memo?.workflow ?? id.slice(0, slash),
    key: memo?.key ?? id.slice(slash + 1),
    status: statusOf(info, memo),
    startedAt: info.startTime.getTime(),
    ...(info.closeTime ? { endedAt: info.closeTime.getTime() } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}

function summaryOf(detail: ExecutionDetail): ExecutionSummary {
  const { input: _input, state: _state, history: _history, activeSteps: _active, waits: _waits, ...summary } = detail;
  return summary;
}

/** A scope that is not one (temporal-settings.ts checks the worker's; this guards every other caller). */
function checkScope(scope: string | undefined): void {
  const problem = scope === undefined ? undefined : scopeProblem(scope);
  if (problem) throw new Error(problem);
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  return String(error);
}

export interface TemporalWorkerOptions extends TemporalConnectionOptions {
  /** The bundle's JavaScript (bundle.ts `bundleWorkflows`), or a file that holds it. */
  readonly bundle: { readonly code: string } | { readonly codePath: string };
  readonly activities: ActivityRunner;
  /**
   * How long a workflow task waits on the queue of the worker that last ran the execution before any
   * worker may take it (Temporal's default is 10 s): after a worker dies, its executions resume on another
   * worker after this long.
   */
  readonly stickyQueueScheduleToStartTimeoutMs?: number;
}

export interface TemporalWorker {
  /** Finishes the tasks in hand, then stops polling. */
  shutdown(): Promise<void>;
}

/** Starts a worker for the bundle's workflows and the activity; resolves once it polls. */
export async function startTemporalWorker(options: TemporalWorkerOptions): Promise<TemporalWorker> {
  checkScope(options.scope);
  const tls = tlsOf(options);
  const connection = await NativeConnection.connect({
    address: options.address,
    ...(tls !== undefined ? { tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: scopedName(options.scope, options.taskQueue ?? DEFAULT_TASK_QUEUE),
    workflowBundle: options.bundle,
    activities: temporalActivities(options.activities),
    ...(options.stickyQueueScheduleToStartTimeoutMs !== undefined
      ? { stickyQueueScheduleToStartTimeout: options.stickyQueueScheduleToStartTimeoutMs }
      : {}),
  });
  const running = worker.run();
  return {
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
