import type { Backbone, Message } from '../backbone/backbone.ts';
import type { Logger } from '../../lib/log.ts';
import type { GatePosition, KeyGateStore } from './kv-key-gate.ts';

/** The consumer is stopping: the delivery waiting for its turn gives up (nak) and comes again elsewhere. */
export class TurnAbandoned extends Error {
  override readonly name = 'TurnAbandoned';
}

export interface KeyTurnsOptions {
  /** Needs `read` (scan the source topic) and `ackFloor` (where the scan may start). */
  backbone: Pick<Backbone, 'read' | 'ackFloor'>;
  topic: string;
  /** The durable consumer (`<route>__<target>`), also the gate's scope. */
  consumer: string;
  gate: KeyGateStore;
  /** The route's ordering key of a stored message, exactly as the consumer computes it; undefined = not ordered (filtered, undecodable, no key). */
  keyOf: (message: Pick<Message, 'payload' | 'key'>) => string | undefined;
  stop: AbortSignal;
  logger: Logger;
  /** Whether this consumer is handling the message at `sequence` now (its pass will wake the waiters). */
  heldHere?: (sequence: number) => boolean;
}

/** Positions remembered per key (a lower bound of the stored gate; forgetting one costs a read). */
const POSITIONS_KEPT = 100_000;
/** How long an ack floor read is used before it is read again. */
const FLOOR_TTL_MS = 1_000;
/** Messages read from the source topic per request while scanning. */
const READ_BATCH = 500;
/** Polling a key whose earlier message another replica holds: first wait and cap. */
const POLL_FIRST_MS = 20;
const POLL_MAX_MS = 500;
/** A wait this long is logged (and again after as long). */
const LONG_WAIT_MS = 60_000;

/**
 * Per-key order across any number of replicas of one route target (docs/decisions/0015): a message of
 * key K is delivered only when it is K's next in line — every earlier message of K in the source topic
 * was decided, by whichever replica. The shared truth is the gate (kv-key-gate.ts: K's last decided
 * sequence, moved forward by compare-and-set before the ack); which messages are K's comes from the
 * source topic itself, scanned above the consumer's ack floor (everything at or below it is acked, so
 * decided). A replica that crashed holding K's message leaves it unacked: K waits for its redelivery,
 * other keys flow. Nothing here makes or fences an effect — the idempotency store still does.
 */
export class KeyTurns {
  private readonly options: KeyTurnsOptions;
  /** Known positions per key (insertion order = age, for the bound). */
  private readonly positions = new Map<string, GatePosition>();
  /** Local deliveries waiting for a key, woken when this consumer moves the key. */
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Sequences of each key above the floor, ascending. */
  private readonly byKey = new Map<string, number[]>();
  /** Sequences above `watermark` already indexed (delivered here before the scan reached them). */
  private readonly known = new Set<number>();
  /** Every sequence in (floor, watermark] is indexed. */
  private watermark = 0;
  private floor = 0;
  private floorReadAt = Number.NEGATIVE_INFINITY;
  private floorRead: Promise<void> | undefined;
  private indexing: Promise<void> = Promise.resolve();

  constructor(options: KeyTurnsOptions) {
    this.options = options;
  }

  /** Records the key of a message this consumer received (saves reading it back during a scan). */
  noteDelivered(sequence: number, key: string | undefined): void {
    this.index(sequence, key);
  }

  /**
   * Resolves when every message of `key` before `sequence` was decided. Resolves at once for a message
   * the gate is already past (a redelivery of a decided message: the idempotency store decides it).
   * Rejects with TurnAbandoned when the consumer stops.
   */
  async awaitTurn(key: string, sequence: number): Promise<void> {
    const since = performance.now();
    let warnedAt = since;
    for (let waitMs = POLL_FIRST_MS; ; waitMs = Math.min(2 * waitMs, POLL_MAX_MS)) {
      if (this.options.stop.aborted) throw new TurnAbandoned('the consumer is stopping');
      await this.refreshFloor();
      const position = this.positions.get(key)?.sequence ?? 0;
      if (sequence <= position) return;
      const from = Math.max(position, this.floor);
      await this.indexUpTo(sequence - 1);
      const blocker = this.lastBefore(key, from, sequence);
      if (blocker === undefined) return;
      // A blocker this consumer is handling wakes us when it passes: no need to ask the store.
      if (!this.options.heldHere?.(blocker)) {
        const stored = await this.options.gate.read(this.options.consumer, key);
        if (stored) this.learn(key, stored);
        if ((this.positions.get(key)?.sequence ?? 0) >= blocker) continue;
      }
      if (performance.now() - warnedAt > LONG_WAIT_MS) {
        warnedAt = performance.now();
        // Normal for an ack wait or a reservation lease after a replica died; for longer, look at the blocker.
        this.options.logger.warn('waiting for an earlier message of the key', {
          sequence,
          blocker,
          gate: this.positions.get(key)?.sequence ?? 0,
          ack_floor: this.floor,
          waited_ms: Math.round(warnedAt - since),
        });
      }
      await this.sleep(key, waitMs);
    }
  }

  /**
   * Moves the gate of `key` to `sequence` (call it after the decision, before the ack), retrying while
   * the store is away (NATS restarting) — an ack without it would leave the key's next message waiting
   * for a message that is gone. Only a stopping consumer gives up (the message is then redelivered).
   */
  async passed(key: string, sequence: number): Promise<void> {
    for (let waitMs = 100; ; waitMs = Math.min(2 * waitMs, 2_000)) {
      const known = this.positions.get(key);
      if (known && known.sequence >= sequence) break;
      try {
        this.learn(key, await this.options.gate.advance(this.options.consumer, key, sequence, known));
        break;
      } catch (error) {
        if (this.options.stop.aborted) throw error;
        this.options.logger.warn('the key gate could not be moved yet; retrying', { error, sequence });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
    const waiting = this.waiters.get(key);
    if (waiting) for (const wake of waiting) wake();
  }

  private learn(key: string, position: GatePosition): void {
    const before = this.positions.get(key);
    if (before && before.sequence > position.sequence) return;
    this.positions.delete(key);
    this.positions.set(key, position);
    if (this.positions.size > POSITIONS_KEPT) this.positions.delete(this.positions.keys().next().value!);
  }

  private sleep(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.waiters.get(key) ?? new Set<() => void>();
      this.waiters.set(key, waiting);
      const done = () => {
        clearTimeout(timer);
        this.options.stop.removeEventListener('abort', done);
        waiting.delete(done);
        if (waiting.size === 0 && this.waiters.get(key) === waiting) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiting.add(done);
      this.options.stop.addEventListener('abort', done);
    });
  }

  /** Reads the ack floor when the last read is older than FLOOR_TTL_MS (one read at a time). */
  private async refreshFloor(): Promise<void> {
    if (performance.now() - this.floorReadAt < FLOOR_TTL_MS) return;
    this.floorRead ??= (async () => {
      try {
        const floor = (await this.options.backbone.ackFloor?.(this.options.topic, this.options.consumer)) ?? 0;
        this.floorReadAt = performance.now();
        // A floor read before a broker restart stays true (what was acked was decided): never go back.
        if (floor > this.floor) this.raiseFloor(floor);
      } finally {
        this.floorRead = undefined;
      }
    })();
    await this.floorRead;
  }

  private raiseFloor(floor: number): void {
    this.floor = floor;
    if (this.watermark < floor) this.watermark = floor;
    for (const sequence of this.known) if (sequence <= floor) this.known.delete(sequence);
    this.advanceWatermark();
    for (const [key, sequences] of this.byKey) {
      let drop = 0;
      while (drop < sequences.length && sequences[drop]! <= floor) drop++;
      if (drop === sequences.length) this.byKey.delete(key);
      else if (drop > 0) sequences.splice(0, drop);
    }
  }

  private index(sequence: number, key: string | undefined): void {
    if (sequence <= this.watermark || this.known.has(sequence)) return;
    this.known.add(sequence);
    if (key !== undefined) {
      const sequences = this.byKey.get(key) ?? [];
      this.byKey.set(key, sequences);
      // Mostly appended in order; a redelivery or a scan may land in between.
      let at = sequences.length;
      while (at > 0 && sequences[at - 1]! > sequence) at--;
      sequences.splice(at, 0, sequence);
    }
    this.advanceWatermark();
  }

  private advanceWatermark(): void {
    while (this.known.delete(this.watermark + 1)) this.watermark++;
  }

  /** Indexes every stored message up to `upTo`, reading from the topic what was not delivered here. */
  private indexUpTo(upTo: number): Promise<void> {
    if (upTo <= this.watermark) return Promise.resolve();
    const run = this.indexing.then(async () => {
      while (this.watermark < upTo) {
        const from = this.watermark + 1;
        const batch = await this.options.backbone.read(this.options.topic, from, Math.min(READ_BATCH, upTo - this.watermark));
        for (const message of batch) this.index(message.sequence, this.options.keyOf(message));
        // Sequences the read skipped are gone (deleted, or dropped by retention): nothing to wait for.
        const last = batch.length > 0 ? batch.at(-1)!.sequence : upTo;
        for (let s = from; s <= Math.min(last, upTo); s++) if (s > this.watermark && !this.known.has(s)) this.index(s, undefined);
      }
    });
    // A failed read (NATS away) fails this wait only; the next one reads again.
    this.indexing = run.catch(() => {});
    return run;
  }

  /** The last sequence of `key` in (from, before), if any. */
  private lastBefore(key: string, from: number, before: number): number | undefined {
    const sequences = this.byKey.get(key);
    if (!sequences) return undefined;
    for (let i = sequences.length - 1; i >= 0; i--) {
      const s = sequences[i]!;
      if (s >= before) continue;
      return s > from ? s : undefined;
    }
    return undefined;
  }
}
