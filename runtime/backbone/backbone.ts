/**
 * The event backbone: one interface, two implementations — NATS JetStream in production
 * (`jetstream-backbone.ts`) and an embedded durable store for `interlace run` on a laptop
 * (`sqlite-backbone.ts`). One shared contract test suite (test/broker/backbone-contract.ts) runs
 * against both, so the runtime cannot tell them apart.
 *
 * Semantics every implementation guarantees:
 * - Durable: `publish` resolves only after the message is stored; a restart loses nothing stored.
 * - At-least-once: a delivery not acknowledged within `ackWait` (or `nak`ed) is delivered again, up to
 *   `maxDeliver` times; `term` stops redelivery for good. Consumers make effects exactly-once with
 *   idempotency keys (runtime/delivery), not the backbone.
 * - Publish de-duplication: a second publish with the same `messageId` within the dedupe window is
 *   stored once (`duplicate: true`).
 * - Order: deliveries of one topic to one consumer start in publish order; with `maxInFlight: 1`
 *   they are also completed in order.
 * - Durable consumers: a named consumer resumes where it left off after a restart.
 * - Errors are the classes of errors.ts on both implementations: BackboneStorageFullError (nothing was
 *   stored), TopicNotFoundError (publish/subscribe/pending/read before `ensureTopic`), InvalidNameError,
 *   BackboneClosedError, PublishTimeoutError (JetStream unreachable for longer than its publish timeout).
 *
 * Implementations: `openJetStreamBackbone` (jetstream-backbone.ts) and `openSqliteBackbone`
 * (sqlite-backbone.ts); docs/backbone.md describes the mapping, the schema and measured rates.
 */

export interface PublishOptions {
  /** Ordering/partitioning key (the business key), carried as a header. */
  key?: string;
  headers?: Record<string, string>;
  /** De-duplication id; JetStream's `Nats-Msg-Id`. */
  messageId?: string;
}

export interface PublishResult {
  /** Position of the stored message in its topic. */
  sequence: number;
  duplicate: boolean;
}

export interface Message {
  topic: string;
  /** Position in the topic, from 1. */
  sequence: number;
  key?: string;
  messageId?: string;
  headers: Record<string, string>;
  payload: Uint8Array;
  /** Milliseconds since the epoch when the message was stored. */
  publishedAt: number;
}

export interface Delivery extends Message {
  /** 1 on the first delivery, then 2, 3, ... */
  deliveryCount: number;
  /** Done: never deliver again to this consumer. */
  ack(): Promise<void>;
  /** Failed, retry: deliver again after `delayMs` (default: at once). */
  nak(delayMs?: number): Promise<void>;
  /** Failed for good (dead-lettered by the caller): never deliver again. */
  term(): Promise<void>;
  /** Still working: push the ack deadline out by another `ackWait`. */
  working(): Promise<void>;
}

export interface SubscribeOptions {
  /** Deliveries in flight at once (default 64). */
  maxInFlight?: number;
  /** Time to ack before redelivery, ms (default 30 000). */
  ackWaitMs?: number;
  /** Deliveries before the backbone gives up (default: unlimited; the runtime dead-letters earlier). */
  maxDeliver?: number;
  /** Where a new consumer starts: 'all' (default) or 'new'. */
  startAt?: 'all' | 'new';
}

export interface Subscription {
  /**
   * Stops delivering; in-flight deliveries may still be acked. On JetStream a message that was on the
   * wire when the subscription stopped comes back to the consumer after its ack deadline.
   */
  stop(): Promise<void>;
}

export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

/** Whether the backbone can do its work now; `detail` says why not, in words safe to show (no credentials or addresses). */
export interface BackboneHealth {
  ok: boolean;
  detail?: string;
}

/**
 * How much of a topic is kept. Given to `ensureTopic`, it is applied to the topic whether new or not
 * (an absent field means no limit, so a limit removed from a spec is lifted); without it a topic keeps
 * the limits it has. JetStream: the stream's `max_age` and `max_msgs`. The embedded store applies its
 * one store-wide retention instead (`maxAgeMs` of openSqliteBackbone).
 */
export interface TopicLimits {
  /** Messages older than this are dropped. */
  maxAgeMs?: number;
  /** Beyond this many messages, the oldest are dropped. */
  maxMessages?: number;
}

export interface Backbone {
  /** Creates the topic if missing. Topics are dot-separated lower-case words (`orders.canonical`). */
  ensureTopic(topic: string, limits?: TopicLimits): Promise<void>;
  publish(topic: string, payload: Uint8Array, options?: PublishOptions): Promise<PublishResult>;
  /**
   * Delivers the topic's messages to the named durable consumer. The handler must settle each
   * delivery (ack, nak or term); a handler that throws counts as `nak()`.
   */
  subscribe(topic: string, consumer: string, handler: DeliveryHandler, options?: SubscribeOptions): Promise<Subscription>;
  /**
   * Messages stored in a topic that the consumer has not acked (its backlog), including deliveries in
   * flight. A consumer that does not exist yet has acked nothing: all stored messages.
   */
  pending(topic: string, consumer: string): Promise<number>;
  /**
   * The consumer's ack floor: every message of the topic up to this sequence is acked (0 when none, or
   * when the consumer does not exist yet). It only grows, except that a broker restart may roll it back
   * a little (lost acks): a value read earlier stays a true lower bound of what was settled. The
   * cross-replica key gate (runtime/delivery/key-turns.ts) scans the stream above it. JetStream only.
   */
  ackFloor?(topic: string, consumer: string): Promise<number>;
  /**
   * Reads stored messages without consuming them (`interlace dlq list`): up to `limit` messages from
   * `fromSequence` on, in order; page on with `last.sequence + 1`.
   */
  read(topic: string, fromSequence: number, limit: number): Promise<Message[]>;
  /**
   * Deletes stored messages by sequence (`interlace dlq purge`); a sequence already gone is skipped.
   * Returns how many were deleted. Consumers never receive a deleted message, and it leaves their
   * backlog. JetStream only: the embedded store keeps every message until its retention drops it.
   */
  deleteMessages?(topic: string, sequences: readonly number[]): Promise<number>;
  /**
   * Reachable now? The worker's /readyz includes it, so a worker whose broker is down reports not
   * Ready (and its Api's Service stops routing to it) until the broker is back. Optional for test
   * doubles; both implementations have it.
   */
  health?(): BackboneHealth;
  close(): Promise<void>;
}
