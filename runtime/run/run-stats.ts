/**
 * What the live view and the summary show, read from the run's shared Prometheus registry: per route
 * (all its targets together) messages by outcome, throughput, p50/p99 delivery latency from the
 * histogram buckets (over the last refresh window for the live view, over the whole run for the
 * summary), dead letters; circuit state per System; requests and errors per API; events in per
 * System source (webhook, poll, files).
 */
import type { RuntimeMetrics } from '../observe/metrics.ts';

type MetricValue = { value: number; labels: Record<string, string | number>; metricName?: string };

export interface RouteStats {
  route: string;
  delivered: number;
  deadLettered: number;
  duplicates: number;
  filtered: number;
  parked: number;
  /** Messages per second over the window. */
  rate: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

export interface ApiStats {
  api: string;
  requests: number;
  /** Answers that were not a success, as the clients saw them: 4xx plus 5xx. */
  errors: number;
  /** 4xx: refused requests (401, 404, 429, ...). */
  clientErrors: number;
  /** 5xx: the API failed the client (502 from a backend, 503, 500). */
  serverErrors: number;
  rate: number;
}

/** Events a System's source adapter took in (interlace_source_events_total), over the whole run. */
export interface SourceStats {
  system: string;
  /** `webhook`, `poll/<name>`, `files/<name>`. */
  source: string;
  published: number;
  duplicates: number;
  unrouted: number;
  replayed: number;
  rejected: number;
}

/** Messages one route target delivered (interlace_messages_total{outcome="delivered"}), over the whole run. */
interface TargetStats {
  route: string;
  target: string;
  delivered: number;
}

export interface StatsSnapshot {
  at: number;
  sources: SourceStats[];
  /** Per route target (a file or X12 target writes one file per delivered message). */
  targets: TargetStats[];
  routes: RouteStats[];
  apis: ApiStats[];
  /** System → closed | open | half-open | isolated. */
  circuits: Record<string, string>;
  totals: { delivered: number; deadLettered: number; duplicates: number; filtered: number; parked: number };
}

interface Raw {
  at: number;
  outcomes: Map<string, Map<string, number>>;
  /** route → le → cumulative count (delivered outcome only). */
  buckets: Map<string, Map<number, number>>;
  api: Map<string, ApiCounts>;
  circuits: Record<string, string>;
  sources: SourceStats[];
  targets: TargetStats[];
}

const CIRCUIT = ['closed', 'open', 'half-open', 'isolated'];

interface ApiCounts {
  requests: number;
  clientErrors: number;
  serverErrors: number;
}

async function values(metric: { get(): Promise<{ values: MetricValue[] }> | { values: MetricValue[] } }): Promise<MetricValue[]> {
  return (await metric.get()).values;
}

async function readRaw(metrics: RuntimeMetrics): Promise<Raw> {
  const outcomes = new Map<string, Map<string, number>>();
  const targets = new Map<string, TargetStats>();
  for (const v of await values(metrics.messages as never)) {
    const route = String(v.labels.route);
    if (v.labels.outcome === 'delivered' && v.labels.target !== undefined) {
      const target = String(v.labels.target);
      const t = targets.get(`${route}\u0000${target}`) ?? { route, target, delivered: 0 };
      t.delivered += v.value;
      targets.set(`${route}\u0000${target}`, t);
    }
    const m = outcomes.get(route) ?? new Map<string, number>();
    m.set(String(v.labels.outcome), (m.get(String(v.labels.outcome)) ?? 0) + v.value);
    outcomes.set(route, m);
  }
  const buckets = new Map<string, Map<number, number>>();
  for (const v of await values(metrics.deliveryLatency as never)) {
    if (!v.metricName?.endsWith('_bucket') || v.labels.outcome !== 'delivered') continue;
    const route = String(v.labels.route);
    const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
    const m = buckets.get(route) ?? new Map<number, number>();
    m.set(le, (m.get(le) ?? 0) + v.value);
    buckets.set(route, m);
  }
  const api = new Map<string, ApiCounts>();
  for (const v of await values(metrics.apiRequests as never)) {
    const name = String(v.labels.api);
    const a = api.get(name) ?? { requests: 0, clientErrors: 0, serverErrors: 0 };
    const status = Number(v.labels.status);
    a.requests += v.value;
    if (status >= 500) a.serverErrors += v.value;
    else if (status >= 400) a.clientErrors += v.value;
    api.set(name, a);
  }
  const circuits: Record<string, string> = {};
  for (const v of await values(metrics.circuitState as never)) circuits[String(v.labels.system)] = CIRCUIT[v.value] ?? String(v.value);
  const sources = new Map<string, SourceStats>();
  const field: Record<string, keyof SourceStats> = {
    published: 'published',
    duplicate: 'duplicates',
    unrouted: 'unrouted',
    replayed: 'replayed',
    rejected: 'rejected',
  };
  for (const v of await values(metrics.sourceEvents as never)) {
    const system = String(v.labels.system);
    const source = String(v.labels.source);
    const key = `${system}|${source}`;
    const stats = sources.get(key) ?? { system, source, published: 0, duplicates: 0, unrouted: 0, replayed: 0, rejected: 0 };
    const name = field[String(v.labels.outcome)];
    if (name) (stats[name] as number) += v.value;
    sources.set(key, stats);
  }
  return {
    at: Date.now(),
    outcomes,
    buckets,
    api,
    circuits,
    sources: [...sources.values()].sort((a, b) => `${a.system}|${a.source}`.localeCompare(`${b.system}|${b.source}`)),
    targets: [...targets.values()].sort((a, b) => `${a.route}|${a.target}`.localeCompare(`${b.route}|${b.target}`)),
  };
}

/** The latency below which `q` of the observations fall, from cumulative buckets (upper bound of the bucket). */
export function quantileFromBuckets(buckets: Map<number, number>, q: number): number | undefined {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return previousLe * 1000;
      // Linear interpolation inside the bucket, as Prometheus' histogram_quantile does.
      const inBucket = count - previousCount;
      const fraction = inBucket > 0 ? (rank - previousCount) / inBucket : 1;
      return (previousLe + (le - previousLe) * fraction) * 1000;
    }
    previousLe = le;
    previousCount = count;
  }
  return undefined;
}

function diffBuckets(now: Map<number, number> | undefined, before: Map<number, number> | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const [le, count] of now ?? []) out.set(le, count - (before?.get(le) ?? 0));
  return out;
}

/** Keeps the previous reading so each snapshot shows rates and latencies over the last window. */
export class StatsReader {
  private previous: Raw | undefined;
  private first: Raw | undefined;
  private readonly metrics: RuntimeMetrics;

  constructor(metrics: RuntimeMetrics) {
    this.metrics = metrics;
    // The run starts now: the first snapshot's rates are over the time since, not over a zero-length window.
    this.first = { at: Date.now(), outcomes: new Map(), buckets: new Map(), api: new Map(), circuits: {}, sources: [], targets: [] };
  }

  /** `window`: since the previous call (live view) or since the run started (summary). */
  async snapshot(window: 'recent' | 'whole' = 'recent'): Promise<StatsSnapshot> {
    const raw = await readRaw(this.metrics);
    const base = window === 'recent' ? this.previous : this.first;
    this.first ??= { at: raw.at, outcomes: new Map(), buckets: new Map(), api: new Map(), circuits: {}, sources: [], targets: [] };
    if (window === 'recent') this.previous = raw;
    const seconds = Math.max(0.001, (raw.at - (base?.at ?? this.first.at)) / 1000);
    const totals = { delivered: 0, deadLettered: 0, duplicates: 0, filtered: 0, parked: 0 };
    const routes: RouteStats[] = [];
    for (const [route, outcomes] of [...raw.outcomes].sort((a, b) => a[0].localeCompare(b[0]))) {
      const get = (o: string) => outcomes.get(o) ?? 0;
      const before = base?.outcomes.get(route);
      const handled = (m: Map<string, number> | undefined) =>
        ['delivered', 'dead_lettered', 'duplicate', 'filtered', 'parked'].reduce((s, o) => s + (m?.get(o) ?? 0), 0);
      const window = diffBuckets(raw.buckets.get(route), base?.buckets.get(route));
      const stats: RouteStats = {
        route,
        delivered: get('delivered'),
        deadLettered: get('dead_lettered'),
        duplicates: get('duplicate'),
        filtered: get('filtered'),
        parked: get('parked'),
        rate: (handled(outcomes) - handled(before)) / seconds,
        p50Ms: quantileFromBuckets(window, 0.5),
        p99Ms: quantileFromBuckets(window, 0.99),
      };
      totals.delivered += stats.delivered;
      totals.deadLettered += stats.deadLettered;
      totals.duplicates += stats.duplicates;
      totals.filtered += stats.filtered;
      totals.parked += stats.parked;
      routes.push(stats);
    }
    const apis = [...raw.api]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([api, a]) => ({
        api,
        requests: a.requests,
        errors: a.clientErrors + a.serverErrors,
        clientErrors: a.clientErrors,
        serverErrors: a.serverErrors,
        rate: (a.requests - (base?.api.get(api)?.requests ?? 0)) / seconds,
      }));
    return { at: raw.at, sources: raw.sources, targets: raw.targets, routes, apis, circuits: raw.circuits, totals };
  }
}
