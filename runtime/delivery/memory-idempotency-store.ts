import type { AttemptRecord, IdempotencyStore, ParkedKey, Reservation } from './idempotency-store.ts';

/**
 * The idempotency store in memory — for unit tests of the pipeline logic only: it forgets
 * everything on restart, which is exactly what a worker must not do. Workers use
 * SqliteIdempotencyStore.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly effects = new Map<string, { state: 'reserved' | 'committed'; owner: string; leaseUntil: number; attempts: AttemptRecord[]; committedAt: number }>();
  private readonly parkedKeys = new Map<string, ParkedKey>();
  private readonly clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.clock = clock;
  }

  async reserve(key: string, owner: string, leaseMs: number): Promise<Reservation> {
    const now = this.clock();
    const row = this.effects.get(key);
    if (row?.state === 'committed') return { status: 'committed' };
    if (row && row.owner !== owner && row.leaseUntil > now) return { status: 'busy', retryInMs: row.leaseUntil - now };
    const attempts = row?.attempts ?? [];
    this.effects.set(key, { state: 'reserved', owner, leaseUntil: now + leaseMs, attempts, committedAt: 0 });
    return { status: 'reserved', attempts: [...attempts] };
  }

  async extend(key: string, owner: string, leaseMs: number): Promise<void> {
    const row = this.effects.get(key);
    if (row && row.state === 'reserved' && row.owner === owner) row.leaseUntil = this.clock() + leaseMs;
  }

  async recordAttempt(key: string, owner: string, attempt: AttemptRecord): Promise<void> {
    const row = this.effects.get(key);
    if (row && row.state === 'reserved' && row.owner === owner) row.attempts.push(attempt);
  }

  async commit(key: string, _owner: string): Promise<void> {
    this.effects.set(key, { state: 'committed', owner: '', leaseUntil: 0, attempts: [], committedAt: this.clock() });
  }

  async release(key: string, owner: string): Promise<void> {
    const row = this.effects.get(key);
    if (row && row.state === 'reserved' && row.owner === owner) this.effects.delete(key);
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
    for (const [key, row] of this.effects) if (row.state === 'committed' && row.committedAt < limit) { this.effects.delete(key); n++; }
    return n;
  }

  async close(): Promise<void> {}
}
