/**
 * The running controller: an informer on Estates feeds a rate-limited work queue; workers call the
 * reconcile function; its result schedules the next look (the poll interval, or a few seconds while a
 * rollout runs) and its errors back off. With leader election only the Lease holder runs workers, so
 * two replicas never write at once. A push webhook enqueues the Estate it names at once. One HTTP
 * server (controller/observe/health-server.ts) serves /healthz, /readyz and /metrics (Prometheus);
 * the webhook receiver has its own port. Both are lib/http-server.ts servers.
 */
import type { BackboneSpec } from '../plan/backbone-env.ts';
import type { TemporalSpec } from '../plan/temporal-env.ts';
import type { TracingSpec } from '../plan/types.ts';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Registry } from 'prom-client';
import { KubeRest, RequestCounter } from '../apply/index.ts';
import { startHttpServer } from '../../lib/http-server.ts';
import type { ServerLimits, StartedServer } from '../../lib/http-server.ts';
import { controllerChecks, startHealthServer } from '../observe/health-server.ts';
import { staticMapSource } from '../../runtime/map/map-handler.ts';
import { createControllerMetrics } from '../observe/controller-metrics.ts';
import type { ControllerMetrics } from '../observe/controller-metrics.ts';
import type { Logger } from '../../lib/log.ts';
import { createLogger } from '../../lib/log.ts';
import { GitSourceCache } from '../../language/source/git-source.ts';
import { createWebhookHandler, normalizeRepositoryUrl } from '../../language/source/webhook-receiver.ts';
import type { PushEvent, WebhookSecret } from '../../language/source/webhook-receiver.ts';
import { createEstateInformer, parseKey } from './informer.ts';
import type { ResourceInformer } from './informer.ts';
import type { EstateObject } from './estate-types.ts';
import { LeaderElector } from './leader-election.ts';
import { GateWorker } from './gate-worker.ts';
import { NatsDeadLetterCounter } from './dead-letter-counts.ts';
import { TemporalExecutionCounter } from './workflow-executions.ts';
import { EstateReconciler } from './reconcile-estate.ts';
import { WorkQueue } from './work-queue.ts';
import { WebhookSecretCache } from './webhook-secrets.ts';
import type { TargetNamespaceRule } from './target-namespaces.ts';

export interface ControllerOptions {
  kubeconfig?: string;
  /** Watch Estates in this namespace only; all namespaces when undefined. */
  namespace?: string;
  leaderElect?: boolean;
  /** Namespace of the Lease (default: `namespace`, else $POD_NAMESPACE, else default). */
  leaseNamespace?: string;
  leaseName?: string;
  identity?: string;
  /** `host:port` for /healthz, /readyz, /metrics (default 127.0.0.1:8080; `0` picks a free port). */
  metricsAddr?: string;
  /** `host:port` for push webhooks (`/hook/<namespace>/<estate>`); off when undefined. */
  webhookAddr?: string;
  workers?: number;
  defaultRuntimeImage: string;
  /** The NATS backbone of Estates that name none (`--nats-url`; the chart sets it). */
  defaultBackbone?: BackboneSpec;
  /** The Temporal cluster of Estates that name none (`--temporal-address`; the chart's `temporal.*`). */
  defaultTemporal?: TemporalSpec;
  /** OTLP trace export of every Estate's workers (`--otlp-endpoint`; the chart's `tracing.*`). */
  tracing?: TracingSpec;
  installCrds?: boolean;
  gitCacheDir?: string;
  /** Accept `file://` Estate sources (tests, development); refused by default (`--allow-local-sources`). */
  allowLocalSources?: boolean;
  /** Namespaces Estates may target besides their own (`--allow-target-namespace from=to`). */
  allowedTargetNamespaces?: readonly TargetNamespaceRule[];
  log?: Logger;
  /** Called when leadership is lost: the process must stop writing (the CLI exits). */
  onLostLeadership?: () => void;
  /** Client-side rate limit of API requests (default 50 per second, bursts of 100, as Flux's defaults). */
  kubeApiQps?: number;
  kubeApiBurst?: number;
  /** Limits of both HTTP servers (tests shorten the timeouts); lib/http-server.ts's defaults otherwise. */
  serverLimits?: ServerLimits;
  /** How long a webhook key read from its Secret is trusted (default 30 s). */
  webhookSecretTtlMs?: number;
  /** Timings of leader election (tests shorten them). */
  lease?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
}

export class Controller {
  readonly counter = new RequestCounter();
  readonly rest: KubeRest;
  readonly metrics: ControllerMetrics = createControllerMetrics();
  private readonly o: ControllerOptions;
  private readonly log: Logger;
  private readonly queue: WorkQueue;
  private readonly informer: ResourceInformer;
  private readonly reconciler: EstateReconciler;
  private readonly gateWorker: GateWorker;
  /** Reads each Estate's dead-letter counts from its backbone (status.deadLetters). */
  private readonly deadLetters: NatsDeadLetterCounter;
  /** Counts each Workflow's executions on its Estate's Temporal cluster (status.executions). */
  private readonly workflowExecutions: TemporalExecutionCounter;
  private elector: LeaderElector | undefined;
  private readonly webhookKeys: WebhookSecretCache;
  private servers: StartedServer[] = [];
  private workersDone: Promise<void> | undefined;
  private leading = false;
  private stopping = false;

  constructor(options: ControllerOptions) {
    this.o = options;
    this.log = options.log ?? createLogger();
    this.rest = KubeRest.fromKubeconfig(options.kubeconfig, {
      counter: this.counter,
      qps: options.kubeApiQps ?? 50,
      burst: options.kubeApiBurst ?? 100,
    });
    this.counter.onRecord = this.metrics.kubeRequestHook;
    this.queue = new WorkQueue({ onDepthChange: this.metrics.queueHooks.onDepthChange });
    this.gateWorker = new GateWorker({ onPeakRss: (bytes) => this.metrics.gatePeakRss.set(bytes) });
    this.webhookKeys = new WebhookSecretCache({
      read: (namespace, name) => this.readWebhookKey(namespace, name),
      ...(options.webhookSecretTtlMs !== undefined ? { ttlMs: options.webhookSecretTtlMs } : {}),
    });
    this.deadLetters = new NatsDeadLetterCounter(this.rest);
    this.workflowExecutions = new TemporalExecutionCounter(this.rest);
    this.reconciler = new EstateReconciler({
      rest: this.rest,
      source: new GitSourceCache({
        cacheDir: options.gitCacheDir ?? join(tmpdir(), 'interlace-git-cache'),
        log: this.log,
        allowLocal: options.allowLocalSources ?? false,
        onRemoteOperation: this.metrics.gitHook,
      }),
      allowedTargetNamespaces: options.allowedTargetNamespaces ?? [],
      defaultRuntimeImage: options.defaultRuntimeImage,
      ...(options.defaultBackbone ? { defaultBackbone: options.defaultBackbone } : {}),
      ...(options.defaultTemporal ? { defaultTemporal: options.defaultTemporal } : {}),
      installCrds: options.installCrds ?? false,
      ...(options.tracing ? { planOptions: { tracing: options.tracing } } : {}),
      support: new Map(),
      gate: (estateKey, input) => this.gateWorker.gate(estateKey, input),
      log: this.log,
      deadLetters: this.deadLetters,
      workflowExecutions: this.workflowExecutions,
    });
    this.informer = createEstateInformer({
      kubeConfig: this.rest.kubeConfig,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      onKey: (key) => this.enqueue(key),
      log: this.log,
    });
  }

  /** Starts serving, watching and (once leading) reconciling. Resolves when the HTTP servers listen. */
  async start(): Promise<void> {
    const probe = parseAddr(this.o.metricsAddr ?? '127.0.0.1:8080');
    this.servers.push(
      await startHealthServer({
        ...this.o.serverLimits,
        ...probe,
        registry: this.metrics.registry,
        map: staticMapSource(() => this.reconciler.graphs()),
        checks: controllerChecks({ informer: this.informer, leaderElection: () => this.elector, stopping: () => this.stopping }),
      }),
    );
    if (this.o.webhookAddr) {
      const handler = createWebhookHandler({
        secrets: (r) => this.webhookSecrets(r.path),
        onPush: (event) => this.onPush(event),
        onRequest: this.metrics.webhookHook,
      });
      this.servers.push(await startHttpServer({ ...this.o.serverLimits, ...parseAddr(this.o.webhookAddr), handler }));
    }
    await this.informer.start();
    if (!this.o.leaderElect) {
      this.startLeading();
      return;
    }
    const identity = this.o.identity ?? `${hostname()}_${process.pid}`;
    this.elector = new LeaderElector({
      kubeConfig: this.rest.kubeConfig,
      namespace: this.o.leaseNamespace ?? this.o.namespace ?? process.env.POD_NAMESPACE ?? 'default',
      name: this.o.leaseName ?? 'interlace-controller-leader',
      identity,
      ...this.o.lease,
      log: this.log,
      onStartedLeading: () => {
        this.log.info('became leader', { reason: 'LeaderElected', identity });
        this.startLeading();
      },
      onStoppedLeading: () => {
        if (this.stopping) return;
        this.log.error('lost leadership; stopping', { reason: 'LeaderLost', identity });
        this.leading = false;
        this.metrics.leader.set(0);
        void this.queue.shutDown();
        this.o.onLostLeadership?.();
      },
    });
    this.elector.start();
  }

  /** Where /metrics, /healthz and /readyz are served (`http://host:port`). */
  get metricsAddress(): string {
    return this.servers[0]?.url ?? '';
  }

  get webhookAddress(): string {
    return this.o.webhookAddr ? (this.servers[1]?.url ?? '') : '';
  }

  /** The Prometheus registry /metrics serves. */
  get registry(): Registry {
    return this.metrics.registry;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Stops taking work, waits for reconciles in flight, releases the Lease, closes the servers. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.queue.shutDown();
    await this.workersDone;
    await this.elector?.stop({ release: true });
    await this.gateWorker.stop();
    await this.deadLetters.close();
    await this.workflowExecutions.close();
    await this.informer.stop().catch(() => undefined);
    await Promise.all(this.servers.map((s) => s.close()));
  }

  private startLeading(): void {
    this.leading = true;
    this.metrics.leader.set(1);
    for (const estate of this.informer.list()) this.enqueue(`${estate.metadata?.namespace}/${estate.metadata?.name}`);
    this.workersDone = this.queue.run(
      this.o.workers ?? 2,
      async (id) => {
        const { namespace, name } = parseKey(id);
        const done = this.metrics.startReconcile();
        try {
          const result = await this.reconciler.reconcile({ namespace, name });
          done(result.result);
          return result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : {};
        } catch (error) {
          done('error');
          throw error;
        }
      },
      {
        onWorkDuration: this.metrics.queueHooks.onWorkDuration,
        onError: (key, error, retryIn) => {
          this.metrics.queueHooks.onError(key, error, retryIn);
          this.log.warn('reconcile failed; retrying', { estate: key, reason: 'ReconcileError', error, retryInMs: retryIn });
        },
      },
    );
  }

  private enqueue(key: string): void {
    if (this.leading) this.queue.add(key);
  }

  /** `/hook/<namespace>/<estate>` is verified with that Estate's webhookSecretRef (key `token`). */
  private async webhookSecrets(path: string): Promise<WebhookSecret[]> {
    const match = /^\/hook\/([a-z0-9-]+)\/([a-z0-9.-]+)\/?$/.exec(path.split('?')[0]!);
    if (!match) return [];
    const [, namespace, name] = match as unknown as [string, string, string];
    const estate = this.informer.list().find((e) => e.metadata?.namespace === namespace && e.metadata?.name === name) as unknown as
      | EstateObject
      | undefined;
    const secretName = estate?.spec?.source?.webhookSecretRef?.name;
    if (!secretName) return [];
    const token = await this.webhookKeys.get(namespace, secretName).catch(() => undefined);
    return token ? [{ id: `${namespace}/${name}`, token }] : [];
  }

  /** The `token` key of a Secret in the Estate's own namespace (never another's). */
  private async readWebhookKey(namespace: string, name: string): Promise<string | undefined> {
    const secret = await this.rest.getOrUndefined({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    const token = (secret as unknown as { data?: Record<string, string> } | undefined)?.data?.token;
    return token ? Buffer.from(token, 'base64').toString('utf8') : undefined;
  }

  private onPush(event: PushEvent): void {
    const [namespace, name] = event.secretId.split('/') as [string, string];
    const estate = this.informer.list().find((e) => e.metadata?.namespace === namespace && e.metadata?.name === name) as unknown as
      | EstateObject
      | undefined;
    const url = estate?.spec?.source?.url;
    // Signed with this Estate's secret, but for another repository: a misconfigured hook, not ours to act on.
    if (!url || !event.repositoryUrls.some((u) => normalizeRepositoryUrl(u) === normalizeRepositoryUrl(url))) {
      this.log.warn('push for another repository ignored', { estate: event.secretId, reason: 'WebhookRepositoryMismatch' });
      return;
    }
    this.log.info('push received', { estate: event.secretId, reason: 'WebhookReceived', ref: event.ref, commit: event.after });
    this.enqueue(`${namespace}/${name}`);
  }
}

/** `host:port`, `:port` (all interfaces) or `port` (loopback) → where to listen. */
function parseAddr(addr: string): { host: string; port: number } {
  const colon = addr.lastIndexOf(':');
  if (colon === -1) return { host: '127.0.0.1', port: Number(addr) };
  return { host: addr.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(addr.slice(colon + 1)) };
}
