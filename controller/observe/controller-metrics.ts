// The controller's Prometheus metrics — the ones `interlace controller` serves at /metrics — on a
// registry of its own (tests and embedding never collide with prom-client's global one). Each `*Hook`
// adapter plugs straight into the module it measures.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WebhookOutcome } from '../../language/source/webhook-receiver.ts';
import type { GitSourceFailure } from '../../language/source/git-source.ts';

/** `done` (applied, rejected or stalled: nothing to retry), `waiting` (a rollout runs), `error` (retried with backoff). */
export type ReconcileResult = 'done' | 'waiting' | 'error';

export interface ControllerMetrics {
  registry: Registry;
  /** interlace_reconcile_duration_seconds{result}: one Estate reconcile, end to end. */
  reconcileDuration: Histogram<'result'>;
  /** interlace_reconcile_total{result}. */
  reconciles: Counter<'result'>;
  /** interlace_kube_requests_total{method,kind,write}: every request to the API server. */
  kubeRequests: Counter<'method' | 'kind' | 'write'>;
  /** interlace_gate_worker_peak_rss_bytes: the gate worker's peak RSS, as it last reported. */
  gatePeakRss: Gauge;
  /** interlace_workqueue_depth: keys waiting to be handed to a worker. */
  queueDepth: Gauge;
  /** interlace_workqueue_work_duration_seconds{outcome}: time a worker held a key. */
  workDuration: Histogram<'outcome'>;
  /** interlace_workqueue_retries_total: failed keys re-queued with backoff. */
  retries: Counter;
  /** interlace_leader: 1 while this replica leads, else 0. */
  leader: Gauge;
  /** interlace_git_operation_duration_seconds{operation}: ls-remote and fetch. */
  gitDuration: Histogram<'operation'>;
  /** interlace_git_errors_total{operation,reason}. */
  gitErrors: Counter<'operation' | 'reason'>;
  /** interlace_webhook_requests_total{provider,outcome}. */
  webhookRequests: Counter<'provider' | 'outcome'>;
  /** For `new WorkQueue({ onDepthChange })` and `queue.run(n, handler, hooks)`. */
  queueHooks: {
    onDepthChange: (depth: number) => void;
    onWorkDuration: (key: string, seconds: number, ok: boolean) => void;
    onError: (key: string, error: unknown, retryInMs: number) => void;
  };
  /** For `new GitSourceCache({ onRemoteOperation })`. */
  gitHook: (operation: 'ls-remote' | 'fetch', seconds: number, failure: GitSourceFailure | undefined) => void;
  /** For `createWebhookHandler({ onRequest })`. */
  webhookHook: (provider: string, outcome: WebhookOutcome, status: number) => void;
  /** For `RequestCounter.onRecord`: one API request (`write` when it changes something: not a dry run). */
  kubeRequestHook: (method: string, path: string, dryRun: boolean) => void;
  /** Records one reconcile: `const done = metrics.startReconcile(); …; done('done')`. */
  startReconcile: () => (result: ReconcileResult) => void;
}

export interface ControllerMetricsOptions {
  /** Also collect Node process metrics (CPU, memory, event loop lag, …); default true. */
  processMetrics?: boolean;
}

/** Creates the metrics on a new registry. Label values are bounded enums: never an Estate name or URL. */
export function createControllerMetrics(options: ControllerMetricsOptions = {}): ControllerMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const reconcileDuration = new Histogram({
    name: 'interlace_reconcile_duration_seconds',
    help: 'Duration of one Estate reconcile, by result.',
    labelNames: ['result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers,
  });
  const reconciles = new Counter({
    name: 'interlace_reconcile_total',
    help: 'Reconciles by result (done, waiting, error).',
    labelNames: ['result'] as const,
    registers,
  });
  const kubeRequests = new Counter({
    name: 'interlace_kube_requests_total',
    help: 'Requests to the Kubernetes API by method and resource; write="true" for POST/PUT/PATCH/DELETE that are not dry-run.',
    labelNames: ['method', 'kind', 'write'] as const,
    registers,
  });
  const gatePeakRss = new Gauge({
    name: 'interlace_gate_worker_peak_rss_bytes',
    help: 'Peak RSS of the gate worker process (validate, check, generate, plan), as it last reported.',
    registers,
  });
  const queueDepth = new Gauge({ name: 'interlace_workqueue_depth', help: 'Keys queued and ready for a worker.', registers });
  const workDuration = new Histogram({
    name: 'interlace_workqueue_work_duration_seconds',
    help: 'Time a worker held a key, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers,
  });
  const retries = new Counter({
    name: 'interlace_workqueue_retries_total',
    help: 'Keys re-queued with backoff after a failure.',
    registers,
  });
  const leader = new Gauge({ name: 'interlace_leader', help: '1 while this replica holds the leader lease.', registers });
  const gitDuration = new Histogram({
    name: 'interlace_git_operation_duration_seconds',
    help: 'Duration of remote git operations (ls-remote, fetch).',
    labelNames: ['operation'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers,
  });
  const gitErrors = new Counter({
    name: 'interlace_git_errors_total',
    help: 'Failed remote git operations, by reason.',
    labelNames: ['operation', 'reason'] as const,
    registers,
  });
  const webhookRequests = new Counter({
    name: 'interlace_webhook_requests_total',
    help: 'Webhook requests answered, by provider and outcome.',
    labelNames: ['provider', 'outcome'] as const,
    registers,
  });
  leader.set(0);
  queueDepth.set(0);
  return {
    registry,
    reconcileDuration,
    reconciles,
    kubeRequests,
    gatePeakRss,
    queueDepth,
    workDuration,
    retries,
    leader,
    gitDuration,
    gitErrors,
    webhookRequests,
    queueHooks: {
      onDepthChange: (depth) => queueDepth.set(depth),
      onWorkDuration: (_key, seconds, ok) => workDuration.observe({ outcome: ok ? 'success' : 'error' }, seconds),
      onError: () => retries.inc(),
    },
    gitHook: (operation, seconds, failure) => {
      gitDuration.observe({ operation }, seconds);
      if (failure) gitErrors.inc({ operation, reason: failure });
    },
    webhookHook: (provider, outcome) => webhookRequests.inc({ provider, outcome }),
    kubeRequestHook: (method, path, dryRun) =>
      kubeRequests.inc({ method, kind: kindOfPath(path), write: String(['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && !dryRun) }),
    startReconcile: () => {
      const end = reconcileDuration.startTimer();
      return (result) => {
        end({ result });
        reconciles.inc({ result });
      };
    },
  };
}

/** The resource of a request path (`deployments`, `leases`, `estates/status`): a bounded label, never a name. */
export function kindOfPath(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  const i = parts.indexOf('namespaces');
  const rest = i >= 0 ? parts.slice(i + 2) : parts.slice(parts[0] === 'api' ? 2 : 3);
  return rest.length >= 3 ? `${rest[0]}/${rest[2]}` : (rest[0] ?? (i >= 0 ? 'namespaces' : ''));
}
