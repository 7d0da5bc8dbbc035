/**
 * The production backbone: NATS JetStream through the official client (@nats-io/transport-node and
 * @nats-io/jetstream, v3). Semantics are those of backbone.ts, checked by the same contract suite as the
 * embedded backbone (test/broker/backbone-contract.ts) against a real nats-server.
 *
 * Mapping (docs/backbone.md has the whole table):
 * - topic `orders.canonical` → subject `interlace.orders.canonical`, stored in its own stream
 *   `INTERLACE_orders_canonical` (file storage, limits retention, `duplicate_window` = dedupe window,
 *   direct get on). One stream per topic keeps `sequence` a position in the topic (1, 2, 3, …), as the
 *   interface promises, and lets each topic get its own limits later.
 * - consumer → a durable pull consumer: explicit acks, `ack_wait` = ackWaitMs, `max_ack_pending` =
 *   maxInFlight, `max_deliver` = maxDeliver (-1 when unlimited), `filter_subject` = the topic's subject.
 * - messageId → `Nats-Msg-Id`; key → header `Interlace-Key`. A publish without a messageId still sends a
 *   generated `Nats-Msg-Id` (marked by `Interlace-Generated-Id`), so a publish retried across a reconnect
 *   is stored once.
 *
 * The connection reconnects forever; a publish retries (same Nats-Msg-Id) until it is confirmed stored or
 * `publishTimeoutMs` passes, and the pull consumers resume by themselves once the server is back.
 */
import { ConnectionError, connect, headers as natsHeaders, nanos, nuid, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StoredMsg,
} from '@nats-io/jetstream';
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
  TopicLimits,
} from './backbone.ts';
import { BackboneClosedError, BackboneStorageFullError, PublishTimeoutError, TopicNotFoundError } from './errors.ts';
import { checkConsumer, checkTopic } from './names.ts';
import { natsConnectionOptions } from './nats-auth.ts';
import type { NatsAuth } from './nats-auth.ts';

export interface JetStreamBackboneOptions {
  /** nats-server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Connection name shown by the server (`nats server report connections`). */
  name?: string;
  /** First subject token (default `interlace`): topic `a.b` → subject `interlace.a.b`. */
  subjectPrefix?: string;
  /** Stream name prefix (default `INTERLACE`): topic `a.b` → stream `INTERLACE_a_b`. */
  streamPrefix?: string;
  /** JetStream `duplicate_window` for new streams, ms (default 120 000). */
  dedupeWindowMs?: number;
  /** How long one publish keeps retrying while the server is unreachable, ms (default 30 000). */
  publishTimeoutMs?: number;
  /** Stream replicas in a clustered JetStream (default 1). */
  replicas?: number;
  /** Credentials and TLS CA (nats-auth.ts); default none. */
  auth?: NatsAuth;
}

const DEFAULT_MAX_IN_FLIGHT = 64;
const DEFAULT_ACK_WAIT_MS = 30_000;
const KEY_HEADER = 'Interlace-Key';
const GENERATED_ID_HEADER = 'Interlace-Generated-Id';
const MSG_ID_HEADER = 'Nats-Msg-Id';
/** JetStream's own headers are not the application's: they are kept out of `Message.headers`. */
const RESERVED = new Set([KEY_HEADER, GENERATED_ID_HEADER].map((h) => h.toLowerCase()));

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function apiCode(error: unknown): number | undefined {
  return error instanceof JetStreamApiError ? error.code : undefined;
}

/** Messages of a stored or delivered message's headers, split into ours and the application's. */
function fromHeaders(h: MsgHdrs | undefined): { key?: string; messageId?: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (!h) return { headers };
  let key: string | undefined;
  let messageId: string | undefined;
  let generated = false;
  for (const [name, values] of h) {
    const lower = name.toLowerCase();
    const value = values[0] ?? '';
    if (lower === KEY_HEADER.toLowerCase()) key = value;
    else if (lower === GENERATED_ID_HEADER.toLowerCase()) generated = true;
    else if (lower === MSG_ID_HEADER.toLowerCase()) messageId = value;
    else if (lower.startsWith('nats-') || RESERVED.has(lower)) continue;
    else headers[name] = value;
  }
  const out: { key?: string; messageId?: string; headers: Record<string, string> } = { headers };
  if (key !== undefined) out.key = key;
  if (messageId !== undefined && !generated) out.messageId = messageId;
  return out;
}

/** Socket errors that end when the server is back (or its DNS name resolves again). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * Whether {@link openJetStreamBackbone} failed because no server answered (refused, no such host yet,
 * timed out) — worth waiting for — rather than because the server refused our credentials or a creds
 * or CA file could not be read, which waiting does not fix.
 */
export function natsUnreachable(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

/** Connects to nats-server and returns the backbone (streams and consumers are made on demand). */
export async function openJetStreamBackbone(options: JetStreamBackboneOptions): Promise<JetStreamBackbone> {
  const nc = await connect({
    ...natsConnectionOptions(options.auth ?? {}),
    servers: options.servers,
    name: options.name ?? 'interlace',
    // Never give up: a nats-server restart (or a network blip) must not end the worker.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: 10_000,
  });
  const jsm = await jetstreamManager(nc);
  return new JetStreamBackbone(nc, jsm, options);
}

export class JetStreamBackbone implements Backbone {
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #js: JetStreamClient;
  readonly #subjectPrefix: string;
  readonly #streamPrefix: string;
  readonly #dedupeWindowMs: number;
  readonly #publishTimeoutMs: number;
  readonly #replicas: number;
  readonly #subscriptions = new Set<JetStreamSubscription>();
  #closed = false;
  /** Why the backbone cannot work now; undefined while connected and JetStream answers. */
  #down: string | undefined;
  /** Bumped by every disconnect and reconnect, so a JetStream check of an older connection cannot clear `#down`. */
  #connectionEpoch = 0;

  constructor(nc: NatsConnection, jsm: JetStreamManager, options: JetStreamBackboneOptions) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc);
    this.#subjectPrefix = options.subjectPrefix ?? 'interlace';
    this.#streamPrefix = options.streamPrefix ?? 'INTERLACE';
    this.#dedupeWindowMs = options.dedupeWindowMs ?? 120_000;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    this.#replicas = options.replicas ?? 1;
    // A failure here would only stop the health reports: they then say what they said last.
    this.#followConnection().catch(() => {});
  }

  /**
   * Not ok from the moment the connection drops (the server stopped, the network went, pings went
   * unanswered, the server entered lame duck mode) until the client has reconnected and JetStream
   * answers again: after a restart nats-server accepts connections before it has recovered its streams.
   * The details name no server address (it may carry credentials) and no subject.
   */
  health(): BackboneHealth {
    if (this.#closed) return { ok: false, detail: 'the backbone is closed' };
    return this.#down === undefined ? { ok: true } : { ok: false, detail: this.#down };
  }

  async #followConnection(): Promise<void> {
    for await (const status of this.#nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.#connectionEpoch++;
          this.#down = 'disconnected from NATS; reconnecting';
          break;
        case 'staleConnection':
          this.#connectionEpoch++;
          this.#down = 'NATS stopped answering pings; reconnecting';
          break;
        case 'ldm':
          this.#down = 'the NATS server is shutting down (lame duck mode)';
          break;
        case 'reconnect':
          void this.#awaitJetStream(++this.#connectionEpoch);
          break;
        case 'close':
          this.#down = 'the NATS connection is closed';
          return;
      }
    }
  }

  /** After a reconnect: ok once JetStream answers an account info request on this connection. */
  async #awaitJetStream(epoch: number): Promise<void> {
    this.#down = 'reconnected to NATS; waiting for JetStream';
    for (let attempt = 0; !this.#closed && epoch === this.#connectionEpoch; attempt++) {
      try {
        await this.#jsm.getAccountInfo();
        if (epoch === this.#connectionEpoch) this.#down = undefined;
        return;
      } catch {
        await sleep(Math.min(1_000, 100 * 2 ** Math.min(attempt, 4)));
      }
    }
  }

  /**
   * Opens (creating when missing) the Key-Value bucket `<streamPrefix>_<name>`: shared state every
   * worker of the estate sees (idempotency records, parked keys, API views), one value per key, each
   * key removed by the server `maxAgeMs` after its last write (0 = kept).
   */
  async keyValue(name: string, maxAgeMs: number): Promise<KV> {
    this.#open();
    return new Kvm(this.#js).create(`${this.#streamPrefix}_${name}`, { history: 1, ttl: maxAgeMs, replicas: this.#replicas });
  }

  /** The subject a topic's messages are published on. */
  subject(topic: string): string {
    return `${this.#subjectPrefix}.${checkTopic(topic)}`;
  }

  /** The stream that stores a topic (names.ts keeps `_` out of topics, so this is one-to-one). */
  stream(topic: string): string {
    return `${this.#streamPrefix}_${checkTopic(topic).replaceAll('.', '_')}`;
  }

  #open(): void {
    if (this.#closed) throw new BackboneClosedError('the backbone is closed');
  }

  async ensureTopic(topic: string, limits?: TopicLimits): Promise<void> {
    this.#open();
    const name = this.stream(topic);
    // A stream's duplicate window may not be longer than its max age.
    const maxAgeMs = limits?.maxAgeMs ?? 0;
    const duplicateWindowMs = maxAgeMs > 0 ? Math.min(this.#dedupeWindowMs, maxAgeMs) : this.#dedupeWindowMs;
    const wanted = limits ? { max_age: nanos(maxAgeMs), max_msgs: limits.maxMessages ?? -1 } : {};
    try {
      const info = await this.#jsm.streams.info(name);
      if (limits && (info.config.max_age !== wanted.max_age || info.config.max_msgs !== wanted.max_msgs)) {
        await this.#jsm.streams.update(name, { ...info.config, ...wanted, duplicate_window: nanos(duplicateWindowMs) });
      }
      return;
    } catch (error) {
      if (apiCode(error) !== JetStreamApiCodes.StreamNotFound) throw error;
    }
    try {
      await this.#jsm.streams.add({
        name,
        subjects: [this.subject(topic)],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        duplicate_window: nanos(duplicateWindowMs),
        ...wanted,
        allow_direct: true,
        num_replicas: this.#replicas,
        description: `Interlace topic ${topic}`,
      });
    } catch (error) {
      // Another process created it between our info and add: fine if it exists now.
      await this.#jsm.streams.info(name).catch(() => {
        throw error;
      });
    }
  }

  async publish(topic: string, payload: Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    this.#open();
    const subject = this.subject(topic);
    const h = natsHeaders();
    for (const [name, value] of Object.entries(options.headers ?? {})) h.set(name, value);
    if (options.key !== undefined) h.set(KEY_HEADER, options.key);
    let msgID = options.messageId;
    if (msgID === undefined) {
      msgID = nuid.next();
      h.set(GENERATED_ID_HEADER, '1');
    }
    const deadline = Date.now() + this.#publishTimeoutMs;
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) throw new BackboneClosedError('the backbone is closed');
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        const ack = await this.#js.publish(subject, payload, { msgID, headers: h, timeout: Math.min(5_000, remaining), retries: 1 });
        return { sequence: ack.seq, duplicate: ack.duplicate };
      } catch (error) {
        lastError = error;
        const message = (error as Error).message ?? '';
        if (/insufficient resources|storage.*(full|limit)|maximum bytes/i.test(message)) {
          throw new BackboneStorageFullError(`JetStream could not store the message on ${subject}: ${message}`, { cause: error });
        }
        // "no responders" while connected means no stream listens on the subject — unless JetStream is
        // still starting after a restart; the stream lookup tells the two apart.
        if (this.#nc.isClosed()) throw new BackboneClosedError('the NATS connection is closed', { cause: error });
        if (await this.#topicMissing(topic)) {
          throw new TopicNotFoundError(`topic "${topic}" does not exist (no stream ${this.stream(topic)}): call ensureTopic first`);
        }
        await sleep(Math.min(1_000, 50 * 2 ** Math.min(attempt, 5)));
      }
    }
    throw new PublishTimeoutError(
      `could not confirm the publish to ${subject} within ${this.#publishTimeoutMs} ms: ${(lastError as Error | undefined)?.message ?? 'no answer'}`,
      { cause: lastError },
    );
  }

  #nextFlush: Promise<void> | undefined;
  #pendingAcks: JsMsg[] = [];

  /**
   * Acks `m` and resolves once the server has received it. Acks made in one turn of the event loop are
   * written together at the end of the turn, followed by one PING/PONG that confirms them all: one
   * socket write per turn instead of one per ack (the client flushes each microtask's commands
   * separately), and no request/reply per ack (`ackAck` costs 5× the rate).
   */
  #ackConfirmed(m: JsMsg): Promise<void> {
    this.#pendingAcks.push(m);
    return this.#confirmReceived();
  }

  /**
   * Resolves once the server has received everything this connection sent so far, the acks queued in
   * this turn included (one PING/PONG shared by everything written in the same turn of the event loop).
   */
  #confirmReceived(): Promise<void> {
    this.#nextFlush ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.#nextFlush = undefined;
        const acks = this.#pendingAcks;
        this.#pendingAcks = [];
        try {
          for (const m of acks) m.ack();
        } catch (error) {
          reject(error); // the connection is closing: these acks may not have gone out
          return;
        }
        this.#nc.flush().then(resolve, reject);
      });
    });
    return this.#nextFlush;
  }

  /** True only when the server answered that the topic's stream does not exist. */
  async #topicMissing(topic: string): Promise<boolean> {
    try {
      await this.#jsm.streams.info(this.stream(topic));
      return false;
    } catch (error) {
      return apiCode(error) === JetStreamApiCodes.StreamNotFound;
    }
  }

  async subscribe(topic: string, consumer: string, handler: DeliveryHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    this.#open();
    checkConsumer(consumer);
    const stream = this.stream(topic);
    const maxInFlight = Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    const wanted: Partial<ConsumerConfig> = {
      ack_wait: nanos(ackWaitMs),
      max_ack_pending: maxInFlight,
      max_deliver: options.maxDeliver !== undefined && options.maxDeliver > 0 ? options.maxDeliver : -1,
    };
    await this.#ensureConsumer(topic, stream, consumer, wanted, options.startAt ?? 'all');
    const pull = await this.#js.consumers.get(stream, consumer);
    const messages = await pull.consume({ max_messages: maxInFlight });
    const sub = new JetStreamSubscription(topic, messages, handler, (m) => this.#ackConfirmed(m));
    this.#subscriptions.add(sub);
    sub.run();
    return {
      stop: async () => {
        this.#subscriptions.delete(sub);
        await sub.stop();
      },
    };
  }

  async #ensureConsumer(
    topic: string,
    stream: string,
    name: string,
    wanted: Partial<ConsumerConfig>,
    startAt: 'all' | 'new',
  ): Promise<void> {
    try {
      const info = await this.#jsm.consumers.info(stream, name);
      const c = info.config;
      if (c.ack_wait !== wanted.ack_wait || c.max_ack_pending !== wanted.max_ack_pending || c.max_deliver !== wanted.max_deliver) {
        await this.#jsm.consumers.update(stream, name, wanted);
      }
      return;
    } catch (error) {
      const code = apiCode(error);
      if (code === JetStreamApiCodes.StreamNotFound) {
        throw new TopicNotFoundError(`topic "${topic}" does not exist (no stream ${stream}): call ensureTopic first`);
      }
      if (code !== JetStreamApiCodes.ConsumerNotFound) throw error;
    }
    try {
      await this.#jsm.consumers.add(stream, {
        ...wanted,
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: startAt === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
        replay_policy: ReplayPolicy.Instant,
        filter_subject: this.subject(topic),
      });
    } catch (error) {
      if (apiCode(error) === JetStreamApiCodes.StreamNotFound) {
        throw new TopicNotFoundError(`topic "${topic}" does not exist (no stream ${stream}): call ensureTopic first`);
      }
      // created concurrently by another subscriber: fine when it exists now
      await this.#jsm.consumers.info(stream, name).catch(() => {
        throw error;
      });
    }
  }

  async pending(topic: string, consumer: string): Promise<number> {
    this.#open();
    checkConsumer(consumer);
    const stream = this.stream(topic);
    try {
      const info = await this.#jsm.consumers.info(stream, consumer);
      return info.num_pending + info.num_ack_pending;
    } catch (error) {
      const code = apiCode(error);
      if (code === JetStreamApiCodes.StreamNotFound) throw new TopicNotFoundError(`topic "${topic}" does not exist`);
      if (code !== JetStreamApiCodes.ConsumerNotFound) throw error;
    }
    // a consumer that does not exist yet has acked nothing
    try {
      return (await this.#jsm.streams.info(stream)).state.messages;
    } catch (error) {
      if (apiCode(error) === JetStreamApiCodes.StreamNotFound) throw new TopicNotFoundError(`topic "${topic}" does not exist`);
      throw error;
    }
  }

  async ackFloor(topic: string, consumer: string): Promise<number> {
    this.#open();
    checkConsumer(consumer);
    try {
      return (await this.#jsm.consumers.info(this.stream(topic), consumer)).ack_floor.stream_seq;
    } catch (error) {
      const code = apiCode(error);
      if (code === JetStreamApiCodes.StreamNotFound) throw new TopicNotFoundError(`topic "${topic}" does not exist`);
      if (code === JetStreamApiCodes.ConsumerNotFound) return 0;
      throw error;
    }
  }

  async read(topic: string, fromSequence: number, limit: number): Promise<Message[]> {
    this.#open();
    const stream = this.stream(topic);
    let state: { first_seq: number; last_seq: number; messages: number };
    try {
      state = (await this.#jsm.streams.info(stream)).state;
    } catch (error) {
      if (apiCode(error) === JetStreamApiCodes.StreamNotFound) throw new TopicNotFoundError(`topic "${topic}" does not exist`);
      throw error;
    }
    // Retention (max age, max messages) drops the head of the stream: start at the first message kept.
    const from = Math.max(1, fromSequence, state.first_seq);
    if (limit <= 0 || state.messages === 0 || from > state.last_seq) return [];
    const out: Message[] = [];
    const batch = await this.#jsm.direct.getBatch(stream, { seq: from, batch: Math.min(limit, state.last_seq - from + 1) });
    try {
      for await (const m of batch) {
        out.push(this.#storedToMessage(topic, m));
        if (out.length >= limit) break;
      }
    } catch (error) {
      // 404: retention dropped the rest between the stream info and the read; what was read stands.
      if ((error as { code?: unknown } | undefined)?.code !== 404) throw error;
    }
    return out;
  }

  async deleteMessages(topic: string, sequences: readonly number[]): Promise<number> {
    this.#open();
    const stream = this.stream(topic);
    let deleted = 0;
    for (const sequence of sequences) {
      try {
        // erase: false — marked deleted, not overwritten; the point is that nobody reads it again.
        if (await this.#jsm.streams.deleteMessage(stream, sequence, false)) deleted++;
      } catch (error) {
        const code = apiCode(error);
        if (code === JetStreamApiCodes.StreamNotFound) throw new TopicNotFoundError(`topic "${topic}" does not exist`);
        if (code !== JetStreamApiCodes.NoMessageFound) throw error; // already gone (deleted, or dropped by retention)
      }
    }
    return deleted;
  }

  #storedToMessage(topic: string, m: StoredMsg): Message {
    return { topic, sequence: m.seq, payload: m.data, publishedAt: m.time.getTime(), ...fromHeaders(m.header) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    this.#subscriptions.clear();
    try {
      await this.#nc.drain(); // sends outstanding acks before closing
    } catch {
      await this.#nc.close();
    }
  }
}

class JetStreamSubscription {
  readonly #topic: string;
  readonly #messages: ConsumerMessages;
  readonly #handler: DeliveryHandler;
  readonly #ackConfirmed: (m: JsMsg) => Promise<void>;
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(topic: string, messages: ConsumerMessages, handler: DeliveryHandler, ackConfirmed: (m: JsMsg) => Promise<void>) {
    this.#topic = topic;
    this.#messages = messages;
    this.#handler = handler;
    this.#ackConfirmed = ackConfirmed;
  }

  run(): void {
    this.#loop = (async () => {
      // max_ack_pending (= maxInFlight) on the server bounds how many deliveries are out at once, so
      // each message is handed to the handler at once, in stream order.
      for await (const m of this.#messages) {
        if (this.#stopped) {
          m.nak(); // pulled after stop: give it straight back instead of waiting out ack_wait
          continue;
        }
        this.#dispatch(m);
      }
    })().catch((error: unknown) => {
      if (!this.#stopped) process.emitWarning(`backbone subscription ${this.#topic}: ${(error as Error).message}`);
    });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#messages.close().catch(() => {});
    await this.#loop;
  }

  #dispatch(m: JsMsg): void {
    let settled = false;
    const once = (fn: () => void | Promise<void>) => async (): Promise<void> => {
      if (settled) return;
      settled = true;
      await fn();
    };
    const delivery: Delivery = {
      topic: this.#topic,
      sequence: m.seq,
      payload: m.data,
      publishedAt: m.time.getTime(),
      ...fromHeaders(m.headers),
      deliveryCount: m.info.deliveryCount,
      // ack resolves once the server has received it (a shared flush), so "acked" means the ack is not
      // sitting in a client buffer; if the connection drops first, this rejects and the message comes again.
      ack: once(async () => {
        try {
          await this.#ackConfirmed(m);
        } catch (error) {
          throw new Error(`ack of ${this.#topic}#${m.seq} was not confirmed by the server; it may be delivered again`, { cause: error });
        }
      }),
      nak: (delayMs?: number) => once(() => m.nak(delayMs !== undefined && delayMs > 0 ? delayMs : undefined))(),
      term: once(() => m.term()),
      working: async () => {
        if (!settled) m.working();
      },
    };
    void (async () => {
      try {
        await this.#handler(delivery);
      } catch {
        if (!settled) await delivery.nak().catch(() => {});
      }
    })();
  }
}
