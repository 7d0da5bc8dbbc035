/**
 * How a System's events enter the backbone in a local run: each simulated system hands its events to
 * a SourcePublisher, which publishes them on the topic the estate's routes consume for that System
 * event — `<system>.<event>` in lower case (runtime/worker/estate.ts `sourceTopicOf`:
 * `legacy-erp` + `SalesOrder.Changed` → `legacy-erp.salesorder.changed`). In production the same
 * topics are fed by a webhook receiver, a poller or the system's own NATS client; the routes cannot
 * tell the difference.
 *
 * Each event carries a message id from the system's own identity of the change
 * (`legacy-erp:SalesOrder.Changed:1000001:1`), so a system that emits the same change twice is stored
 * once (the backbone's publish de-duplication). Publishing is an outbox: an event the backbone did
 * not confirm (a broker restart) is retried in order until it is stored; `flush()` waits for that.
 *
 * A System whose webhook receiver runs (`pushWebhooks`, set by `interlace run` once the System's source
 * unit is up) does not publish: its events go to the receiver as signed deliveries (webhook-sender.ts),
 * which publishes them with the same message id, as the real platform's webhooks would.
 */
import type { Backbone } from '../backbone/backbone.ts';
import type { EventRoute } from '../../language/kinds/generated/kinds.ts';
import { sourceTopicOf } from '../worker/estate.ts';
import { WebhookSender } from './webhook-sender.ts';
import type { WebhookTarget } from './webhook-sender.ts';

export interface SourceEvent {
  system: string;
  event: string;
  /** The entity's business key (the route's ordering key). */
  key: string;
  /** Unique id of this change within the system (entity id + version). */
  id: string;
  payload: unknown;
}

export interface PublisherCounters {
  /** Stored on the backbone (duplicates included). */
  published: number;
  /** Stored as a duplicate of an earlier publish (same message id). */
  duplicates: number;
  /** Events no route of the estate consumes (dropped, as a real system's unsubscribed events are). */
  unrouted: number;
  /** Publish attempts the backbone refused or did not confirm (retried). */
  retries: number;
  byTopic: Record<string, number>;
}

export class SourcePublisher {
  readonly counters: PublisherCounters = { published: 0, duplicates: 0, unrouted: 0, retries: 0, byTopic: {} };
  private readonly topics = new Map<string, string>();
  private readonly queue: { topic: string; event: SourceEvent }[] = [];
  private draining: Promise<void> | undefined;
  private stopped = false;
  private lastError: unknown;
  private backbone: Backbone;
  private readonly idle: (() => void)[] = [];
  private readonly webhooks = new Map<string, WebhookSender>();

  constructor(backbone: Backbone, routes: readonly EventRoute[]) {
    this.backbone = backbone;
    this.setRoutes(routes);
  }

  /** Re-reads which System events are routed (hot reload). */
  setRoutes(routes: readonly EventRoute[]): void {
    this.topics.clear();
    for (const route of routes) {
      const { system, event } = route.spec.source;
      if (system && event) this.topics.set(`${system}|${event}`, sourceTopicOf(route));
    }
  }

  /** Swaps the backbone (a reconnect); queued events go to the new one. */
  setBackbone(backbone: Backbone): void {
    this.backbone = backbone;
  }

  /** Topics the systems publish to, for ensureTopic at start. */
  sourceTopics(): string[] {
    return [...new Set(this.topics.values())];
  }

  topicFor(system: string, event: string): string | undefined {
    return this.topics.get(`${system}|${event}`);
  }

  /**
   * Sends `system`'s events to its webhook receiver from now on (a restarted receiver: the new URL,
   * queued deliveries kept), or publishes them directly again when `target` is undefined.
   */
  pushWebhooks(system: string, target: WebhookTarget | undefined): void {
    const sender = this.webhooks.get(system);
    if (!target) {
      sender?.stop();
      this.webhooks.delete(system);
      return;
    }
    if (sender) sender.retarget(target);
    else this.webhooks.set(system, new WebhookSender(target, (event) => this.countWebhookDelivery(event)));
  }

  /**
   * A webhook delivery the receiver acknowledged is an event stored on its topic, as a direct publish
   * would be: counted the same way, so `counters` say what the systems were told is stored whichever
   * way their events went.
   */
  private countWebhookDelivery(event: SourceEvent): void {
    const topic = this.topicFor(event.system, event.event);
    if (!topic) {
      this.counters.unrouted++;
      return;
    }
    this.counters.published++;
    this.counters.byTopic[topic] = (this.counters.byTopic[topic] ?? 0) + 1;
  }

  /** Webhook deliveries per System (acknowledged, retried, refused with 401). */
  webhookCounters(): Record<string, WebhookSender['counters']> {
    return Object.fromEntries([...this.webhooks].map(([system, sender]) => [system, { ...sender.counters }]));
  }

  get backlog(): number {
    let total = this.queue.length;
    for (const sender of this.webhooks.values()) total += sender.backlog;
    return total;
  }

  get error(): unknown {
    return this.lastError;
  }

  emit(event: SourceEvent): void {
    const webhook = this.webhooks.get(event.system);
    if (webhook) {
      webhook.send(event);
      return;
    }
    const topic = this.topicFor(event.system, event.event);
    if (!topic) {
      this.counters.unrouted++;
      return;
    }
    this.queue.push({ topic, event });
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves when every emitted event is stored. */
  async flush(): Promise<void> {
    await Promise.all([...this.webhooks.values()].map((sender) => sender.flush()));
    while (this.queue.length > 0 || this.draining) {
      if (this.draining) await this.draining;
      else
        this.draining = this.drain().finally(() => {
          this.draining = undefined;
        });
    }
  }

  stop(): void {
    this.stopped = true;
    for (const sender of this.webhooks.values()) sender.stop();
  }

  private async drain(): Promise<void> {
    let backoff = 50;
    while (this.queue.length > 0 && !this.stopped) {
      // Publish in small concurrent batches; order within a key is kept because a batch is
      // confirmed before the next one starts and the backbone stores a batch in call order.
      const batch = this.queue.slice(0, 64);
      // Each publish settles on its own: a batch can straddle two group commits of the backbone, so
      // when the store fills up its first events may be stored and the rest refused. The stored ones are
      // what the system was told is stored (counted, out of the queue); the refused ones stay, in order.
      const results = await Promise.allSettled(
        batch.map(({ topic, event }) =>
          this.backbone.publish(topic, Buffer.from(JSON.stringify(event.payload)), {
            key: event.key,
            messageId: `${event.system}:${event.event}:${event.id}`,
            headers: { 'interlace-source-system': event.system, 'interlace-source-event': event.event },
          }),
        ),
      );
      const refused = batch.filter((_, i) => results[i]!.status === 'rejected');
      for (let i = 0; i < results.length; i++) {
        const result = results[i]!;
        if (result.status !== 'fulfilled') continue;
        this.counters.published++;
        if (result.value.duplicate) this.counters.duplicates++;
        const topic = batch[i]!.topic;
        this.counters.byTopic[topic] = (this.counters.byTopic[topic] ?? 0) + 1;
      }
      this.queue.splice(0, batch.length, ...refused);
      if (refused.length === 0) {
        backoff = 50;
        this.lastError = undefined;
      } else {
        // Not stored (or not confirmed): keep the events and try again; a repeat is de-duplicated by id.
        this.lastError = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
        this.counters.retries++;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 2_000);
      }
    }
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
