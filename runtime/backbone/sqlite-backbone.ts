/**
 * The embedded durable backbone for `interlace run` on a laptop: one SQLite file (node:sqlite, built into
 * Node ≥ 22.5, no dependency), WAL mode, publishes committed with synchronous=FULL before they resolve.
 * Semantics are those of backbone.ts, checked by the same contract suite as the JetStream backbone.
 *
 * Latency: a publish in this process wakes the topic's subscriptions at once (in-process notify); a
 * publish from another process is seen by polling (`pollIntervalMs`). Redeliveries are timed to the
 * earliest ack deadline or nak delay of the consumer.
 */
import type {
  Backbone,
  BackboneHealth,
  Delivery,
  DeliveryHandler,
  Message,
  PublishOptions,
  PublishResult,
  SubscribeOptions,
  Subscription,
} from './backbone.ts';
import { BackboneClosedError, BackboneStorageFullError } from './errors.ts';
import { GroupCommit } from './group-commit.ts';
import { checkConsumer, checkTopic } from './names.ts';
import { openDatabase, Store, type Claimed } from './sqlite-store.ts';

export interface SqliteBackboneOptions {
  /** The database file (created when missing). `:memory:` only for throwaway use: nothing survives. */
  path: string;
  /** How long a messageId is remembered for de-duplication, ms (default 120 000, JetStream's default). */
  dedupeWindowMs?: number;
  /** How often subscriptions look for messages published by other processes, ms (default 100). */
  pollIntervalMs?: number;
  /**
   * Largest size the database may grow to, bytes (SQLite `max_page_count`); beyond it publishes fail with
   * BackboneStorageFullError exactly as on a full disk. Default: unbounded.
   */
  maxBytes?: number;
  /**
   * Retention, ms: messages older than this are dropped, delivered or not (JetStream's `max_age`), so
   * a long-running store does not grow for ever. Default 14 days (the longest dead-letter retention of
   * the example estate); 0 keeps every message.
   */
  maxAgeMs?: number;
}

const DEFAULT_MAX_AGE_MS = 14 * 24 * 3_600_000;

const DEFAULT_MAX_IN_FLIGHT = 64;
const DEFAULT_ACK_WAIT_MS = 30_000;
const SQLITE_FULL = 13;

/** Turns SQLite's "database or disk is full" into the backbone's own error; leaves others as they are. */
function wrapSqliteError(error: unknown): unknown {
  const e = error as { errcode?: number; message?: string } | undefined;
  if (e && typeof e.errcode === 'number' && (e.errcode & 0xff) === SQLITE_FULL) {
    return new BackboneStorageFullError(
      `the embedded backbone's store is full (${e.message ?? 'SQLITE_FULL'}): the message was not stored; free disk space (or raise maxBytes) and publish again`,
      { cause: error },
    );
  }
  return error;
}

/** Opens (creating when missing) the embedded backbone stored in `options.path`. */
export async function openSqliteBackbone(options: SqliteBackboneOptions): Promise<SqliteBackbone> {
  return new SqliteBackbone(options);
}

export class SqliteBackbone implements Backbone {
  readonly #store: Store;
  readonly #writer: GroupCommit;
  readonly #dedupeWindowMs: number;
  readonly #maxAgeMs: number;
  readonly #pollIntervalMs: number;
  readonly #subscriptions = new Set<SqliteSubscription>();
  #lastPrune = 0;
  #closed = false;

  constructor(options: SqliteBackboneOptions) {
    this.#store = new Store(openDatabase(options.path, options.maxBytes));
    this.#writer = new GroupCommit(this.#store.db, wrapSqliteError);
    this.#dedupeWindowMs = options.dedupeWindowMs ?? 120_000;
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.#writer.onCommit = (values) => {
      // Wake the subscriptions of every topic that just received a message.
      const topics = new Set<string>();
      for (const v of values)
        if (v && typeof v === 'object' && 'publishedTopic' in v) topics.add((v as { publishedTopic: string }).publishedTopic);
      if (topics.size === 0) return;
      for (const sub of this.#subscriptions) if (topics.has(sub.topic)) sub.wake();
    };
  }

  #open(): void {
    if (this.#closed) throw new BackboneClosedError('the backbone is closed');
  }

  async ensureTopic(topic: string): Promise<void> {
    this.#open();
    checkTopic(topic);
    await this.#writer.submit(() => this.#store.ensureTopic(topic), true);
  }

  async publish(topic: string, payload: Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    this.#open();
    checkTopic(topic);
    const result = await this.#writer.submit(() => {
      const now = Date.now();
      // Every 10 s, or twice per retention period when that is shorter.
      if (now - this.#lastPrune > Math.min(10_000, Math.max(50, this.#maxAgeMs / 2 || 10_000))) {
        this.#store.pruneDedupe(now - this.#dedupeWindowMs);
        if (this.#maxAgeMs > 0) this.#store.expire(now - this.#maxAgeMs);
        this.#lastPrune = now;
      }
      const r = this.#store.publish(topic, payload, options.key, options.messageId, options.headers, now, this.#dedupeWindowMs);
      return { ...r, publishedTopic: topic };
    }, true);
    return { sequence: result.sequence, duplicate: result.duplicate };
  }

  async subscribe(topic: string, consumer: string, handler: DeliveryHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    this.#open();
    checkTopic(topic);
    checkConsumer(consumer);
    await this.#writer.submit(() => this.#store.ensureConsumer(topic, consumer, options.startAt ?? 'all', Date.now()), true);
    const sub = new SqliteSubscription(this, topic, consumer, handler, {
      maxInFlight: Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
      ackWaitMs: options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS,
      maxDeliver: options.maxDeliver !== undefined && options.maxDeliver > 0 ? options.maxDeliver : undefined,
      pollIntervalMs: this.#pollIntervalMs,
    });
    this.#subscriptions.add(sub);
    sub.start();
    return {
      stop: async () => {
        sub.stop();
        this.#subscriptions.delete(sub);
      },
    };
  }

  async pending(topic: string, consumer: string): Promise<number> {
    this.#open();
    checkTopic(topic);
    checkConsumer(consumer);
    return this.#store.pending(topic, consumer);
  }

  async read(topic: string, fromSequence: number, limit: number): Promise<Message[]> {
    this.#open();
    checkTopic(topic);
    return this.#store.read(topic, fromSequence, Math.max(0, limit));
  }

  /** The embedded store is in this process: it works until it is closed. */
  health(): BackboneHealth {
    return this.#closed ? { ok: false, detail: 'the backbone is closed' } : { ok: true };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of this.#subscriptions) sub.stop();
    this.#subscriptions.clear();
    await this.#writer.drained();
    this.#writer.close();
    this.#store.db.close();
  }

  // ---- used by SqliteSubscription ----

  /** @internal */
  claim(sub: SqliteSubscription, capacity: number): Promise<Claimed[]> {
    return this.#writer.submit(
      () => this.#store.claim({ topic: sub.topic, consumer: sub.consumer, now: Date.now(), capacity, ...sub.limits }),
      false,
    );
  }

  /** @internal */
  settle(topic: string, consumer: string, seq: number): Promise<void> {
    return this.#writer.submit(() => this.#store.settle(topic, consumer, seq), false);
  }

  /** @internal */
  delay(topic: string, consumer: string, seq: number, delayMs: number): Promise<void> {
    return this.#writer.submit(() => this.#store.delay(topic, consumer, seq, Date.now() + Math.max(0, delayMs)), false);
  }

  /** @internal */
  nextDue(topic: string, consumer: string): number | undefined {
    if (this.#closed) return undefined;
    return this.#store.nextDue(topic, consumer, Date.now());
  }
}

interface SubscriptionLimits {
  maxInFlight: number;
  ackWaitMs: number;
  maxDeliver: number | undefined;
  pollIntervalMs: number;
}

class SqliteSubscription {
  readonly topic: string;
  readonly consumer: string;
  readonly limits: { maxInFlight: number; ackWaitMs: number; maxDeliver: number | undefined };
  readonly #backbone: SqliteBackbone;
  readonly #handler: DeliveryHandler;
  readonly #pollIntervalMs: number;
  /** Deliveries handed to the handler and neither settled nor returned yet. */
  #outstanding = 0;
  #stopped = false;
  #pumping = false;
  #again = false;
  #poll: NodeJS.Timeout | undefined;
  #dueTimer: NodeJS.Timeout | undefined;
  #dueAt = Infinity;

  constructor(backbone: SqliteBackbone, topic: string, consumer: string, handler: DeliveryHandler, limits: SubscriptionLimits) {
    this.#backbone = backbone;
    this.topic = topic;
    this.consumer = consumer;
    this.#handler = handler;
    this.limits = { maxInFlight: limits.maxInFlight, ackWaitMs: limits.ackWaitMs, maxDeliver: limits.maxDeliver };
    this.#pollIntervalMs = limits.pollIntervalMs;
  }

  start(): void {
    this.#poll = setInterval(() => this.wake(), this.#pollIntervalMs);
    this.wake();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#poll);
    clearTimeout(this.#dueTimer);
  }

  wake(): void {
    if (this.#stopped) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        const capacity = this.limits.maxInFlight - this.#outstanding;
        if (capacity <= 0) break;
        let claimed: Claimed[];
        try {
          claimed = await this.#backbone.claim(this, capacity);
        } catch (error) {
          if (error instanceof BackboneClosedError) return;
          // A transient store error (e.g. the disk is full): try again on the next poll.
          process.emitWarning(`backbone subscription ${this.topic}/${this.consumer}: ${(error as Error).message}`);
          break;
        }
        if (this.#stopped) {
          // Claimed after stop: hand them back at once rather than waiting out the ack deadline.
          for (const c of claimed) void this.#backbone.delay(this.topic, this.consumer, c.message.sequence, 0).catch(() => {});
          return;
        }
        for (const c of claimed) this.#dispatch(c);
        if (claimed.length === capacity) this.#again = true;
      } while (this.#again && !this.#stopped);
      this.#scheduleDue();
    } finally {
      this.#pumping = false;
    }
  }

  /** Sleeps until the consumer's next nak delay or ack deadline ends (the poll is the fallback). */
  #scheduleDue(): void {
    const at = this.#backbone.nextDue(this.topic, this.consumer);
    if (at === undefined || this.#stopped) return;
    if (this.#dueTimer !== undefined && this.#dueAt <= at) return;
    clearTimeout(this.#dueTimer);
    this.#dueAt = at;
    this.#dueTimer = setTimeout(
      () => {
        this.#dueTimer = undefined;
        this.#dueAt = Infinity;
        this.wake();
      },
      Math.max(0, at - Date.now()) + 1,
    );
  }

  #dispatch(claimed: Claimed): void {
    const { topic, consumer } = this;
    const seq = claimed.message.sequence;
    const backbone = this.#backbone;
    let released = false;
    let settled = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#outstanding--;
      this.wake();
    };
    const settleOnce = async (op: () => Promise<void>): Promise<void> => {
      if (settled) return;
      settled = true;
      try {
        await op();
      } finally {
        release();
      }
    };
    const delivery: Delivery = {
      ...claimed.message,
      deliveryCount: claimed.deliveryCount,
      ack: () => settleOnce(() => backbone.settle(topic, consumer, seq)),
      term: () => settleOnce(() => backbone.settle(topic, consumer, seq)),
      nak: (delayMs = 0) => settleOnce(() => backbone.delay(topic, consumer, seq, delayMs)),
      working: async () => {
        if (!settled) await backbone.delay(topic, consumer, seq, this.limits.ackWaitMs);
      },
    };
    this.#outstanding++;
    void (async () => {
      try {
        await this.#handler(delivery);
      } catch {
        await delivery.nak().catch(() => {});
      } finally {
        // A handler that returned without settling leaves the message to its ack deadline (JetStream does
        // the same); it no longer holds one of this subscription's slots.
        release();
      }
    })();
  }
}
