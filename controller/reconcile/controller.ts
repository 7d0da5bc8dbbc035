/**
 * The running controller: an informer on Estates feeds a rate-limited work queue; workers call the
 * reconcile function; its result schedules the next look (the poll interval, or a few seconds while a
 * rollout runs) and its errors back off. With leader election only the Lease holder runs workers, so
 * two replicas never write at once. A push webhook enqueues the Estate it names at once. One HTTP
 * server serves /healthz, /readyz and /metrics (Prometheus).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { KubeRest, RequestCounter } from '../apply/index.ts';
import type { Logger } from '../../lib/log.ts';
import { createLogger } from '../../lib/log.ts';
import { GitSourceCache } from '../../language/source/git-source.ts';
import { createWebhookHandler, normalizeRepositoryUrl } from '../../language/source/webhook-receiver.ts';
import type { PushEvent, WebhookSecret } from '../../language/source/webhook-receiver.ts';
import { createEstateInformer, parseKey } from './informer.ts';
import type { ResourceInformer } from './informer.ts';
import { ESTATE_API_VERSION, ESTATE_KIND } from './estate-types.ts';
import type { EstateObject } from './estate-types.ts';
import { LeaderElector } from './leader-election.ts';
import { GateWorker } from './gate-worker.ts';
import { EstateReconciler } from './reconcile-estate.ts';
import { WorkQueue } from './work-queue.ts';

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
  installCrds?: boolean;
  gitCacheDir?: string;
  log?: Logger;
  /** Called when leadership is lost: the process must stop writing (the CLI exits). */
  onLostLeadership?: () => void;
  /** Client-side rate limit of API requests (default 50 per second, bursts of 100, as Flux's defaults). */
  kubeApiQps?: number;
  kubeApiBurst?: number;
  /** Timings of leader election (tests shorten them). */
  lease?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
}

export class Controller {
  readonly counter = new RequestCounter();
  readonly rest: KubeRest;
  readonly registry = new Registry();
  private readonly o: ControllerOptions;
  private readonly log: Logger;
  private readonly queue: WorkQueue;
  private readonly informer: ResourceInformer;
  private readonly reconciler: EstateReconciler;
  private readonly gateWorker: GateWorker;
  private elector: LeaderElector | undefined;
  private servers: Server[] = [];
  private workersDone: Promise<void> | undefined;
  private leading = false;
  private stopping = false;
  private metricsUrl = '';
  private webhookUrl = '';
  private readonly metrics;

  constructor(options: ControllerOptions) {
    this.o = options;
    this.log = options.log ?? createLogger();
    this.rest = KubeRest.fromKubeconfig(options.kubeconfig, {
      counter: this.counter,
      qps: options.kubeApiQps ?? 50,
      burst: options.kubeApiBurst ?? 100,
    });
    this.metrics = makeMetrics(this.registry);
    this.counter.onRecord = (method, path, dryRun) =>
      this.metrics.requests.inc({
        method,
        kind: kindOfPath(path),
        write: String(['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && !dryRun),
      });
    this.queue = new WorkQueue({ onDepthChange: (depth) => this.metrics.depth.set(depth) });
    this.gateWorker = new GateWorker({ onPeakRss: (bytes) => this.metrics.gatePeak.set(bytes) });
    this.reconciler = new EstateReconciler({
      rest: this.rest,
      source: new GitSourceCache({ cacheDir: options.gitCacheDir ?? join(tmpdir(), 'interlace-git-cache'), log: this.log }),
      defaultRuntimeImage: options.defaultRuntimeImage,
      installCrds: options.installCrds ?? false,
      support: new Map(),
      gate: (estateKey, input) => this.gateWorker.gate(estateKey, input),
      log: this.log,
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
    this.metricsUrl = await this.listen(this.o.metricsAddr ?? '127.0.0.1:8080', (req, res) => this.serveProbe(req, res));
    if (this.o.webhookAddr) {
      const handler = createWebhookHandler({ secrets: (r) => this.webhookSecrets(r.path), onPush: (event) => this.onPush(event) });
      this.webhookUrl = await this.listen(this.o.webhookAddr, handler);
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
    return this.metricsUrl;
  }

  get webhookAddress(): string {
    return this.webhookUrl;
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
    await this.informer.stop().catch(() => undefined);
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise((r) => {
            s.closeAllConnections();
            s.close(r);
          }),
      ),
    );
  }

  private startLeading(): void {
    this.leading = true;
    this.metrics.leader.set(1);
    for (const estate of this.informer.list()) this.enqueue(`${estate.metadata?.namespace}/${estate.metadata?.name}`);
    this.workersDone = this.queue.run(
      this.o.workers ?? 2,
      async (id) => {
        const { namespace, name } = parseKey(id);
        const started = performance.now();
        const result = await this.reconciler.reconcile({ namespace, name });
        this.metrics.duration.observe({ result: result.result }, (performance.now() - started) / 1000);
        this.metrics.reconciles.inc({ result: result.result });
        return result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : {};
      },
      {
        onError: (key, error, retryIn) => {
          this.metrics.reconciles.inc({ result: 'error' });
          this.log.warn('reconcile failed; retrying', { estate: key, reason: 'ReconcileError', error, retryInMs: retryIn });
        },
      },
    );
  }

  private enqueue(key: string): void {
    if (this.leading) this.queue.add(key);
  }

  private serveProbe(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (url === '/readyz') {
      const ready = this.informer.hasSynced();
      return void res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ok\n' : 'estate cache not synced\n');
    }
    if (url === '/metrics') {
      void this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404).end();
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
    try {
      const secret = await this.rest.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretName });
      const token = (secret as unknown as { data?: Record<string, string> }).data?.token;
      return token ? [{ id: `${namespace}/${name}`, token: Buffer.from(token, 'base64').toString('utf8') }] : [];
    } catch {
      return [];
    }
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
    this.metrics.webhooks.inc();
    this.log.info('push received', { estate: event.secretId, reason: 'WebhookReceived', ref: event.ref, commit: event.after });
    this.enqueue(`${namespace}/${name}`);
  }

  private listen(addr: string, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const [host, port] = addr.includes(':')
      ? [addr.slice(0, addr.lastIndexOf(':')) || '0.0.0.0', Number(addr.slice(addr.lastIndexOf(':') + 1))]
      : ['127.0.0.1', Number(addr)];
    const server = createServer(handler);
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const a = server.address();
        resolve(typeof a === 'object' && a ? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${a.port}` : '');
      });
    });
  }
}

function makeMetrics(registry: Registry) {
  collectDefaultMetrics({ register: registry, prefix: 'interlace_controller_' });
  return {
    reconciles: new Counter({
      name: 'interlace_reconcile_total',
      help: 'Reconciles by result (done, waiting, error).',
      labelNames: ['result'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'interlace_reconcile_duration_seconds',
      help: 'Time of one reconcile.',
      labelNames: ['result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    requests: new Counter({
      name: 'interlace_kube_requests_total',
      help: 'Requests to the Kubernetes API by method and resource; write="true" for POST/PUT/PATCH/DELETE that are not dry-run.',
      labelNames: ['method', 'kind', 'write'],
      registers: [registry],
    }),
    depth: new Gauge({ name: 'interlace_workqueue_depth', help: 'Estates waiting in the work queue.', registers: [registry] }),
    leader: new Gauge({ name: 'interlace_leader', help: '1 while this replica holds the leader Lease.', registers: [registry] }),
    gatePeak: new Gauge({
      name: 'interlace_gate_worker_peak_rss_bytes',
      help: 'Peak RSS of the gate worker process (validate, check, generate, plan), as it last reported.',
      registers: [registry],
    }),
    webhooks: new Counter({ name: 'interlace_webhook_pushes_total', help: 'Verified push webhooks.', registers: [registry] }),
  };
}

/** The resource of a request path (`deployments`, `leases`, `estates/status`), for metrics labels. */
function kindOfPath(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  const i = parts.indexOf('namespaces');
  const rest = i >= 0 ? parts.slice(i + 2) : parts.slice(parts[0] === 'api' ? 2 : 3);
  return rest.length >= 3 ? `${rest[0]}/${rest[2]}` : (rest[0] ?? (i >= 0 ? 'namespaces' : ''));
}

export { ESTATE_API_VERSION, ESTATE_KIND };
