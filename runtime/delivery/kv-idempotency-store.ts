import type { KV } from '@nats-io/kv';
import type { AttemptRecord, IdempotencyStore, ParkedKey, Reservation } from './idempotency-store.ts';
import { ReservationTokens } from './reservation-tokens.ts';

/** One idempotency record as stored in the bucket. `holder` is the reservation's token. */
interface EffectRecord {
  state: 'reserved' | 'committed';
  holder: string;
  leaseUntil: number;
  attempts: AttemptRecord[];
}

/** KV keys allow `[-/_=.A-Za-z0-9]`: any idempotency key or scope is stored base64url-encoded. */
export function kvKey(...parts: string[]): string {
  return parts.map((part) => Buffer.from(part, 'utf8').toString('base64url') || '_').join('.');
}

export function decode<T>(value: Uint8Array): T {
  return JSON.parse(Buffer.from(value).toString('utf8')) as T;
}

export function encode(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** A write lost its compare-and-set: another worker wrote the key in between (read again). */
export function isConflict(error: unknown): boolean {
  const text = String((error as { message?: unknown })?.message ?? error);
  return /wrong last sequence|key exists/i.test(text);
}

/**
 * The idempotency store on JetStream Key-Value (issue 12, part 3): every worker of the estate, on
 * any pod, reserves and commits in the same two buckets, so a second replica or a restarted pod with
 * an empty disk neither repeats an effect nor loses a parked key. Each change is a compare-and-set on
 * the key's revision (`create` for a new key, `update` with the revision read), so two workers racing
 * for one key get one reservation; the loser reads again and sees it busy. The buckets' max-age is the
 * retention: a committed key outlives every redelivery by that much, then the server removes it.
 */
export class KvIdempotencyStore implements IdempotencyStore {
  private readonly effects: KV;
  private readonly parkedKeys: KV;
  private readonly clock: () => number;
  private readonly tokens = new ReservationTokens();

  constructor(effects: KV, parkedKeys: KV, clock: () => number = Date.now) {
    this.effects = effects;
    this.parkedKeys = parkedKeys;
    this.clock = clock;
  }

  private async read(key: string): Promise<{ record: EffectRecord; revision: number } | undefined> {
    const entry = await this.effects.get(kvKey(key));
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    return { record: decode<EffectRecord>(entry.value), revision: entry.revision };
  }

  async reserve(key: string, owner: string, leaseMs: number): Promise<Reservation> {
    for (;;) {
      const now = this.clock();
      const current = await this.read(key);
      if (current?.record.state === 'committed') return { status: 'committed' };
      let attempts: AttemptRecord[] = [];
      if (current) {
        const decision = this.tokens.decide(current.record.holder, current.record.leaseUntil, owner, now);
        if (decision.busy) return { status: 'busy', retryInMs: decision.retryInMs };
        attempts = current.record.attempts;
      }
      const token = this.tokens.issue(owner);
      const record: EffectRecord = { state: 'reserved', holder: token, leaseUntil: now + leaseMs, attempts };
      try {
        if (current) await this.effects.update(kvKey(key), encode(record), current.revision);
        else await this.effects.create(kvKey(key), encode(record));
        return { status: 'reserved', token, attempts };
      } catch (error) {
        this.tokens.end(token);
        if (!isConflict(error)) throw error;
        // Another worker wrote the key since we read it: decide again on what it wrote.
      }
    }
  }

  /** Rewrites this reservation's record when `token` still holds it; a lost race changes nothing. */
  private async change(key: string, token: string, edit: (record: EffectRecord) => void): Promise<void> {
    for (let tries = 0; tries < 5; tries++) {
      const current = await this.read(key);
      if (!current || current.record.state !== 'reserved' || current.record.holder !== token) return;
      edit(current.record);
      try {
        await this.effects.update(kvKey(key), encode(current.record), current.revision);
        return;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
  }

  async extend(key: string, token: string, leaseMs: number): Promise<void> {
    await this.change(key, token, (record) => {
      record.leaseUntil = this.clock() + leaseMs;
    });
  }

  async recordAttempt(key: string, token: string, attempt: AttemptRecord): Promise<void> {
    await this.change(key, token, (record) => {
      record.attempts = [...record.attempts, attempt].slice(-100);
    });
  }

  async commit(key: string, token: string): Promise<void> {
    // Unconditional: the effect is done, whoever holds the lease now.
    await this.effects.put(kvKey(key), encode({ state: 'committed', holder: '', leaseUntil: 0, attempts: [] } satisfies EffectRecord));
    this.tokens.end(token);
  }

  async release(key: string, token: string): Promise<void> {
    this.tokens.end(token);
    for (let tries = 0; tries < 5; tries++) {
      const current = await this.read(key);
      if (!current || current.record.state !== 'reserved' || current.record.holder !== token) return;
      try {
        await this.effects.delete(kvKey(key), { previousSeq: current.revision });
        return;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
  }

  async park(scope: string, key: string, parked: ParkedKey): Promise<void> {
    try {
      // The first message that parked the key stays the reason (as INSERT OR IGNORE in sqlite).
      await this.parkedKeys.create(kvKey(scope, key), encode(parked));
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }

  async parked(scope: string, key: string): Promise<ParkedKey | undefined> {
    const entry = await this.parkedKeys.get(kvKey(scope, key));
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    return decode<ParkedKey>(entry.value);
  }

  async unpark(scope: string, key: string): Promise<boolean> {
    if (!(await this.parked(scope, key))) return false;
    await this.parkedKeys.delete(kvKey(scope, key));
    return true;
  }

  /** The buckets' max-age removes old keys on the server; nothing to do here. */
  async prune(): Promise<number> {
    return 0;
  }

  /** The buckets belong to the backbone's connection, which the caller closes. */
  async close(): Promise<void> {}
}
