/**
 * `interlace run` without the terminal: validate and generate in process, open the backbone, start
 * the simulated systems (for the example estate), start every unit — one worker per route and per API
 * major, as the controller deploys them, all in this process and sharing one metrics registry — plus
 * each route target's replay consumer, and serve them behind one gateway port. `reload()` is the hot
 * reload: re-validate; on success regenerate and restart only the units whose code or specs changed;
 * on failure keep everything running and return the diagnostics.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import type { Backbone } from '../backbone/backbone.ts';
import { RouteTargetConsumer } from '../delivery/route-consumer.ts';
import { DEFAULT_BREAKER } from '../delivery/system-budget.ts';
import { createLogger } from '../../lib/log.ts';
import type { Logger, LogSink } from '../../lib/log.ts';
import { RuntimeMetrics } from '../observe/metrics.ts';
import { createTracer } from '../observe/trace.ts';
import type { Tracer } from '../observe/trace.ts';
import { otlpTracer } from '../observe/otlp-tracer.ts';
import type { ExportingTracer } from '../observe/otlp-tracer.ts';
import { SIMULATED_SYSTEMS, Simulation } from '../simulate/simulation.ts';
import { JourneyIndex, readJourney } from './journey-index.ts';
import { estateGraph } from '../map/estate-graph.ts';
import type { EstateGraph } from '../map/estate-graph.ts';
import { LiveFigureReader } from '../map/live-figures.ts';
import type { MapSource } from '../map/map-handler.ts';
import type { FileTarget } from './summary.ts';
import type { SimTiming } from '../simulate/system.ts';
import { loadBundles } from '../worker/bundle.ts';
import { findSystem, majorOf } from '../worker/estate.ts';
import type { WorkerEstate } from '../worker/estate.ts';
import { assembleRoute } from '../worker/route-assembly.ts';
import { startWorker } from '../worker/start-worker.ts';
import type { Worker } from '../worker/start-worker.ts';
import { UnitBuilder } from './build-units.ts';
import type { BuildResult } from './build-units.ts';
import { replayRuntime, replayStore } from '../delivery/replay.ts';
import { Gateway } from './gateway.ts';
import { openRunBackbone } from './open-backbone.ts';
import { StatsReader } from './run-stats.ts';
import { scaleDelivery } from './scale-delivery.ts';
import { unitGroups } from './unit-groups.ts';
import { webhookSpecOf } from '../adapters/webhook/webhook-source.ts';
import { sourceUnitId } from '../adapters/sources/create-sources.ts';
import { readSecret } from '../http/secrets.ts';
import { MONITORING_FILES } from '../../generators/monitoring/monitoring-files.ts';
import { runPrometheusConfig } from './prometheus-config.ts';
import { RunWorkflows } from './run-workflows.ts';
import { openTasks } from '../workflow/task-api.ts';
import type { WorkflowProgram } from '../../language/workflow/workflow-ir.ts';

export interface EstateRunOptions {
  paths: readonly string[];
  cwd: string;
  /** State of the run: generated code, the embedded backbone, idempotency stores, logs (`.interlace/run`). */
  runDir: string;
  nats?: string;
  /** A backbone opened by the caller (tests); the run does not close it. */
  backbone?: Backbone;
  /** Gateway port; the simulated systems take the next ones. 0: any free ports. */
  portBase?: number;
  /** Start the simulated systems (default: when the estate declares Systems they can play). */
  simulate?: boolean;
  timing?: SimTiming;
  /** Scale route timeouts and backoffs (tests); default 1. */
  deliveryScale?: number;
  /** With `deliveryScale`: no attempt timeout is scaled below this (default 5 s; see scale-delivery.ts). */
  minAttemptTimeoutMs?: number;
  /** Backbone ack deadline for route consumers (default 30 s). */
  ackWaitMs?: number;
  logSink?: LogSink;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra environment for the units (secrets of real systems with --no-simulate). */
  env?: Record<string, string | undefined>;
  seed?: number;
  /** Multiplies the simulated Systems' rate limits (default 100; 1 keeps the spec's). */
  limitScale?: number;
  /**
   * Keep the journey index (`<runDir>/journeys.jsonl`, runtime/run/journey-index.ts) that
   * `interlace trace <business key>` reads (default true).
   */
  journey?: boolean;
  /**
   * Export every unit's spans over OTLP/HTTP (`interlace run --otlp <url>`): one tracer for the run,
   * `service.name` = `interlace-run`, `interlace.estate` = `estate`. Without it spans are dropped.
   */
  otlp?: { endpoint: string; sampleRatio?: number; estate?: string };
  /**
   * The workflows the run hosts on its embedded engine (`<runDir>/workflows.db`, run-workflows.ts),
   * fed by the run's backbone and calling its Systems. Default: the estate's, as generated by the build.
   */
  workflows?: readonly WorkflowProgram[];
}

interface RunningUnit {
  /** The group's units joined by `+` (usually one unit). */
  unit: string;
  members: string[];
  fingerprint: string;
  worker: Worker;
  replays: RouteTargetConsumer[];
  /** Api base paths served by this group. */
  basePaths: string[];
}

export interface ReloadReport {
  ok: boolean;
  diagnostics: Diagnostic[];
  started: string[];
  restarted: string[];
  stopped: string[];
  unchanged: number;
}

export class EstateRun {
  readonly options: EstateRunOptions;
  readonly metrics = new RuntimeMetrics();
  readonly stats: StatsReader;
  readonly logger: Logger;
  backbone!: Backbone;
  backboneDescription = '';
  simulation: Simulation | undefined;
  gateway!: Gateway;
  build!: BuildResult;
  /** The estate the units run: the specs, pointed at the simulators when they run. */
  estate!: WorkerEstate;
  readonly units = new Map<string, RunningUnit>();
  /** The embedded workflow engine, when the run hosts workflows. */
  workflows: RunWorkflows | undefined;
  private readonly builder: UnitBuilder;
  private ownsBackbone = false;
  private logStream: WriteStream | undefined;
  private env: Record<string, string | undefined> = {};
  private reloading: Promise<ReloadReport> | undefined;
  /** The run's exporting tracer (`options.otlp`), shared by every unit and replay consumer. */
  private readonly exporter: ExportingTracer | undefined;
  private readonly tracer: Tracer;
  /** Business keys → the steps of their journey, for `interlace trace` (absent with `journey: false`). */
  private readonly journey: JourneyIndex | undefined;

  private constructor(options: EstateRunOptions) {
    this.options = options;
    this.exporter = options.otlp
      ? otlpTracer({
          endpoint: options.otlp.endpoint,
          serviceName: 'interlace-run',
          ...(options.otlp.estate ? { estate: options.otlp.estate } : {}),
          ...(options.otlp.sampleRatio !== undefined ? { sampleRatio: options.otlp.sampleRatio } : {}),
        })
      : undefined;
    this.tracer = this.exporter ?? createTracer();
    this.stats = new StatsReader(this.metrics);
    mkdirSync(options.runDir, { recursive: true });
    let sink = options.logSink;
    if (!sink) {
      const stream = createWriteStream(join(options.runDir, 'worker.log'), { flags: 'a' });
      this.logStream = stream;
      sink = (line) => {
        stream.write(line);
      };
    }
    // The journey index reads every outcome line (`delivered` is a debug line): the logger writes at
    // debug into the index, which passes on only what the configured level lets through.
    const level = options.logLevel ?? 'info';
    this.journey = options.journey === false ? undefined : new JourneyIndex(options.runDir);
    this.logger = createLogger({ level: this.journey ? 'debug' : level, write: this.journey ? this.journey.sink(sink, level) : sink });
    this.builder = new UnitBuilder(options.paths, options.cwd, join(options.runDir, 'generated'));
  }

  /** Builds and starts everything; throws with the diagnostics' summary when the specs do not validate. */
  static async start(options: EstateRunOptions): Promise<EstateRun> {
    const run = new EstateRun(options);
    try {
      await run.startAll();
    } catch (error) {
      await run.stop().catch(() => {});
      throw error;
    }
    return run;
  }

  private async startAll(): Promise<void> {
    const build = await this.builder.build();
    if (!build.ok) throw new SpecsInvalidError(build.diagnostics);
    this.build = build;
    if (this.options.backbone) {
      this.backbone = this.options.backbone;
      this.backboneDescription = 'backbone provided by the caller';
    } else {
      const opened = await openRunBackbone({ runDir: this.options.runDir, ...(this.options.nats ? { nats: this.options.nats } : {}) });
      this.backbone = opened.backbone;
      this.backboneDescription = opened.description;
      this.ownsBackbone = true;
    }
    const portBase = this.options.portBase ?? 0;
    const simulate =
      this.options.simulate ?? build.estate!.systems.some((s) => (SIMULATED_SYSTEMS as readonly string[]).includes(s.metadata.name));
    if (simulate) {
      this.simulation = new Simulation({
        backbone: this.backbone,
        estate: build.estate!,
        portBase,
        dataDir: this.options.runDir,
        ...(this.options.timing ? { timing: this.options.timing } : {}),
        ...(this.options.seed !== undefined ? { seed: this.options.seed } : {}),
      });
      await this.simulation.start();
    }
    this.estate = this.runEstate(build.estate!);
    this.journey?.configure(this.estate);
    this.env = { ...process.env, ...this.options.env, ...(this.simulation?.env(build.estate!) ?? {}) };
    for (const group of unitGroups(this.estate, [...build.units.keys()])) await this.startUnit(group, build);
    this.wireWebhooks();
    this.wireFilePickups();
    const workflows = this.options.workflows ?? build.workflows;
    if (workflows.length > 0)
      this.workflows = await RunWorkflows.start({
        runDir: this.options.runDir,
        programs: workflows,
        backbone: this.backbone,
        estate: this.estate,
        env: this.env,
        logger: this.logger,
        tracer: this.tracer,
      });
    this.gateway = new Gateway({
      port: portBase,
      metrics: this.metrics,
      apis: () => this.apiRoutes(),
      state: () => this.state(),
      map: this.mapSource(),
      workflows: () => this.workflows?.engine,
    });
    await this.gateway.start();
    // The simulated planners and credit analysts decide the workflows' human tasks through the gateway's task API.
    if (this.workflows) for (const team of this.simulation?.teams ?? []) team.start(this.gateway.url);
    // A Prometheus pointed at this file scrapes the gateway and evaluates the estate's SLO rules.
    writeFileSync(
      this.prometheusConfigFile,
      runPrometheusConfig({ gatewayUrl: this.gateway.url, rulesFile: join(this.options.runDir, 'generated', MONITORING_FILES.rules) }),
    );
  }

  /** `<runDir>/prometheus.yml`: a scrape config for the gateway's /metrics with the generated SLO rules. */
  get prometheusConfigFile(): string {
    return join(this.options.runDir, 'prometheus.yml');
  }

  /** The estate as the units see it: overlaid on the simulators, delivery scaled. */
  private runEstate(estate: WorkerEstate): WorkerEstate {
    const overlaid = this.simulation ? this.simulation.overlay(estate, this.options.limitScale ?? 100) : estate;
    return scaleDelivery(overlaid, this.options.deliveryScale ?? 1, {
      ...(this.options.minAttemptTimeoutMs !== undefined ? { minTimeoutMs: this.options.minAttemptTimeoutMs } : {}),
    });
  }

  /** What a unit's behaviour depends on: its bundle and the specs it reads (its own, its Systems'). */
  private fingerprint(group: readonly string[], build: BuildResult): string {
    return createHash('sha256')
      .update(group.map((u) => this.unitFingerprint(u, build)).join('|'))
      .digest('hex');
  }

  private unitFingerprint(unit: string, build: BuildResult): string {
    const estate = build.estate!;
    const hash = createHash('sha256').update(build.units.get(unit) ?? '');
    const route = estate.routes.find((r) => `route-${r.metadata.name}` === unit);
    const api = estate.apis.find((a) => `api-${a.metadata.name}-v${majorOf(a.spec.version)}` === unit);
    const systems = new Set<string>();
    if (route) {
      hash.update(JSON.stringify(route.spec));
      for (const t of route.spec.targets) if (t.system) systems.add(t.system);
    }
    if (api) {
      hash.update(JSON.stringify(api.spec));
      for (const op of api.spec.operations) {
        if (op.backend?.system) systems.add(op.backend.system);
        const viewRoute = op.backend?.view ? estate.routes.find((r) => r.metadata.name === op.backend!.view!.route) : undefined;
        if (viewRoute) hash.update(JSON.stringify(viewRoute.spec));
      }
    }
    // A System's source unit (`source-<system>`): its System's spec (the overlay included) and the routes of its events.
    const sourceOf = estate.systems.find((s) => sourceUnitId(s.metadata.name) === unit);
    if (sourceOf) {
      systems.add(sourceOf.metadata.name);
      for (const r of estate.routes) if (r.spec.source.system === sourceOf.metadata.name) hash.update(JSON.stringify(r.spec.source));
    }
    for (const name of [...systems].sort()) hash.update(JSON.stringify(findSystem(estate, name)?.spec ?? null));
    return hash.digest('hex');
  }

  private async startUnit(group: readonly string[], build: BuildResult): Promise<void> {
    const unit = group.join('+');
    const scale = this.options.deliveryScale ?? 1;
    // A unit keeps its state folder (idempotency store) across restarts and regroupings: one per route unit.
    const stateDir = join(this.options.runDir, 'state', group.find((u) => u.startsWith('route-')) ?? group[0]!);
    mkdirSync(stateDir, { recursive: true });
    const worker = await startWorker({
      bundleDir: build.bundleDir!,
      backbone: this.backbone,
      estate: this.estate,
      units: group,
      stateDir,
      // The run starts the replay consumers itself (startReplays), with its own metrics and logger.
      replays: false,
      env: this.env,
      port: 0,
      logger: this.logger.child({ unit }),
      metrics: this.metrics,
      tracer: this.tracer,
      ...(this.options.ackWaitMs ? { ackWaitMs: this.options.ackWaitMs } : {}),
      // Scaled time scales the breaker's pause too, or an open circuit would outlast every retry schedule.
      ...(scale !== 1 ? { breaker: { ...DEFAULT_BREAKER, halfOpenAfterMs: Math.max(200, DEFAULT_BREAKER.halfOpenAfterMs * scale) } } : {}),
    });
    const replays: RouteTargetConsumer[] = [];
    for (const member of group) replays.push(...(await this.startReplays(member, build, worker, stateDir)));
    const basePaths = this.estate.apis
      .filter((a) => group.includes(`api-${a.metadata.name}-v${majorOf(a.spec.version)}`))
      .flatMap((a) => (a.spec.basePath ? [a.spec.basePath] : []));
    this.units.set(unit, { unit, members: [...group], fingerprint: this.fingerprint(group, build), worker, replays, basePaths });
  }

  /**
   * Points each simulated System whose webhook receiver runs (a `source-<system>` unit with a webhook)
   * at it, signing with the run's secret: its events then arrive as signed deliveries, not as direct
   * publishes. A System whose receiver is gone publishes directly again.
   */
  private wireWebhooks(): void {
    const simulation = this.simulation;
    if (!simulation) return;
    const receivers = new Map<string, string>();
    for (const u of this.units.values())
      for (const running of u.worker.sources)
        if (running.adapters.some(({ adapter }) => adapter.http)) receivers.set(running.system, u.worker.url);
    for (const system of this.estate.systems) {
      const name = system.metadata.name;
      const spec = webhookSpecOf(system);
      const url = receivers.get(name);
      if (!spec || !url || !simulation.system(name)) {
        simulation.publisher.pushWebhooks(name, undefined);
        continue;
      }
      simulation.publisher.pushWebhooks(name, {
        url: `${url}${spec.path}`,
        spec,
        ...(spec.signature
          ? { secret: readSecret(this.env, spec.signature.secretRef, 'webhook-secret', `webhook secret of ${name}`) }
          : {}),
        ...(spec.clientState
          ? { clientState: readSecret(this.env, spec.clientState.secretRef, 'client-state', `webhook client state of ${name}`) }
          : {}),
      });
    }
  }

  /** The route targets that write files (file and edi-x12 Systems), for the summary's files out per target. */
  fileTargets(): FileTarget[] {
    const out: FileTarget[] = [];
    for (const route of this.estate.routes)
      for (const target of route.spec.targets) {
        const endpoint = target.system ? findSystem(this.estate, target.system)?.spec.endpoint : undefined;
        const protocol = endpoint?.protocol;
        if (protocol === 'file' || protocol === 'edi-x12')
          out.push({
            route: route.metadata.name,
            target: target.name,
            system: target.system!,
            kind: protocol === 'file' ? 'file' : 'x12',
            ...(endpoint?.url?.startsWith('sftp:') ? { via: endpoint.url } : {}),
          });
      }
    return out;
  }

  /**
   * The EDI partner sends its X12 as files when the estate's pickup of its folder runs (a
   * `source-edi-partner` unit with a file source); otherwise it publishes its events directly.
   */
  private wireFilePickups(): void {
    const simulation = this.simulation;
    if (!simulation) return;
    const picking = [...this.units.values()].some((u) =>
      u.worker.sources.some((s) => s.system === simulation.ediPartner.name && s.adapters.some(({ adapter }) => adapter.kind === 'files')),
    );
    simulation.ediPartner.sendFiles(picking);
  }

  /** One replay consumer per route target: the same pipeline on `replay.<route>.<target>`, sharing the unit's stores. */
  private async startReplays(unit: string, build: BuildResult, worker: Worker, stateDir: string): Promise<RouteTargetConsumer[]> {
    const route = this.estate.routes.find((r) => `route-${r.metadata.name}` === unit);
    if (!route) return [];
    const [bundle] = await loadBundles(build.bundleDir!, [unit]);
    const runtimes = assembleRoute(route, bundle!, {
      estate: this.estate,
      backbone: this.backbone,
      env: this.env,
      clients: new Map(),
      stateDir,
    });
    const consumers: RouteTargetConsumer[] = [];
    for (const rt of runtimes) {
      const consumer = new RouteTargetConsumer(replayRuntime(rt), {
        backbone: this.backbone,
        store: replayStore(worker.idempotency),
        budgets: worker.budgets,
        metrics: this.metrics,
        logger: this.logger.child({ unit, replay: true }),
        tracer: this.tracer,
        owner: `replay:${process.pid}`,
        ...(this.options.ackWaitMs ? { ackWaitMs: this.options.ackWaitMs } : {}),
      });
      await consumer.start();
      consumers.push(consumer);
    }
    return consumers;
  }

  private async stopUnit(unit: string): Promise<void> {
    const running = this.units.get(unit);
    if (!running) return;
    this.units.delete(unit);
    await Promise.all(running.replays.map((r) => r.stop(2_000)));
    await running.worker.close(5_000);
  }

  private apiRoutes(): Map<string, string> {
    const out = new Map<string, string>();
    for (const u of this.units.values()) for (const base of u.basePaths) out.set(base, u.worker.url);
    return out;
  }

  /** Hot reload. Concurrent calls share one reload. */
  reload(changedFiles?: readonly string[]): Promise<ReloadReport> {
    this.reloading ??= this.doReload(changedFiles).finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async doReload(changedFiles?: readonly string[]): Promise<ReloadReport> {
    const build = await this.builder.build(changedFiles);
    const report: ReloadReport = { ok: build.ok, diagnostics: build.diagnostics, started: [], restarted: [], stopped: [], unchanged: 0 };
    if (!build.ok) return report;
    this.build = build;
    this.estate = this.runEstate(build.estate!);
    this.journey?.configure(this.estate);
    this.simulation?.publisher.setRoutes(build.estate!.routes);
    if (this.simulation) for (const topic of this.simulation.publisher.sourceTopics()) await this.backbone.ensureTopic(topic);
    const groups = unitGroups(this.estate, [...build.units.keys()]);
    const wanted = new Set(groups.map((g) => g.join('+')));
    for (const unit of [...this.units.keys()]) {
      if (!wanted.has(unit)) {
        await this.stopUnit(unit);
        if (!groups.some((g) => g.some((m) => unit.split('+').includes(m)))) report.stopped.push(unit);
      }
    }
    for (const group of groups) {
      const unit = group.join('+');
      const running = this.units.get(unit);
      if (running && running.fingerprint === this.fingerprint(group, build)) {
        report.unchanged += group.length;
        continue;
      }
      if (running) {
        await this.stopUnit(unit);
        report.restarted.push(unit);
      } else {
        report.started.push(unit);
      }
      await this.startUnit(group, build);
    }
    this.wireWebhooks();
    this.wireFilePickups();
    return report;
  }

  /**
   * What the estate map (`<gateway>/map/`) shows: the graph of the specs the units run (rebuilt after
   * a hot reload), the live figures from the run's metrics, and journeys from the run's index.
   */
  private mapSource(): MapSource {
    const name = this.options.paths.join(' ');
    const live = new LiveFigureReader(this.metrics);
    let graph: { of: BuildResult; graph: EstateGraph } | undefined;
    const current = () => {
      if (graph?.of !== this.build) graph = { of: this.build, graph: estateGraph(this.build.validation.result.index) };
      return graph.graph;
    };
    return {
      estates: () => [name],
      graph: () => current(),
      live: () => live.read(current()),
      ...(this.journey
        ? {
            journey: (key: string) => {
              this.journey?.flush();
              return readJourney(this.options.runDir, key);
            },
          }
        : {}),
    };
  }

  /** The live figures and the simulated systems, for `/_run/state` and the summary. */
  async state(): Promise<Record<string, unknown>> {
    return {
      backbone: this.backboneDescription,
      gateway: this.gateway?.url,
      units: [...this.units.values()].map((u) => ({ unit: u.unit, url: u.worker.url, consumers: u.worker.consumers.length })),
      stats: await this.stats.snapshot('whole'),
      ...(this.simulation ? { simulation: this.simulation.state() } : {}),
    };
  }

  /**
   * Waits until nothing is in flight anywhere, and stays so for `quietMs`: every source event stored,
   * no simulated work scheduled (a dispatch or milestone to come), no message waiting or unacknowledged
   * on any route target's or replay consumer's topic, no delivery in a worker (retries in their backoff
   * included), and no new outcome counted. A backlog that cannot be read counts as not settled. Returns
   * false when the deadline passes first.
   */
  async settle(options: { timeoutMs: number; quietMs?: number }): Promise<boolean> {
    const deadline = Date.now() + options.timeoutMs;
    let quietSince: number | undefined;
    let lastHandled = -1;
    while (Date.now() < deadline) {
      await this.simulation?.publisher.flush();
      const snapshot = await this.stats.snapshot('whole');
      const handled =
        snapshot.totals.delivered +
        snapshot.totals.deadLettered +
        snapshot.totals.duplicates +
        snapshot.totals.filtered +
        snapshot.totals.parked;
      const busy =
        (await this.backlog()) +
        this.deliveriesInFlight() +
        (this.simulation?.pendingWork() ?? 0) +
        ((await this.workflows?.counts())?.running ?? 0) +
        (await this.tasksForSimulatedTeams());
      if (busy === 0 && handled === lastHandled) {
        quietSince ??= Date.now();
        if (Date.now() - quietSince >= (options.quietMs ?? 500)) return true;
      } else {
        quietSince = undefined;
      }
      lastHandled = handled;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /**
   * Open human tasks of an assignee a simulated team works (its planners decide them through the task
   * API): work to come, though the execution only waits. Asked of the engine, not of the team, so a task
   * opened between two looks at its queue still counts.
   */
  private async tasksForSimulatedTeams(): Promise<number> {
    let open = 0;
    for (const team of this.simulation?.teams ?? []) {
      if (this.workflows && team.working) open += (await openTasks(this.workflows.engine, team.assignee)).length;
    }
    return open;
  }

  /** Deliveries received and not yet settled by the units and the replay consumers. */
  deliveriesInFlight(): number {
    let total = 0;
    for (const u of this.units.values()) {
      total += u.worker.deliveriesInFlight();
      for (const r of u.replays) total += r.inFlightCount;
    }
    return total;
  }

  /**
   * Messages stored and not yet acknowledged, over every route target's consumer and replay consumer.
   * A topic whose backlog cannot be read counts as one message (unknown is not "nothing").
   */
  async backlog(): Promise<number> {
    let total = 0;
    const read = (topic: string, consumer: string) => this.backbone.pending(topic, consumer).catch(() => 1);
    for (const u of this.units.values()) {
      // Each consumer on the topic it reads (a fan-out target's delivery reads `fanout.<route>.<target>`).
      for (const c of u.worker.consumers) total += await read(c.sourceTopic, c.consumer);
      for (const r of u.replays) total += await read(r.sourceTopic, r.scope);
    }
    for (const c of this.workflows?.consumers() ?? []) total += await read(c.topic, c.consumer);
    return total;
  }

  async stop(): Promise<void> {
    await this.gateway?.stop().catch(() => {});
    await this.workflows?.stop();
    for (const unit of [...this.units.keys()]) await this.stopUnit(unit).catch(() => {});
    await this.simulation?.stop().catch(() => {});
    if (this.ownsBackbone) await this.backbone?.close().catch(() => {});
    await this.exporter?.shutdown().catch(() => {});
    await new Promise<void>((resolve) => (this.logStream ? this.logStream.end(resolve) : resolve()));
  }
}

/** The specs do not validate (or generate): nothing was started. */
export class SpecsInvalidError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(
      `the specs have ${errors.length} error(s): ${errors
        .slice(0, 3)
        .map((d) => `${d.file}:${d.range.start.line}:${d.range.start.column} ${d.message}`)
        .join('; ')}`,
    );
    this.name = 'SpecsInvalidError';
    this.diagnostics = diagnostics;
  }
}
