/**
 * The workflows of a local run: the embedded engine (runtime/workflow/embedded/) on
 * `<runDir>/workflows.db`, fed by the run's backbone (trigger and awaited topics), calling the run's
 * Systems through the delivery code (their clients inside their budgets: credentials, circuit breaker,
 * rate). `interlace workflow list|show|signal|cancel` opens the same file for the API only, next to a
 * running `interlace run` or after it.
 *
 * The run takes a list of `WorkflowProgram`s; it knows nothing of how they were generated.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowProgram } from '../../language/workflow/workflow-ir.ts';
import type { Logger } from '../../lib/log.ts';
import type { Backbone, Subscription } from '../backbone/backbone.ts';
import { SystemBudgets } from '../delivery/system-budget.ts';
import { SystemClient } from '../http/system-client.ts';
import type { Environment } from '../http/secrets.ts';
import type { Tracer } from '../observe/trace.ts';
import { contractBusinessKeys, findSystem } from '../worker/estate.ts';
import type { WorkerEstate } from '../worker/estate.ts';
import { systemParameter } from '../worker/route-assembly.ts';
import { deliveryActivityRunner } from '../workflow/activities/delivery-activities.ts';
import { ActivityFailure } from '../workflow/context.ts';
import { openEmbeddedEngine } from '../workflow/embedded/embedded-engine.ts';
import type { EmbeddedWorkflowEngine } from '../workflow/embedded/embedded-engine.ts';
import type { ExecutionDetail, ExecutionStatus } from '../workflow/engine.ts';
import { feedWorkflowEvents } from '../workflow/event-feed.ts';

/** The embedded workflow store of a run folder. */
export function workflowStoreFile(runDir: string): string {
  return join(runDir, 'workflows.db');
}

/**
 * Opens a run's workflow store for the API only (start, signal, cancel, list, show): this process
 * runs no workflow and calls no System; the run that owns the file does. Undefined when the folder
 * has no store (no run with workflows yet).
 */
export function openRunWorkflowStore(runDir: string): EmbeddedWorkflowEngine | undefined {
  const path = workflowStoreFile(runDir);
  if (!existsSync(path)) return undefined;
  return openEmbeddedEngine({
    path,
    programs: [],
    execute: false,
    activities: {
      run: () => Promise.reject(new ActivityFailure('this process only reads the workflow store', 'read-only', false)),
    },
  });
}

export interface RunWorkflowsOptions {
  runDir: string;
  programs: readonly WorkflowProgram[];
  backbone: Backbone;
  /** The estate as the run's units see it (pointed at the simulators): where calls go. */
  estate: WorkerEstate;
  env: Environment;
  logger: Logger;
  /** The run's tracer: each trigger's `workflow … start` span and each activity's span. */
  tracer: Tracer;
  /** How often the engine looks for due timers and signals (default 100 ms; tests go faster). */
  pollIntervalMs?: number;
}

/** A running execution blocked on a wait, a timer or a person shows as `waiting`. */
export type DisplayStatus = ExecutionStatus | 'waiting';

export function displayStatus(execution: ExecutionDetail): DisplayStatus {
  if (execution.status !== 'running') return execution.status;
  return execution.waits?.length ? 'waiting' : 'running';
}

/** Executions by status, for the run summary: `waiting` are running executions blocked on a wait or a person. */
export type WorkflowCounts = Record<DisplayStatus, number>;

/** One workflow's executions in the run summary: by status, and what its people and compensations did. */
export interface WorkflowReport {
  /** `name@major`. */
  readonly workflow: string;
  readonly counts: WorkflowCounts;
  /** Human tasks decided approve / reject, and those whose due time passed, from the audit trails. */
  readonly humanTasks: { readonly approved: number; readonly rejected: number; readonly timedOut: number };
  /** Compensation steps that ran to completion (`compensation.completed`), over all executions. */
  readonly compensations: number;
}

function emptyCounts(): WorkflowCounts {
  return { running: 0, waiting: 0, completed: 0, failed: 0, compensated: 0, escalated: 0, cancelled: 0 };
}

/** The embedded engine of a run, its event feed, and what it counts for the summary. */
export class RunWorkflows {
  readonly engine: EmbeddedWorkflowEngine;
  readonly programs: readonly WorkflowProgram[];
  readonly #subscriptions: Subscription[] = [];
  readonly #logger: Logger;

  private constructor(engine: EmbeddedWorkflowEngine, programs: readonly WorkflowProgram[], logger: Logger) {
    this.engine = engine;
    this.programs = programs;
    this.#logger = logger;
  }

  static async start(options: RunWorkflowsOptions): Promise<RunWorkflows> {
    mkdirSync(options.runDir, { recursive: true });
    const clients = new Map<string, SystemClient>();
    const clientOf = (name: string): SystemClient | undefined => {
      const system = findSystem(options.estate, name);
      if (!system) return undefined;
      let client = clients.get(name);
      if (!client) {
        client = new SystemClient(name, system.spec, options.env);
        clients.set(name, client);
      }
      return client;
    };
    const logger = options.logger.child({ unit: 'workflows' });
    const businessKeys = contractBusinessKeys(options.estate);
    const engine = openEmbeddedEngine({
      path: workflowStoreFile(options.runDir),
      programs: options.programs,
      activities: deliveryActivityRunner({
        client: clientOf,
        budgets: new SystemBudgets((system) => findSystem(options.estate, system)?.spec.limits),
        backbone: options.backbone,
        parameter: (system, name) => systemParameter(options.env, system)(name),
        tracer: options.tracer,
        businessKeys,
      }),
      logger,
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
      onEnded: (execution) =>
        logger.info('workflow ended', { execution: execution.id, status: execution.status, reason: execution.reason }),
    });
    const run = new RunWorkflows(engine, options.programs, logger);
    try {
      run.#subscriptions.push(
        ...(await feedWorkflowEvents(engine, options.backbone, options.programs, {
          onRejected: (topic, problem) => logger.warn('workflow event refused', { topic, problem }),
          tracer: options.tracer,
          businessKeys,
        })),
      );
    } catch (error) {
      await run.stop();
      throw error;
    }
    return run;
  }

  /** Executions of this run's store by status (a running one with a pending wait counts as waiting). */
  async counts(): Promise<WorkflowCounts> {
    const counts = emptyCounts();
    for (const execution of await this.engine.list()) {
      const detail = execution.status === 'running' ? await this.engine.show(execution.id) : undefined;
      counts[detail ? displayStatus(detail) : execution.status]++;
    }
    return counts;
  }

  /**
   * Per workflow (each hosted one, also with no executions yet): executions by status, human-task
   * decisions and compensations, read from every execution's audit trail — what the run summary shows.
   */
  async reports(): Promise<WorkflowReport[]> {
    const reports = new Map<
      string,
      { counts: WorkflowCounts; approved: number; rejected: number; timedOut: number; compensations: number }
    >();
    const of = (workflow: string) => {
      let report = reports.get(workflow);
      if (!report) {
        report = { counts: emptyCounts(), approved: 0, rejected: 0, timedOut: 0, compensations: 0 };
        reports.set(workflow, report);
      }
      return report;
    };
    for (const { ir } of this.programs) of(`${ir.name}@${ir.version.split('.')[0]}`);
    for (const execution of await this.engine.list()) {
      const detail = await this.engine.show(execution.id);
      const report = of(execution.workflow);
      report.counts[detail ? displayStatus(detail) : execution.status]++;
      for (const entry of detail?.history ?? []) {
        if (entry.type === 'humanTask.decided') entry.detail?.decision === 'approve' ? report.approved++ : report.rejected++;
        else if (entry.type === 'humanTask.timedOut') report.timedOut++;
        else if (entry.type === 'compensation.completed') report.compensations++;
      }
    }
    return [...reports]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([workflow, r]) => ({
        workflow,
        counts: r.counts,
        humanTasks: { approved: r.approved, rejected: r.rejected, timedOut: r.timedOut },
        compensations: r.compensations,
      }));
  }

  /**
   * The durable consumers of the event feed (event-feed.ts names them): a run is not settled while a
   * trigger or an awaited event waits in one of them.
   */
  consumers(): { topic: string; consumer: string }[] {
    const consumers: { topic: string; consumer: string }[] = [];
    const waited = new Set<string>();
    for (const { ir } of this.programs) {
      if (ir.trigger.kind === 'event')
        consumers.push({ topic: ir.trigger.topic, consumer: `workflow-start-${ir.name}-${ir.version.split('.')[0]}` });
      for (const step of Object.values(ir.steps)) if (step.type === 'wait') waited.add(step.topic);
    }
    for (const topic of [...waited].sort()) consumers.push({ topic, consumer: 'workflow-events' });
    return consumers;
  }

  async stop(): Promise<void> {
    for (const subscription of this.#subscriptions.splice(0)) await subscription.stop().catch(() => {});
    await this.engine.close().catch((error: unknown) => this.#logger.warn('closing the workflow store failed', { error: String(error) }));
  }
}
