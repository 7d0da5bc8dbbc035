/**
 * The estate map's live half: per route target (one edge of the graph) throughput over the last
 * poll, p50/p99 delivery latency, delivered and dead-lettered counts, the circuit of the System it
 * calls, and the status of the route's objectives; per API requests and errors. Read from the same
 * Prometheus registry `interlace run`'s live view reads (runtime/run/run-stats.ts), so the terminal
 * and the map agree. Counts only: no label here carries a business key or a payload value.
 */
import type { RuntimeMetrics } from '../observe/metrics.ts';
import { quantileFromBuckets } from '../run/run-stats.ts';
import type { ApiObjectives, EdgeObjectives, EstateGraph } from './estate-graph.ts';

type MetricValue = { value: number; labels: Record<string, string | number>; metricName?: string };

export type SloState = 'met' | 'breached' | 'no data';

export interface ObjectiveStatus {
  /** Share of good events so far (0..1), absent without data. */
  good?: number;
  objective: number;
  state: SloState;
}

export interface EdgeFigures {
  /** Messages handled per second since the previous poll. */
  rate: number;
  delivered: number;
  deadLettered: number;
  duplicates: number;
  filtered: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Dead letters waiting on the target's dead-letter topic, when the worker has counted them. */
  deadLetterDepth?: number;
  /** closed | open | half-open | isolated: the circuit of the System this target calls. */
  circuit?: string;
  slo?: { latency?: ObjectiveStatus; deadLetters?: ObjectiveStatus };
}

export interface ApiFigures {
  requests: number;
  clientErrors: number;
  serverErrors: number;
  rate: number;
  /** The API's objectives over the run: answers without a 5xx; answers within the latency threshold. */
  slo?: { availability?: ObjectiveStatus; latency?: ObjectiveStatus };
}

export interface LiveFigures {
  at: string;
  /** Edge id (`target:<route>/<target>`) → figures. */
  edges: Record<string, EdgeFigures>;
  /** Api node id (`api:<name>@<major>`) → figures. */
  apis: Record<string, ApiFigures>;
  /** System → circuit state. */
  circuits: Record<string, string>;
}

const CIRCUIT = ['closed', 'open', 'half-open', 'isolated'];

interface Reading {
  at: number;
  handled: Map<string, number>;
  requests: Map<string, number>;
}

async function values(metric: unknown): Promise<MetricValue[]> {
  return (await (metric as { get(): Promise<{ values: MetricValue[] }> }).get()).values;
}

/** Keeps the previous reading, so each poll's rate is over the time since the last one. */
export class LiveFigureReader {
  private previous: Reading;
  private readonly metrics: RuntimeMetrics;

  constructor(metrics: RuntimeMetrics) {
    this.metrics = metrics;
    this.previous = { at: Date.now(), handled: new Map(), requests: new Map() };
  }

  async read(graph: EstateGraph): Promise<LiveFigures> {
    const now = Date.now();
    const edges: Record<string, EdgeFigures> = {};
    const edge = (route: unknown, target: unknown) => {
      const id = `target:${String(route)}/${String(target)}`;
      edges[id] ??= { rate: 0, delivered: 0, deadLettered: 0, duplicates: 0, filtered: 0 };
      return { id, figures: edges[id] };
    };
    const handled = new Map<string, number>();
    for (const v of await values(this.metrics.messages)) {
      const { id, figures } = edge(v.labels.route, v.labels.target);
      const outcome = String(v.labels.outcome);
      if (outcome === 'delivered') figures.delivered += v.value;
      else if (outcome === 'dead_lettered' || outcome === 'parked') figures.deadLettered += v.value;
      else if (outcome === 'duplicate') figures.duplicates += v.value;
      else if (outcome === 'filtered') figures.filtered += v.value;
      handled.set(id, (handled.get(id) ?? 0) + v.value);
    }
    const seconds = Math.max(0.001, (now - this.previous.at) / 1000);
    for (const [id, count] of handled) edges[id]!.rate = (count - (this.previous.handled.get(id) ?? 0)) / seconds;

    const delivery = new Map<string, Map<number, number>>();
    const event = new Map<string, Map<number, number>>();
    const addBucket = (into: Map<string, Map<number, number>>, id: string, v: MetricValue) => {
      const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
      const m = into.get(id) ?? new Map<number, number>();
      m.set(le, (m.get(le) ?? 0) + v.value);
      into.set(id, m);
    };
    for (const v of await values(this.metrics.deliveryLatency))
      if (v.metricName?.endsWith('_bucket') && v.labels.outcome === 'delivered')
        addBucket(delivery, edge(v.labels.route, v.labels.target).id, v);
    for (const v of await values(this.metrics.eventLatency))
      if (v.metricName?.endsWith('_bucket')) addBucket(event, edge(v.labels.route, v.labels.target).id, v);
    for (const [id, buckets] of delivery) {
      const p50 = quantileFromBuckets(buckets, 0.5);
      const p99 = quantileFromBuckets(buckets, 0.99);
      if (p50 !== undefined) edges[id]!.p50Ms = p50;
      if (p99 !== undefined) edges[id]!.p99Ms = p99;
    }

    for (const v of await values(this.metrics.deadLetterDepth)) {
      const { figures } = edge(v.labels.route, v.labels.target);
      figures.deadLetterDepth = (figures.deadLetterDepth ?? 0) + v.value;
    }

    const circuits: Record<string, string> = {};
    for (const v of await values(this.metrics.circuitState)) circuits[String(v.labels.system)] = CIRCUIT[v.value] ?? String(v.value);

    for (const e of graph.edges) {
      if (e.kind !== 'target') continue;
      const figures = edges[e.id] ?? { rate: 0, delivered: 0, deadLettered: 0, duplicates: 0, filtered: 0 };
      edges[e.id] = figures;
      const system = e.to.startsWith('system:') ? e.to.slice('system:'.length) : undefined;
      if (system && circuits[system]) figures.circuit = circuits[system];
      if (e.slo) figures.slo = judge(e.slo, figures, event.get(e.id));
    }
    // Only the graph's edges: a route removed by a hot reload keeps its counters, not its place on the map.
    const known = new Set(graph.edges.map((e) => e.id));
    for (const id of Object.keys(edges)) if (!known.has(id)) delete edges[id];

    const apis: Record<string, ApiFigures> = {};
    const requests = new Map<string, number>();
    for (const v of await values(this.metrics.apiRequests)) {
      const id = `api:${String(v.labels.api)}`;
      apis[id] ??= { requests: 0, clientErrors: 0, serverErrors: 0, rate: 0 };
      const status = Number(v.labels.status);
      apis[id].requests += v.value;
      if (status >= 500) apis[id].serverErrors += v.value;
      else if (status >= 400) apis[id].clientErrors += v.value;
      requests.set(id, (requests.get(id) ?? 0) + v.value);
    }
    for (const [id, count] of requests) apis[id]!.rate = (count - (this.previous.requests.get(id) ?? 0)) / seconds;
    for (const node of graph.nodes) {
      if (node.kind !== 'Api' || !node.objectives) continue;
      apis[node.id] ??= { requests: 0, clientErrors: 0, serverErrors: 0, rate: 0 };
      apis[node.id]!.slo = await this.judgeApi(node.name, node.objectives);
    }

    this.previous = { at: now, handled, requests };
    return { at: new Date(now).toISOString(), edges, apis, circuits };
  }

  /** An API's objectives over the run, counted only on the operations they cover. */
  private async judgeApi(api: string, objectives: ApiObjectives): Promise<NonNullable<ApiFigures['slo']>> {
    const covered = (labels: MetricValue['labels']) =>
      String(labels.api) === api && (!objectives.operations || objectives.operations.includes(String(labels.operation)));
    const out: NonNullable<ApiFigures['slo']> = {};
    if (objectives.availability) {
      let total = 0;
      let failed = 0;
      for (const v of await values(this.metrics.apiRequests)) {
        if (!covered(v.labels)) continue;
        total += v.value;
        if (Number(v.labels.status) >= 500) failed += v.value;
      }
      out.availability = status(total - failed, total, objectives.availability.objective);
    }
    if (objectives.latency) {
      let total = 0;
      let within = 0;
      for (const v of await values(this.metrics.apiLatency)) {
        if (!v.metricName?.endsWith('_bucket') || !covered(v.labels)) continue;
        if (v.labels.le === '+Inf') total += v.value;
        else if (Number(v.labels.le) === objectives.latency.thresholdSeconds) within += v.value;
      }
      out.latency = status(within, total, objectives.latency.objective);
    }
    return out;
  }
}

function status(good: number, total: number, objective: number): ObjectiveStatus {
  return total > 0
    ? { good: good / total, objective, state: good / total >= objective ? 'met' : 'breached' }
    : { objective, state: 'no data' };
}

/**
 * The objectives over the whole run: the share of events within the latency threshold (from the
 * source-event latency histogram's `le` bucket, as the generated recording rules count it) and the
 * share of messages not dead-lettered.
 */
function judge(slo: EdgeObjectives, figures: EdgeFigures, eventBuckets: Map<number, number> | undefined): EdgeFigures['slo'] {
  const out: NonNullable<EdgeFigures['slo']> = {};
  if (slo.latency) {
    const total = eventBuckets?.get(Number.POSITIVE_INFINITY) ?? 0;
    const within = eventBuckets?.get(slo.latency.thresholdSeconds) ?? 0;
    out.latency = status(within, total, slo.latency.objective);
  }
  if (slo.deadLetters) {
    const total = figures.delivered + figures.deadLettered;
    out.deadLetters = status(figures.delivered, total, slo.deadLetters.objective);
  }
  return out;
}
