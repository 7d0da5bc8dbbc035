/**
 * The Workflow units of a worker, run on Temporal: the units' programs bundled into Temporal's workflow
 * sandbox (runtime/workflow/temporal/bundle.ts), a Temporal worker polling the unit's task queue with the
 * one activity (calls through the delivery code inside the Systems' budgets, publishes to the backbone),
 * and the event feed (runtime/workflow/event-feed.ts: trigger topics start executions, awaited topics
 * signal them).
 *
 * It starts in the background, so the worker's HTTP port answers at once: /readyz is 503 with the reason
 * until the workflows run — the SDK not installed (permanent; said once), the server unreachable (retried,
 * said each time). A pod that cannot run its workflows stays up and says why instead of crash-looping.
 *
 * Durability is Temporal's: a killed worker's executions resume on any worker of the task queue (after the
 * sticky queue timeout); an activity in flight runs again under its idempotency key
 * (`<execution id>/<call id>`), which a System honours and the backbone de-duplicates on.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowProgram } from '../../language/workflow/workflow-ir.ts';
import type { Logger } from '../../lib/log.ts';
import type { Backbone, Subscription } from '../backbone/backbone.ts';
import type { SystemBudgets } from '../delivery/system-budget.ts';
import type { Tracer } from '../observe/trace.ts';
import { deliveryActivityRunner } from '../workflow/activities/delivery-activities.ts';
import { feedWorkflowEvents } from '../workflow/event-feed.ts';
import { scopedName } from '../workflow/temporal/scope.ts';
import type { TemporalConnectionOptions } from '../workflow/temporal/temporal-engine.ts';
import type { LoadedBundle } from './bundle.ts';
import { BundleError } from './bundle.ts';
import { contractBusinessKeys, findSystem } from './estate.ts';
import { systemClientFor, systemParameter } from './route-assembly.ts';
import type { AssemblyContext } from './route-assembly.ts';

export interface WorkflowUnitsOptions {
  bundles: readonly LoadedBundle[];
  temporal: TemporalConnectionOptions;
  ctx: AssemblyContext;
  budgets: SystemBudgets;
  logger: Logger;
  /** The worker's tracer: each trigger's `workflow … start` span and each activity's span. */
  tracer: Tracer;
  /** After a worker dies, how long its executions wait on its sticky queue (Temporal's default 10 s). */
  stickyQueueScheduleToStartTimeoutMs?: number;
  /** The first and the longest pause between attempts to reach the server (default 1 s, 30 s). */
  retryMs?: { initial: number; max: number };
}

export interface RunningWorkflows {
  /** The task queue the units' worker polls, as Temporal knows it (behind the Estate's scope, if any). */
  taskQueue: string;
  /** For /readyz: ok once the Temporal worker polls and the event feed consumes. */
  health(): { ok: boolean; detail?: string };
  /** Resolves when the workflows run (or the start was given up: SDK missing, closed). */
  started: Promise<void>;
  close(): Promise<void>;
}

/**
 * The Temporal task queue of these units unless configured: one per unit, so a worker only gets tasks it
 * has programs for. The engine puts the Estate's scope in front (scope.ts).
 */
export function defaultTaskQueue(units: readonly string[]): string {
  return [...units].sort().join('+');
}

/** The `WorkflowProgram` a Workflow unit's bundle exports. */
export function programOf(bundle: LoadedBundle): WorkflowProgram {
  const name = bundle.manifest.program ?? 'program';
  const program = bundle.exports[name] as WorkflowProgram | undefined;
  if (!program || typeof program !== 'object' || !program.ir || !program.exprs)
    throw new BundleError(`bundle of unit ${bundle.manifest.unit} exports no workflow program \`${name}\`; generate again`);
  return program;
}

/** Whether an import failed because a @temporalio package is not installed. */
function sdkMissing(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && /@temporalio\//.test(e.message ?? '');
}

export const SDK_MISSING =
  'the Temporal SDK is not installed next to interlace (@temporalio/client, worker, workflow and activity 1.24.0, its optional peers): use the image with the SDK (docs/kubernetes.md#workflows-on-temporal) or `npm install` them';

export function startWorkflowUnits(options: WorkflowUnitsOptions): RunningWorkflows {
  const { logger, temporal } = options;
  const units = options.bundles.map((b) => b.manifest.unit);
  const programs = options.bundles.map(programOf);
  const taskQueue = temporal.taskQueue ?? defaultTaskQueue(units);
  const retry = options.retryMs ?? { initial: 1_000, max: 30_000 };
  let state: { ok: boolean; detail?: string } = { ok: false, detail: 'starting workflows' };
  const stopping = new AbortController();
  const toClose: (() => Promise<void>)[] = [];
  const businessKeys = contractBusinessKeys(options.ctx.estate);
  const activities = deliveryActivityRunner({
    client: (name) => {
      const system = findSystem(options.ctx.estate, name);
      return system ? systemClientFor(options.ctx, system) : undefined;
    },
    budgets: options.budgets,
    backbone: options.ctx.backbone,
    parameter: (system, name) => systemParameter(options.ctx.env, system)(name),
    tracer: options.tracer,
    businessKeys,
  });

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      stopping.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  async function run(): Promise<void> {
    let sdk: typeof import('../workflow/temporal/temporal-engine.ts');
    let bundler: typeof import('../workflow/temporal/bundle.ts');
    try {
      sdk = await import('../workflow/temporal/temporal-engine.ts');
      bundler = await import('../workflow/temporal/bundle.ts');
    } catch (error) {
      if (!sdkMissing(error)) throw error;
      state = { ok: false, detail: SDK_MISSING };
      logger.error('cannot run workflows', { units, problem: SDK_MISSING });
      return;
    }
    // Bundling once at start (webpack, seconds): the programs are fixed for the life of the process.
    const code = await bundler.bundleWorkflows({
      programModules: options.bundles.map((b) => ({ path: b.file, exportName: b.manifest.program ?? 'program' })),
      workDir: join(options.ctx.stateDir ?? tmpdir(), 'temporal-bundle'),
    });
    let wait = retry.initial;
    while (!stopping.signal.aborted) {
      try {
        const worker = await sdk.startTemporalWorker({
          ...temporal,
          taskQueue,
          bundle: { code },
          activities,
          ...(options.stickyQueueScheduleToStartTimeoutMs !== undefined
            ? { stickyQueueScheduleToStartTimeoutMs: options.stickyQueueScheduleToStartTimeoutMs }
            : {}),
        });
        toClose.push(() => worker.shutdown());
        const engine = await sdk.TemporalWorkflowEngine.connect({ ...temporal, taskQueue }, programs);
        toClose.push(() => engine.close());
        const feeds: Subscription[] = await feedWorkflowEvents(engine, options.ctx.backbone as Backbone, programs, {
          // The unscoped queue: the backbone is the Estate's own (and NATS names take no '/' or '.').
          consumerPrefix: taskQueue.replaceAll('+', '_'),
          onRejected: (topic, problem) => logger.warn('workflow event refused', { topic, problem }),
          onRetry: (topic, problem) => logger.warn('workflow event not taken; it comes again', { topic, problem }),
          tracer: options.tracer,
          businessKeys,
        });
        toClose.push(async () => {
          for (const feed of feeds) await feed.stop().catch(() => {});
        });
        state = { ok: true };
        logger.info('workflows running on Temporal', {
          units,
          address: temporal.address,
          namespace: temporal.namespace,
          taskQueue: scopedName(temporal.scope, taskQueue),
        });
        return;
      } catch (error) {
        for (const close of toClose.splice(0).reverse()) await close().catch(() => {});
        const problem = `cannot run workflows on Temporal at ${temporal.address} (namespace ${temporal.namespace}): ${(error as Error).message}`;
        state = { ok: false, detail: problem };
        logger.error('workflows not running; retrying', { units, problem, retryInMs: wait });
        await pause(wait);
        wait = Math.min(wait * 2, retry.max);
      }
    }
  }

  const started = run().catch((error: unknown) => {
    state = { ok: false, detail: `workflows failed to start: ${(error as Error).message}` };
    logger.error('workflows failed to start', { units, error: String(error) });
  });
  return {
    taskQueue: scopedName(temporal.scope, taskQueue),
    health: () => state,
    started,
    async close() {
      stopping.abort();
      await started;
      // Feeds first (nothing new starts), then the client, then the worker finishes the tasks in hand.
      for (const close of toClose.splice(0).reverse()) await close().catch(() => {});
    },
  };
}
