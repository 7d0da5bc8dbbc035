import type { AttemptRecord, IdempotencyStore, ParkedKey, Reservation } from './idempotency-store.ts';
import { ReservationTokens } from './reservation-tokens.ts';

/**
 * The idempotency store in memory — for unit tests of the pipeline logic only: it forgets
 * everything on restart, which is exactly what a worker must not do. Workers use
 * SqliteIdempotencyStore.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly effects = new Map<
    string,
    { state: 'reserved' | 'committed'; owner: string; leaseUntil: number; attempts: AttemptRecord[]; committedAt: number }
  >();
  private readonly parkedKeys = new Map<string, ParkedKey>();
  private readonly clock: () => number;
  private readonly tokens = new ReservationTokens();

  constructor(clock: () => number = Date.now) {
    this.clock = clock;
  }

  async reserve(key: string, owner: string, leaseMs: number): Promise<Reservation> {
    const now = this.clock();
    const row = this.effects.get(key);
    if (row?.state === 'committed') return { status: 'committed' };
    if (row) {
      const decision = this.tokens.decide(row.owner, row.leaseUntil, owner, now);
      if (decision.busy) return { status: 'busy', retryInMs: decision.retryInMs };
    }
    const attempts = row?.attempts ?? [];
    const token = this.tokens.issue(owner);
    this.effects.set(key, { state: 'reserved', owner: token, leaseUntil: now + leaseMs, attempts, committedAt: 0 });
    return { status: 'reserved', token, attempts: [...attempts] };
  }

  async extend(key: string, token: string, leaseMs: number): Promise<void> {
    const row = this.effects.get(key);
    if (row && row.state === 'reserved' && row.owner === token) row.leaseUntil = this.clock() + leaseMs;
  }

  async recordAttempt(key: string, token: string, attempt: AttemptRecord): Promise<void> {
    const row = this.effects.get(key);
    if (row && row.state === 'reserved' && row.owner === token) row.attempts.push(attempt);
  }

  async commit(key: string, token: string): Promise<void> {
    this.tokens.end(token);
    this.effects.set(key, { state: 'committed', owner: '', leaseUntil: 0, attempts: [], committedAt: this.clock() });
  }

  async release(key: string, token: string): Promise<void> {
    this.tokens.end(token);
    const row = this.effects.get(key);
    if (row && row.state === 'reserved' && row.owner === token) this.effects.delete(key);
  }

  async park(scope: string, key: string, parked: ParkedKey): Promise<void> {
    if (!this.parkedKeys.has(`${scope}\u0000${key}`)) this.parkedKeys.set(`${scope}\u0000${key}`, parked);
  }

  async parked(scope: string, key: string): Promise<ParkedKey | undefined> {
    return this.parkedKeys.get(`${scope}\u0000${key}`);
  }

  async unpark(scope: string, key: string): Promise<boolean> {
    return this.parkedKeys.delete(`${scope}\u0000${key}`);
  }

  async prune(olderThanMs: number): Promise<number> {
    const limit = this.clock() - olderThanMs;
    let n = 0;
    for (const [key, row] of this.effects)
      if (row.state === 'committed' && row.committedAt < limit) {
        this.effects.delete(key);
        n++;
      }
    return n;
  }

  async close(): Promise<void> {}
}
