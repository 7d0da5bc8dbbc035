import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { API_LATENCY_BUCKETS, ROUTE_EVENT_LATENCY_BUCKETS } from '../../language/slo/objectives.ts';

/**
 * The worker's Prometheus metrics, on a registry of its own (two workers in one process, as under
 * `interlace run`, do not collide). Labels are bounded sets only — route, target, system, api,
 * operation, outcome, status: never a business key (docs/observability.md).
 */
export class RuntimeMetrics {
  readonly registry = new Registry();
  /** Messages by route, target and outcome: delivered, dead_lettered, duplicate, filtered, parked. */
  readonly messages: Counter<'route' | 'target' | 'outcome'>;
  /** Attempts by result: ok, transient, permanent. */
  readonly attempts: Counter<'route' | 'target' | 'result'>;
  /** From the first attempt to delivered or dead-lettered. */
  readonly deliveryLatency: Histogram<'route' | 'target' | 'outcome'>;
  /**
   * From the source event (when the source system's event was stored on the backbone; through topic
   * chains, the first route's source event) to the target's effect: what a route's latency SLO counts.
   */
  readonly eventLatency: Histogram<'route' | 'target'>;
  /** Dead letters waiting in each dead-letter topic (published, not yet replayed). */
  readonly deadLetterDepth: Gauge<'route' | 'target' | 'topic'>;
  /** 0 closed, 1 open, 2 half-open, 3 isolated (cockatiel's CircuitState). */
  readonly circuitState: Gauge<'system'>;
  readonly duplicatesSuppressed: Counter<'route' | 'target'>;
  readonly apiRequests: Counter<'api' | 'operation' | 'status'>;
  readonly apiLatency: Histogram<'api' | 'operation'>;
  readonly rateLimited: Counter<'api' | 'system'>;
  /** Events a System's source adapters took in, by outcome: published, duplicate, unrouted, replayed, rejected. */
  readonly sourceEvents: Counter<'system' | 'source' | 'outcome'>;
  /** From a source adapter's publish call to the event being durably stored on the backbone. */
  readonly sourcePublishLatency: Histogram<'system' | 'source'>;

  constructor(options: { defaultMetrics?: boolean; prefix?: string } = {}) {
    const p = options.prefix ?? 'interlace_';
    const registers = [this.registry];
    this.messages = new Counter({
      name: `${p}route_messages_total`,
      help: 'Messages handled per route target, by outcome.',
      labelNames: ['route', 'target', 'outcome'],
      registers,
    });
    this.attempts = new Counter({
      name: `${p}delivery_attempts_total`,
      help: 'Delivery attempts per route target, by result.',
      labelNames: ['route', 'target', 'result'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: `${p}delivery_duration_seconds`,
      help: 'Time from first attempt to delivered or dead-lettered.',
      labelNames: ['route', 'target', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.eventLatency = new Histogram({
      name: `${p}route_event_latency_seconds`,
      help: 'Time from the source event to the target effect (delivered messages).',
      labelNames: ['route', 'target'],
      buckets: [...ROUTE_EVENT_LATENCY_BUCKETS],
      registers,
    });
    this.deadLetterDepth = new Gauge({
      name: `${p}dead_letter_depth`,
      help: 'Dead letters published and not yet replayed, per dead-letter topic.',
      labelNames: ['route', 'target', 'topic'],
      registers,
    });
    this.circuitState = new Gauge({
      name: `${p}circuit_state`,
      help: 'Circuit breaker per System: 0 closed, 1 open, 2 half-open, 3 isolated.',
      labelNames: ['system'],
      registers,
    });
    this.duplicatesSuppressed = new Counter({
      name: `${p}duplicates_suppressed_total`,
      help: 'Redelivered messages whose effect was already committed, acked without a second effect.',
      labelNames: ['route', 'target'],
      registers,
    });
    this.apiRequests = new Counter({
      name: `${p}api_requests_total`,
      help: 'API requests by operation and status.',
      labelNames: ['api', 'operation', 'status'],
      registers,
    });
    this.apiLatency = new Histogram({
      name: `${p}api_request_duration_seconds`,
      help: 'API request latency.',
      labelNames: ['api', 'operation'],
      buckets: [...API_LATENCY_BUCKETS],
      registers,
    });
    this.rateLimited = new Counter({
      name: `${p}rate_limited_total`,
      help: 'Requests refused (api) or delayed (system) by a rate budget.',
      labelNames: ['api', 'system'],
      registers,
    });
    this.sourceEvents = new Counter({
      name: `${p}source_events_total`,
      help: 'Events taken in by source adapters (webhook, poll, files), by outcome.',
      labelNames: ['system', 'source', 'outcome'],
      registers,
    });
    this.sourcePublishLatency = new Histogram({
      name: `${p}source_publish_duration_seconds`,
      help: "Time for a source adapter's event to be durably stored on the backbone.",
      labelNames: ['system', 'source'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  /**
   * The sum of a metric's values whose labels match (for a histogram: its observation count). Tests
   * and the run summary read it without parsing the exposition text.
   */
  async value(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const metric = this.registry.getSingleMetric(name);
    if (!metric) return 0;
    const data = await metric.get();
    let total = 0;
    for (const v of data.values as { value: number; labels: Record<string, unknown>; metricName?: string }[]) {
      if (v.metricName !== undefined && v.metricName !== name && !v.metricName.endsWith('_count')) continue;
      if (Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) total += v.value;
    }
    return total;
  }
}
