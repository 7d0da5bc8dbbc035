/**
 * The embedded backbone's tables and the statements on them. Everything here is synchronous and runs
 * inside a transaction opened by GroupCommit; sqlite-backbone.ts does the scheduling.
 *
 * Model (the same as a JetStream consumer's state, made explicit):
 * - `topics.last_seq`: the topic's highest sequence (sequences are per topic, from 1, no gaps).
 * - `messages`: the log, never rewritten; messages older than the retention (`maxAgeMs`) are dropped from
 *   its head, and consumers move past them (JetStream's `max_age`).
 * - `dedupe`: messageId → sequence, kept for the dedupe window.
 * - `consumers.next_seq`: every message below it was delivered to the consumer at least once.
 * - `inflight`: messages delivered (or due for redelivery) but not yet acked or termed, with the time
 *   from which they may be delivered again (`visible_at`: the ack deadline, or the end of a nak delay).
 * So a consumer's backlog is `(last_seq - next_seq + 1) + count(inflight)`.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { openSqliteFile } from '../../lib/sqlite-file.ts';
import type { Message } from './backbone.ts';
import { TopicNotFoundError } from './errors.ts';

const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS topics (
  topic      TEXT PRIMARY KEY,
  last_seq   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  topic        TEXT    NOT NULL,
  seq          INTEGER NOT NULL,
  key          TEXT,
  message_id   TEXT,
  headers      TEXT,
  payload      BLOB    NOT NULL,
  published_at INTEGER NOT NULL,
  PRIMARY KEY (topic, seq)
);
CREATE INDEX IF NOT EXISTS messages_by_age ON messages (published_at);
CREATE TABLE IF NOT EXISTS dedupe (
  topic      TEXT    NOT NULL,
  message_id TEXT    NOT NULL,
  seq        INTEGER NOT NULL,
  stored_at  INTEGER NOT NULL,
  PRIMARY KEY (topic, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedupe_by_age ON dedupe (stored_at);
CREATE TABLE IF NOT EXISTS consumers (
  topic      TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  next_seq   INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (topic, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inflight (
  topic      TEXT    NOT NULL,
  consumer   TEXT    NOT NULL,
  seq        INTEGER NOT NULL,
  deliveries INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  PRIMARY KEY (topic, consumer, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS inflight_due ON inflight (topic, consumer, visible_at);
`;

interface MessageRow {
  topic: string;
  seq: number;
  key: string | null;
  message_id: string | null;
  headers: string | null;
  payload: Uint8Array;
  published_at: number;
}

export interface Claimed {
  message: Message;
  deliveryCount: number;
}

export interface ClaimRequest {
  topic: string;
  consumer: string;
  now: number;
  /** How many deliveries the subscription can take right now. */
  capacity: number;
  /** The consumer's cap on unsettled messages (JetStream's max_ack_pending). */
  maxInFlight: number;
  ackWaitMs: number;
  maxDeliver: number | undefined;
}

function toMessage(row: MessageRow): Message {
  const message: Message = {
    topic: row.topic,
    sequence: row.seq,
    headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {},
    payload: row.payload,
    publishedAt: row.published_at,
  };
  if (row.key !== null) message.key = row.key;
  if (row.message_id !== null) message.messageId = row.message_id;
  return message;
}

/** Opens (creating when missing) the database file with the pragmas the backbone relies on (lib/sqlite-file.ts). */
export function openDatabase(path: string, maxBytes: number | undefined): DatabaseSync {
  return openSqliteFile(path, { schema: SCHEMA, schemaVersion: SCHEMA_VERSION, schemaName: 'schema', maxBytes });
}

/** Prepared statements and the operations on them (each runs inside the caller's transaction). */
export class Store {
  readonly db: DatabaseSync;
  readonly #s;

  constructor(db: DatabaseSync) {
    this.db = db;
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      ensureTopic: p('INSERT OR IGNORE INTO topics (topic, last_seq) VALUES (?, 0)'),
      lastSeq: p('SELECT last_seq FROM topics WHERE topic = ?'),
      bumpSeq: p('UPDATE topics SET last_seq = last_seq + 1 WHERE topic = ? RETURNING last_seq'),
      insertMessage: p('INSERT INTO messages (topic, seq, key, message_id, headers, payload, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      findDuplicate: p('SELECT seq FROM dedupe WHERE topic = ? AND message_id = ? AND stored_at > ?'),
      rememberId: p('INSERT OR REPLACE INTO dedupe (topic, message_id, seq, stored_at) VALUES (?, ?, ?, ?)'),
      pruneDedupe: p('DELETE FROM dedupe WHERE stored_at <= ?'),
      firstSeq: p('SELECT min(seq) AS seq FROM messages WHERE topic = ?'),
      expiredHeads: p('SELECT topic, max(seq) AS seq FROM messages WHERE published_at <= ? GROUP BY topic'),
      expireInflight: p('DELETE FROM inflight WHERE topic = ? AND seq <= ?'),
      skipExpired: p('UPDATE consumers SET next_seq = ? WHERE topic = ? AND next_seq <= ?'),
      expireMessages: p('DELETE FROM messages WHERE topic = ? AND seq <= ?'),
      consumer: p('SELECT next_seq FROM consumers WHERE topic = ? AND name = ?'),
      createConsumer: p('INSERT OR IGNORE INTO consumers (topic, name, next_seq, created_at) VALUES (?, ?, ?, ?)'),
      setNextSeq: p('UPDATE consumers SET next_seq = ? WHERE topic = ? AND name = ?'),
      inflightCount: p('SELECT count(*) AS n FROM inflight WHERE topic = ? AND consumer = ?'),
      dropExhausted: p('DELETE FROM inflight WHERE topic = ? AND consumer = ? AND visible_at <= ? AND deliveries >= ?'),
      due: p('SELECT seq, deliveries FROM inflight WHERE topic = ? AND consumer = ? AND visible_at <= ? ORDER BY seq LIMIT ?'),
      redeliver: p('UPDATE inflight SET deliveries = deliveries + 1, visible_at = ? WHERE topic = ? AND consumer = ? AND seq = ?'),
      deliverNew: p('INSERT INTO inflight (topic, consumer, seq, deliveries, visible_at) VALUES (?, ?, ?, 1, ?)'),
      message: p('SELECT * FROM messages WHERE topic = ? AND seq = ?'),
      messagesFrom: p('SELECT * FROM messages WHERE topic = ? AND seq >= ? ORDER BY seq LIMIT ?'),
      settle: p('DELETE FROM inflight WHERE topic = ? AND consumer = ? AND seq = ?'),
      delay: p('UPDATE inflight SET visible_at = ? WHERE topic = ? AND consumer = ? AND seq = ?'),
      nextDue: p('SELECT min(visible_at) AS at FROM inflight WHERE topic = ? AND consumer = ? AND visible_at > ?'),
    };
  }

  ensureTopic(topic: string): void {
    this.#s.ensureTopic.run(topic);
  }

  /** The topic's highest sequence, or undefined when the topic does not exist. */
  lastSeq(topic: string): number | undefined {
    const row = this.#s.lastSeq.get(topic) as { last_seq: number } | undefined;
    return row?.last_seq;
  }

  publish(
    topic: string,
    payload: Uint8Array,
    key: string | undefined,
    messageId: string | undefined,
    headers: Record<string, string> | undefined,
    now: number,
    dedupeWindowMs: number,
  ): { sequence: number; duplicate: boolean } {
    if (messageId !== undefined) {
      const dup = this.#s.findDuplicate.get(topic, messageId, now - dedupeWindowMs) as { seq: number } | undefined;
      if (dup) return { sequence: dup.seq, duplicate: true };
    }
    const bumped = this.#s.bumpSeq.get(topic) as { last_seq: number } | undefined;
    if (!bumped) throw new TopicNotFoundError(`topic "${topic}" does not exist: call ensureTopic first`);
    const seq = bumped.last_seq;
    const headerText = headers && Object.keys(headers).length > 0 ? JSON.stringify(headers) : null;
    const args: SQLInputValue[] = [topic, seq, key ?? null, messageId ?? null, headerText, payload, now];
    this.#s.insertMessage.run(...args);
    if (messageId !== undefined) this.#s.rememberId.run(topic, messageId, seq, now);
    return { sequence: seq, duplicate: false };
  }

  pruneDedupe(olderThan: number): void {
    this.#s.pruneDedupe.run(olderThan);
  }

  /**
   * Retention: drops every message published at or before `olderThan` (a topic's sequences grow with
   * time, so that is a prefix of its log), forgets their unsettled deliveries and moves consumers past
   * them, so the backlog stays `(last_seq - next_seq + 1) + count(inflight)`. Returns how many went.
   */
  expire(olderThan: number): number {
    const s = this.#s;
    let dropped = 0;
    for (const { topic, seq } of s.expiredHeads.all(olderThan) as unknown as Array<{ topic: string; seq: number }>) {
      s.expireInflight.run(topic, seq);
      s.skipExpired.run(seq + 1, topic, seq);
      dropped += Number(s.expireMessages.run(topic, seq).changes);
    }
    return dropped;
  }

  /** Creates the durable consumer when missing; `startAt: 'new'` starts after the current last message. */
  ensureConsumer(topic: string, consumer: string, startAt: 'all' | 'new', now: number): void {
    const last = this.lastSeq(topic);
    if (last === undefined) throw new TopicNotFoundError(`topic "${topic}" does not exist: call ensureTopic first`);
    this.#s.createConsumer.run(topic, consumer, startAt === 'new' ? last + 1 : 1, now);
  }

  /**
   * Claims the deliveries a subscription may take now: first redeliveries that are due (ack deadline
   * passed or nak delay over), then new messages while the consumer's unsettled count stays within
   * maxInFlight. Returns them in sequence order, each with its new ack deadline already stored.
   */
  claim(r: ClaimRequest): Claimed[] {
    const s = this.#s;
    const consumerRow = s.consumer.get(r.topic, r.consumer) as { next_seq: number } | undefined;
    if (!consumerRow || r.capacity <= 0) return [];
    if (r.maxDeliver !== undefined) s.dropExhausted.run(r.topic, r.consumer, r.now, r.maxDeliver);
    const deadline = r.now + r.ackWaitMs;
    const claimed: Claimed[] = [];
    const due = s.due.all(r.topic, r.consumer, r.now, r.capacity) as unknown as Array<{ seq: number; deliveries: number }>;
    for (const row of due) {
      s.redeliver.run(deadline, r.topic, r.consumer, row.seq);
      const message = s.message.get(r.topic, row.seq) as unknown as MessageRow | undefined;
      if (message) claimed.push({ message: toMessage(message), deliveryCount: row.deliveries + 1 });
      else s.settle.run(r.topic, r.consumer, row.seq); // cannot happen while messages are never deleted
    }
    const { n: unsettled } = s.inflightCount.get(r.topic, r.consumer) as { n: number };
    const room = Math.min(r.capacity - claimed.length, r.maxInFlight - unsettled);
    if (room > 0) {
      const fresh = s.messagesFrom.all(r.topic, consumerRow.next_seq, room) as unknown as MessageRow[];
      for (const row of fresh) {
        s.deliverNew.run(r.topic, r.consumer, row.seq, deadline);
        claimed.push({ message: toMessage(row), deliveryCount: 1 });
      }
      const last = fresh.at(-1);
      if (last) s.setNextSeq.run(last.seq + 1, r.topic, r.consumer);
    }
    claimed.sort((a, b) => a.message.sequence - b.message.sequence);
    return claimed;
  }

  /** Ack or term: the message is done for this consumer. */
  settle(topic: string, consumer: string, seq: number): void {
    this.#s.settle.run(topic, consumer, seq);
  }

  /** Nak with a delay, or `working()`: the message may be delivered again from `visibleAt`. */
  delay(topic: string, consumer: string, seq: number, visibleAt: number): void {
    this.#s.delay.run(visibleAt, topic, consumer, seq);
  }

  /** When the consumer's next unsettled message falls due, or undefined when none is waiting. */
  nextDue(topic: string, consumer: string, now: number): number | undefined {
    const row = this.#s.nextDue.get(topic, consumer, now) as { at: number | null };
    return row.at ?? undefined;
  }

  pending(topic: string, consumer: string): number {
    const last = this.lastSeq(topic);
    if (last === undefined) throw new TopicNotFoundError(`topic "${topic}" does not exist`);
    // Retention may have dropped the head of the log: nothing below the first stored message is owed.
    const first = (this.#s.firstSeq.get(topic) as { seq: number | null }).seq ?? last + 1;
    const row = this.#s.consumer.get(topic, consumer) as { next_seq: number } | undefined;
    if (!row) return last - first + 1; // a consumer that does not exist yet has acked nothing
    const { n } = this.#s.inflightCount.get(topic, consumer) as { n: number };
    return Math.max(0, last - Math.max(row.next_seq, first) + 1) + n;
  }

  read(topic: string, fromSequence: number, limit: number): Message[] {
    if (this.lastSeq(topic) === undefined) throw new TopicNotFoundError(`topic "${topic}" does not exist`);
    const rows = this.#s.messagesFrom.all(topic, Math.max(1, fromSequence), limit) as unknown as MessageRow[];
    return rows.map(toMessage);
  }
}
