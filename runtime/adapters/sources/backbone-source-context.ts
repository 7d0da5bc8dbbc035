import type { EventRoute } from '../../../language/kinds/generated/kinds.ts';
import type { Logger } from '../../../lib/log.ts';
import type { Backbone } from '../../backbone/backbone.ts';
import type { DeadLetter } from '../../delivery/dead-letter.ts';
import { deliveryPolicyOf } from '../../delivery/policy.ts';
import type { RuntimeMetrics } from '../../observe/metrics.ts';
import { formatTraceparent, parseTraceparent } from '../../observe/trace.ts';
import type { Tracer } from '../../observe/trace.ts';
import { sourceTopicOf } from '../../worker/estate.ts';
import type { AdapterState } from '../adapter-state.ts';
import type { PublishOptions, SourceContext } from '../source-adapter.ts';

/** Headers every source event carries, as the simulator's SourcePublisher sets them. */
const SOURCE_SYSTEM_HEADER = 'interlace-source-system';
const SOURCE_EVENT_HEADER = 'interlace-source-event';

/** Counts of one adapter, also in the `interlace_source_events_total` metric. */
export interface SourceCounts {
  /** Stored on the backbone for the first time. */
  published: number;
  /** Stored earlier under the same message id (the backbone's de-duplication absorbed it). */
  duplicates: number;
  /** No route consumes the event: dropped, as the system's unsubscribed events are. */
  unrouted: number;
  /** Answered without a publish because it was published before (a replayed webhook delivery). */
  replayed: number;
  /** Refused: a bad signature or client state, a malformed body. */
  rejected: number;
}

export interface BackboneSourceContextOptions {
  system: string;
  /** The adapter's label in metrics: `webhook`, `poll/<name>`, `files/<name>`. */
  source: string;
  /** The routes of the estate (only those whose `source.system` is this System matter). */
  routes: readonly EventRoute[];
  backbone: Backbone;
  state: AdapterState;
  log: Logger;
  signal: AbortSignal;
  metrics?: RuntimeMetrics;
  /**
   * Starts the trace of each published event (`publish <system> <event>`); its `traceparent` header
   * makes every route and target that handles the event, and what they publish in turn, one trace.
   */
  tracer?: Tracer;
}

/**
 * The SourceContext a worker gives each source adapter: `publish` stores the event on every topic the
 * estate's routes consume for `<system>` + event (runtime/worker/estate.ts sourceTopicOf), with the
 * message id `<system>:<event>:<adapter's id>` so a repeated publish is de-duplicated by the backbone,
 * and resolves only once every topic has stored it. An event no route consumes is dropped and counted.
 */
export class BackboneSourceContext implements SourceContext {
  readonly system: string;
  readonly state: AdapterState;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly counts: SourceCounts = { published: 0, duplicates: 0, unrouted: 0, replayed: 0, rejected: 0 };
  private readonly source: string;
  private readonly backbone: Backbone;
  private readonly metrics: RuntimeMetrics | undefined;
  private readonly tracer: Tracer | undefined;
  /** event name → topics. */
  private readonly topics = new Map<string, string[]>();
  /** event name → the route targets consuming it, with their dead-letter topics. */
  private readonly deadLetterTargets = new Map<
    string,
    { route: string; target: string; system?: string; topic: string; sourceTopic: string }[]
  >();

  constructor(options: BackboneSourceContextOptions) {
    this.system = options.system;
    this.source = options.source;
    this.state = options.state;
    this.log = options.log;
    this.signal = options.signal;
    this.backbone = options.backbone;
    this.metrics = options.metrics;
    this.tracer = options.tracer;
    for (const route of options.routes) {
      const { system, event } = route.spec.source;
      if (system !== options.system || !event) continue;
      const topics = this.topics.get(event) ?? [];
      const topic = sourceTopicOf(route);
      if (!topics.includes(topic)) topics.push(topic);
      this.topics.set(event, topics);
      const targets = this.deadLetterTargets.get(event) ?? [];
      for (const target of route.spec.targets)
        targets.push({
          route: route.metadata.name,
          target: target.name,
          ...(target.system ? { system: target.system } : {}),
          topic: deliveryPolicyOf(route.metadata.name, target.name, target.delivery).deadLetterTopic,
          sourceTopic: topic,
        });
      this.deadLetterTargets.set(event, targets);
    }
  }

  /** The topics this System's events go to (created before the adapter starts). */
  allTopics(): string[] {
    return [...new Set([...this.topics.values()].flat())].sort();
  }

  /** Whether a route consumes `event` of this System. */
  routes(event: string): boolean {
    return this.topics.has(event);
  }

  async publish(event: string, payload: unknown, messageId: string, options: PublishOptions = {}): Promise<boolean> {
    const topics = this.topics.get(event);
    if (!topics) {
      this.counts.unrouted++;
      this.metrics?.sourceEvents.inc({ system: this.system, source: this.source, outcome: 'unrouted' });
      return false;
    }
    const body = Buffer.from(JSON.stringify(payload));
    const started = performance.now();
    // The caller's trace continues (a platform or gateway that traces its webhook calls).
    const parent = parseTraceparent(options.traceparent);
    const span = this.tracer?.startSpan(`publish ${this.system} ${event}`, {
      kind: 'producer',
      ...(parent ? { parent } : {}),
      attributes: {
        'interlace.system': this.system,
        'interlace.event': event,
        'messaging.message.id': `${this.system}:${event}:${messageId}`,
      },
    });
    let results: { duplicate: boolean }[];
    try {
      results = await Promise.all(
        topics.map((topic) =>
          this.backbone.publish(topic, body, {
            messageId: `${this.system}:${event}:${messageId}`,
            headers: {
              [SOURCE_SYSTEM_HEADER]: this.system,
              [SOURCE_EVENT_HEADER]: event,
              ...(span ? { traceparent: formatTraceparent(span.context) } : parent ? { traceparent: formatTraceparent(parent) } : {}),
            },
          }),
        ),
      );
    } catch (error) {
      span?.fail(error);
      span?.end();
      throw error;
    }
    const duplicate = results.every((r) => r.duplicate);
    span?.setAttribute('interlace.outcome', duplicate ? 'duplicate' : 'published');
    span?.end();
    if (duplicate) this.counts.duplicates++;
    else this.counts.published++;
    this.metrics?.sourcePublishLatency.observe({ system: this.system, source: this.source }, (performance.now() - started) / 1000);
    this.metrics?.sourceEvents.inc({ system: this.system, source: this.source, outcome: duplicate ? 'duplicate' : 'published' });
    return true;
  }

  async deadLetter(event: string, reason: string, detail: Record<string, unknown>, messageId: string): Promise<void> {
    const targets = this.deadLetterTargets.get(event) ?? [];
    if (targets.length === 0) this.log.warn('no route consumes the event of refused input; no dead letter stored', { event, reason });
    const now = new Date().toISOString();
    await Promise.all(
      targets.map(async (t) => {
        await this.backbone.ensureTopic(t.topic);
        const letter: DeadLetter = {
          version: 1,
          route: t.route,
          target: t.target,
          ...(t.system ? { system: t.system } : {}),
          kind: 'permanent',
          reason,
          message: {
            topic: t.sourceTopic,
            sequence: 0,
            messageId: `${this.system}:${event}:${messageId}`,
            publishedAt: now,
            headers: { [SOURCE_SYSTEM_HEADER]: this.system, [SOURCE_EVENT_HEADER]: event },
            payload: detail,
          },
          idempotencyKey: `${this.system}:${event}:${messageId}`,
          businessKeys: {},
          attempts: [],
          deadLetteredAt: now,
        };
        await this.backbone.publish(t.topic, Buffer.from(JSON.stringify(letter)), {
          messageId: `dlq:${t.route}:${t.target}:source:${this.system}:${event}:${messageId}`,
          headers: { [SOURCE_SYSTEM_HEADER]: this.system, [SOURCE_EVENT_HEADER]: event },
        });
      }),
    );
  }

  count(outcome: 'replayed' | 'rejected' | 'unrouted'): void {
    this.counts[outcome]++;
    this.metrics?.sourceEvents.inc({ system: this.system, source: this.source, outcome });
  }
}
