import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { normalisedPath, startHttpServer } from '../../lib/http-server.ts';
import type { ServerLimits } from '../../lib/http-server.ts';
import type { Backbone, Subscription } from '../backbone/backbone.ts';
import { DLQ_REPLAY_CONSUMER } from '../delivery/dead-letter.ts';
import type { IdempotencyStore } from '../delivery/idempotency-store.ts';
import { RouteTargetConsumer } from '../delivery/route-consumer.ts';
import type { RouteTargetRuntime } from '../delivery/route-target.ts';
import { SqliteIdempotencyStore } from '../delivery/sqlite-idempotency-store.ts';
import { DEFAULT_BREAKER, SystemBudgets } from '../delivery/system-budget.ts';
import type { BreakerSettings } from '../delivery/system-budget.ts';
import { createApiAuthenticator } from '../http/api-auth.ts';
import { createApiUnit } from '../http/api-server.ts';
import type { Environment } from '../http/secrets.ts';
import type { SystemClient } from '../http/system-client.ts';
import { SqliteViewStore } from '../http/view-store.ts';
import type { ViewStore } from '../http/view-store.ts';
import { KvViewStore } from '../http/kv-view-store.ts';
import { KvIdempotencyStore } from '../delivery/kv-idempotency-store.ts';
import { KvKeyGateStore } from '../delivery/kv-key-gate.ts';
import type { KeyGateStore } from '../delivery/kv-key-gate.ts';
import { replayRuntime, replayStore } from '../delivery/replay.ts';
import { JetStreamBackbone } from '../backbone/jetstream-backbone.ts';
import { sendProblem } from '../http/problem.ts';
import { createObserveEndpoints } from '../observe/endpoints.ts';
import { createLogger } from '../../lib/log.ts';
import type { Logger } from '../../lib/log.ts';
import { RuntimeMetrics } from '../observe/metrics.ts';
import { createTracer } from '../observe/trace.ts';
import type { Tracer } from '../observe/trace.ts';
import { tracerFromEnvironment } from '../observe/trace-config.ts';
import { assembleApi } from './api-assembly.ts';
import { observeBudgets } from './budget-metrics.ts';
import { estateFromBundles, loadBundles } from './bundle.ts';
import type { LoadedBundle } from './bundle.ts';
import { findContract, findSystem, majorOf, parseReference } from './estate.ts';
import type { WorkerEstate } from './estate.ts';
import { assembleRoute, systemTransportFor } from './route-assembly.ts';
import type { AssemblyContext } from './route-assembly.ts';
import { feedView } from './view-feeder.ts';
import { startSources } from '../adapters/sources/start-sources.ts';
import type { RunningSources } from '../adapters/sources/start-sources.ts';
import type { SourceAdapter } from '../adapters/source-adapter.ts';
import type { TemporalConnectionOptions } from '../workflow/temporal/temporal-engine.ts';
import { startWorkflowUnits } from './workflow-assembly.ts';
import type { RunningWorkflows } from './workflow-assembly.ts';

export interface WorkerOptions {
  /** `<generate --out>/bundles`: the units' `.js` bundles and manifests. */
  bundleDir: string;
  backbone: Backbone;
  /**
   * The specs. Default: the ones the bundles carry (`interlace worker --bundle` needs nothing else);
   * `interlace run` passes its own (validated, with its overlays), as does loadWorkerEstate(paths).
   */
  estate?: WorkerEstate;
  /** Units to run (`route-order-fulfilment`, `api-availability-v2`); default every unit in bundleDir. */
  units?: readonly string[];
  /** Where the worker keeps its idempotency store and views (`<stateDir>/worker.db`, `<stateDir>/views.db`). */
  stateDir: string;
  /** Secrets and System parameters (default process.env). */
  env?: Environment;
  /** HTTP port for APIs, /metrics, /healthz, /readyz (0 = any free port; default 8080). */
  port?: number;
  host?: string;
  /** Server timeouts and socket limits (lib/http-server.ts defaults: 10 s for headers, 30 s per request). */
  serverLimits?: ServerLimits;
  logger?: Logger;
  /**
   * Where spans go. Default: exported over OTLP when `env` sets `OTEL_EXPORTER_OTLP_ENDPOINT`
   * (runtime/observe/trace-config.ts; `service.name` = the units), else dropped.
   */
  tracer?: Tracer;
  metrics?: RuntimeMetrics;
  breaker?: BreakerSettings;
  /** The backbone's ack deadline for route consumers (default 30 s). */
  ackWaitMs?: number;
  fetchImpl?: typeof fetch;
  /** Overrides the sqlite idempotency store (tests of pipeline logic only). */
  idempotencyStore?: IdempotencyStore;
  /**
   * Who holds idempotency reservations (default `<host>:<pid>:<random>`). A stable id (the pod name)
   * lets a restarted worker continue its own reservations at once instead of waiting out their lease;
   * never give two live processes the same id.
   */
  owner?: string;
  /**
   * Consume each route target's replay topic (`replay.<route>.<target>`, where `interlace dlq replay`
   * publishes) with the same pipeline and stores, so a deployed estate delivers replays and unparks
   * their keys. Default true; `interlace run` starts its own.
   */
  replays?: boolean;
  /** Random source for backoff jitter (tests). */
  random?: () => number;
  /**
   * Where the Workflow units run (runtime/worker/workflow-assembly.ts). Without it the worker runs no
   * Workflow unit and says so in its log (`interlace run` runs workflows on its embedded engine).
   */
  temporal?: TemporalConnectionOptions & {
    /** After a worker dies, how long its executions wait on its sticky queue (Temporal's default 10 s). */
    stickyQueueScheduleToStartTimeoutMs?: number;
  };
}

export interface Worker {
  /** `http://host:port` of the worker's HTTP server. */
  url: string;
  units: string[];
  metrics: RuntimeMetrics;
  idempotency: IdempotencyStore;
  views: ViewStore;
  budgets: SystemBudgets;
  /**
   * The route targets being consumed (route, target, consumer name, the topic it reads, dead-letter
   * topic). A fan-out target has two: its split reads the route's topic, its delivery `fanout.<route>.<target>`.
   */
  consumers: { route: string; target: string; consumer: string; sourceTopic: string; deadLetterTopic: string }[];
  /** The source adapters of the System units (`source-<system>`) this worker runs. */
  sources: RunningSources[];
  /** The Workflow units on Temporal, when the worker runs any (they start in the background; see `health`). */
  workflows?: RunningWorkflows;
  /** Deliveries received and not yet settled, over every route target (retries in their backoff included). */
  deliveriesInFlight(): number;
  /** Stops consuming and serving, waits up to `graceMs` for in-flight deliveries, closes the stores (not the backbone). */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts a worker: loads the bundles, assembles each EventRoute unit into one consumer per target and
 * each Api unit into a request handler (plus the views it reads), and serves APIs, /metrics, /healthz
 * and /readyz on one HTTP port. It does not open or close the backbone: the caller owns it.
 */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger();
  const bundles = await loadBundles(options.bundleDir, options.units);
  const exporting = options.tracer
    ? undefined
    : tracerFromEnvironment(env, bundles.map((b) => b.manifest.unit).join('+') || 'interlace-worker');
  if (exporting && !exporting.ok) throw new Error(exporting.error);
  const exporter = exporting?.tracer;
  const tracer = options.tracer ?? exporter ?? createTracer();
  if (exporting?.endpoint) logger.info('exporting traces over OTLP', { endpoint: exporting.endpoint });
  const metrics = options.metrics ?? new RuntimeMetrics();
  const estate: WorkerEstate = options.estate ?? estateFromBundles(bundles);
  const { idempotency, views, keyGates } = await openStateStores(options);
  const clients = new Map<string, SystemClient>();
  const ctx: AssemblyContext = {
    estate,
    backbone: options.backbone,
    env,
    clients,
    stateDir: options.stateDir,
    ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
  };
  const budgets = new SystemBudgets(
    (system) => findSystem(estate, system)?.spec.limits,
    options.breaker ?? DEFAULT_BREAKER,
    observeBudgets(metrics, logger),
  );
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  const consumers: RouteTargetConsumer[] = [];
  const consumerInfo: Worker['consumers'] = [];
  const apiUnits: ReturnType<typeof createApiUnit>[] = [];
  const feeds: Subscription[] = [];
  let started = false;

  const routeRuntimes: RouteTargetRuntime[] = [];
  for (const bundle of bundles) {
    if (bundle.manifest.kind !== 'EventRoute') continue;
    const route = estate.routes.find((r) => r.metadata.name === bundle.manifest.name);
    if (!route) throw new Error(`unit ${bundle.manifest.unit}: EventRoute ${bundle.manifest.name} is not in the specs`);
    routeRuntimes.push(...assembleRoute(route, bundle, ctx));
  }
  const apiBundles: { bundle: LoadedBundle; api: WorkerEstate['apis'][number] }[] = [];
  for (const bundle of bundles) {
    if (bundle.manifest.kind !== 'Api') continue;
    const api = estate.apis.find((a) => a.metadata.name === bundle.manifest.name && majorOf(a.spec.version) === bundle.manifest.major);
    if (!api) throw new Error(`unit ${bundle.manifest.unit}: Api ${bundle.manifest.name}@${bundle.manifest.major} is not in the specs`);
    apiBundles.push({ bundle, api });
  }

  const sourceSystems: WorkerEstate['systems'] = [];
  for (const bundle of bundles) {
    if (bundle.manifest.kind !== 'System') continue;
    const system = findSystem(estate, bundle.manifest.name);
    if (!system) throw new Error(`unit ${bundle.manifest.unit}: System ${bundle.manifest.name} is not in the specs`);
    sourceSystems.push(system);
  }

  const workflowBundles = bundles.filter((b) => b.manifest.kind === 'Workflow');
  if (workflowBundles.length > 0 && !options.temporal)
    logger.warn('Workflow units not run: no Temporal cluster configured', { units: workflowBundles.map((b) => b.manifest.unit) });

  const deps = {
    backbone: options.backbone,
    store: idempotency,
    budgets,
    metrics,
    logger,
    tracer,
    owner,
    ...(options.ackWaitMs ? { ackWaitMs: options.ackWaitMs } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(keyGates ? { keyGates } : {}),
  };
  for (const rt of routeRuntimes) {
    const consumer = new RouteTargetConsumer(rt, deps);
    consumers.push(consumer);
    consumerInfo.push({
      route: rt.route,
      target: rt.target,
      consumer: consumer.scope,
      sourceTopic: rt.sourceTopic,
      deadLetterTopic: rt.policy.deadLetterTopic,
    });
    if (options.replays !== false) consumers.push(new RouteTargetConsumer(replayRuntime(rt), { ...deps, store: replayStore(idempotency) }));
  }
  for (const { bundle, api } of apiBundles) {
    // Put the API's own bundle first: its validators and mappings win over other units'.
    const { operations, feeds: viewFeeds } = assembleApi(api, [bundle, ...bundles.filter((b) => b !== bundle)], ctx, views);
    const successor = api.spec.deprecation?.successor ? parseReference(api.spec.deprecation.successor) : undefined;
    const successorApi = successor
      ? estate.apis.find((a) => a.metadata.name === successor.name && majorOf(a.spec.version) === successor.major)
      : undefined;
    apiUnits.push(
      createApiUnit({
        api,
        operations,
        auth: createApiAuthenticator(api, env, options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
        metrics,
        logger,
        tracer,
        budgets,
        ...(successorApi?.spec.basePath ? { successorBasePath: successorApi.spec.basePath } : {}),
      }),
    );
    for (const feed of viewFeeds) feeds.push(await feedView(options.backbone, views, feed, logger));
  }

  const workflows =
    workflowBundles.length > 0 && options.temporal
      ? startWorkflowUnits({
          bundles: workflowBundles,
          temporal: options.temporal,
          ctx,
          budgets,
          logger,
          tracer,
          ...(options.temporal.stickyQueueScheduleToStartTimeoutMs !== undefined
            ? { stickyQueueScheduleToStartTimeoutMs: options.temporal.stickyQueueScheduleToStartTimeoutMs }
            : {}),
        })
      : undefined;

  const observe = createObserveEndpoints(
    metrics,
    {
      // Temporal: not ready until the workflows run, with the reason (SDK missing, server unreachable).
      ...(workflows ? { workflows: () => workflows.health() } : {}),
      consuming: () => ({ ok: started, ...(started ? {} : { detail: 'starting' }) }),
      // The broker: while it is unreachable nothing can be consumed, acked or published, so the pod is not Ready.
      backbone: () => options.backbone.health?.() ?? { ok: true },
      ...Object.fromEntries(apiUnits.map((unit) => [`auth ${unit.name}`, () => unit.ready()])),
    },
    async () => {
      for (const info of consumerInfo) {
        const depth = await options.backbone.pending(info.deadLetterTopic, DLQ_REPLAY_CONSUMER).catch(() => undefined);
        if (depth !== undefined)
          metrics.deadLetterDepth.set({ route: info.route, target: info.target, topic: info.deadLetterTopic }, depth);
      }
    },
  );

  /** Webhook receivers by path, filled once the sources start (a request before that gets a 404). */
  const sourceEndpoints = new Map<string, NonNullable<SourceAdapter['http']>>();
  // The hardened server (lib/http-server.ts): slow clients are cut off, sockets are bounded, and a
  // request that fails — a malformed request line, a body cut off — costs that request only.
  const server = await startHttpServer({
    ...options.serverLimits,
    port: options.port ?? 8080,
    host: options.host ?? '127.0.0.1',
    onHandlerError: (error) => logger.error('request handler failed', { error }),
    handler: async (req, res) => {
      const target = normalisedPath(req.url);
      if (!target) {
        sendProblem(res, { title: 'Bad Request', status: 400, detail: 'the request target is not a path' });
        return;
      }
      if (await observe(req, res)) return;
      const source = sourceEndpoints.get(target.path);
      if (source) return source.handle(req, res);
      for (const unit of apiUnits) if (await unit.handle(req, res)) return;
      sendProblem(res, { title: 'Not Found', status: 404, detail: `no API at ${target.path}` });
    },
  });
  for (const consumer of consumers) await consumer.start();
  // Sources start once the routes consume: a webhook answers 503 (the platform retries) until then.
  const sources: RunningSources[] = [];
  for (const system of sourceSystems) {
    const running = await startSources({
      system,
      routes: estate.routes,
      backbone: options.backbone,
      stateDir: options.stateDir,
      deps: {
        env,
        ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
        transportFor: (sourceSystem) => systemTransportFor(ctx, sourceSystem),
        budgets,
        contractSchema: (reference) => findContract(estate, reference)?.spec.schema,
      },
      logger,
      metrics,
      tracer,
    });
    sources.push(running);
    for (const { adapter } of running.adapters) if (adapter.http) sourceEndpoints.set(adapter.http.path, adapter.http);
  }
  started = true;
  const url = server.url;
  logger.info('worker started', {
    units: bundles.map((b) => b.manifest.unit),
    consumers: consumerInfo.length,
    apis: apiUnits.map((u) => u.name),
    sources: sources.flatMap((s) => s.adapters.map(({ adapter }) => `${s.system}/${adapter.kind}`)),
    url,
  });

  return {
    url,
    units: bundles.map((b) => b.manifest.unit),
    metrics,
    idempotency,
    views,
    budgets,
    consumers: consumerInfo,
    sources,
    ...(workflows ? { workflows } : {}),
    deliveriesInFlight: () => consumers.reduce((n, c) => n + c.inFlightCount, 0),
    async close(graceMs = 5_000) {
      started = false;
      // Sources first: nothing new comes in while the consumers finish what is in flight.
      await Promise.all(sources.map((s) => s.stop()));
      await workflows?.close();
      await Promise.all(consumers.map((c) => c.stop(graceMs)));
      await Promise.all(feeds.map((f) => f.stop()));
      server.server.closeAllConnections();
      await server.close();
      await idempotency.close();
      views.close();
      // The spans of the last deliveries are sent before the process ends (bounded by the exporter's timeout).
      await exporter?.shutdown().catch(() => {});
    },
  };
}

/** How long shared records live in the NATS buckets: committed idempotency keys, parked keys, API view rows. */
const SHARED_STATE_MAX_AGE_MS = {
  effects: 7 * 24 * 3_600_000,
  parked: 30 * 24 * 3_600_000,
  views: 90 * 24 * 3_600_000,
  // A key idle this long starts again from the consumer's ack floor, which is past its old messages.
  keyGates: 7 * 24 * 3_600_000,
};

/**
 * The worker's idempotency store and API views. On the NATS backbone both live in JetStream Key-Value
 * buckets every replica shares (a second replica answers for every key; a pod with a fresh disk loses
 * and repeats nothing); on the embedded backbone in sqlite files under `stateDir`.
 */
async function openStateStores(
  options: WorkerOptions,
): Promise<{ idempotency: IdempotencyStore; views: ViewStore; keyGates?: KeyGateStore }> {
  if (options.backbone instanceof JetStreamBackbone) {
    const backbone = options.backbone;
    const [effects, parked, views, gates] = await Promise.all([
      backbone.keyValue('IDEMPOTENCY', SHARED_STATE_MAX_AGE_MS.effects),
      backbone.keyValue('PARKED_KEYS', SHARED_STATE_MAX_AGE_MS.parked),
      backbone.keyValue('VIEWS', SHARED_STATE_MAX_AGE_MS.views),
      backbone.keyValue('KEY_GATES', SHARED_STATE_MAX_AGE_MS.keyGates),
    ]);
    return {
      idempotency: options.idempotencyStore ?? new KvIdempotencyStore(effects, parked),
      views: new KvViewStore(views),
      keyGates: new KvKeyGateStore(gates),
    };
  }
  return {
    idempotency: options.idempotencyStore ?? new SqliteIdempotencyStore(join(options.stateDir, 'worker.db')),
    views: new SqliteViewStore(join(options.stateDir, 'views.db')),
  };
}
