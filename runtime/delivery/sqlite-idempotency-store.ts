import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import type { AttemptRecord, IdempotencyStore, ParkedKey, Reservation } from './idempotency-store.ts';
import { ReservationTokens } from './reservation-tokens.ts';

/**
 * The idempotency store on node:sqlite. WAL with `synchronous=NORMAL`: a commit survives the process
 * being killed (kill -9), not necessarily a power cut; for that window targets get the same key as an
 * `Idempotency-Key` header (docs/delivery.md). `BEGIN IMMEDIATE` makes reserve atomic even when
 * several worker processes share one file.
 *
 * Group commit: reserve, extend, recordAttempt, commit and release calls made in one turn of the event
 * loop run in one transaction at the end of the turn (as the embedded backbone batches its writes), so a
 * worker with hundreds of deliveries in flight writes the WAL once per turn, not twice per message.
 * Each call still resolves only after its transaction committed. The `owner` column holds the reservation's token
 * (reservation-tokens.ts), so a token that lost its lease can no longer extend, record or release.
 */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly db: DatabaseSync;
  private readonly clock: () => number;
  private readonly select: StatementSync;
  private readonly insert: StatementSync;
  private readonly takeOver: StatementSync;
  private readonly extendLease: StatementSync;
  private readonly readAttempts: StatementSync;
  private readonly writeAttempts: StatementSync;
  private readonly commitKey: StatementSync;
  private readonly releaseKey: StatementSync;
  private readonly parkKey: StatementSync;
  private readonly readParked: StatementSync;
  private readonly unparkKey: StatementSync;
  private readonly pruneKeys: StatementSync;
  private readonly tokens = new ReservationTokens();
  private queue: { op: () => unknown; resolve: (value: never) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private issuedInBatch: string[] = [];

  constructor(path: string, clock: () => number = Date.now) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.clock = clock;
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS effects (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        owner TEXT NOT NULL,
        lease_until INTEGER NOT NULL,
        attempts TEXT NOT NULL DEFAULT '[]',
        committed_at INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS effects_committed ON effects (committed_at) WHERE state = 'committed';
      CREATE TABLE IF NOT EXISTS parked_keys (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (scope, key)
      ) WITHOUT ROWID;
    `);
    this.select = this.db.prepare('SELECT state, owner, lease_until, attempts FROM effects WHERE key = ?');
    this.insert = this.db.prepare("INSERT OR IGNORE INTO effects (key, state, owner, lease_until) VALUES (?, 'reserved', ?, ?)");
    this.takeOver = this.db.prepare("UPDATE effects SET owner = ?, lease_until = ? WHERE key = ? AND state = 'reserved'");
    this.extendLease = this.db.prepare("UPDATE effects SET lease_until = ? WHERE key = ? AND owner = ? AND state = 'reserved'");
    this.readAttempts = this.db.prepare("SELECT attempts FROM effects WHERE key = ? AND owner = ? AND state = 'reserved'");
    this.writeAttempts = this.db.prepare('UPDATE effects SET attempts = ? WHERE key = ? AND owner = ?');
    this.commitKey = this.db.prepare(
      "INSERT INTO effects (key, state, owner, lease_until, attempts, committed_at) VALUES (?, 'committed', '', 0, '[]', ?) ON CONFLICT (key) DO UPDATE SET state = 'committed', owner = '', lease_until = 0, attempts = '[]', committed_at = excluded.committed_at",
    );
    this.releaseKey = this.db.prepare("DELETE FROM effects WHERE key = ? AND owner = ? AND state = 'reserved'");
    this.parkKey = this.db.prepare('INSERT OR IGNORE INTO parked_keys (scope, key, sequence, reason, at) VALUES (?, ?, ?, ?, ?)');
    this.readParked = this.db.prepare('SELECT sequence, reason, at FROM parked_keys WHERE scope = ? AND key = ?');
    this.unparkKey = this.db.prepare('DELETE FROM parked_keys WHERE scope = ? AND key = ?');
    this.pruneKeys = this.db.prepare("DELETE FROM effects WHERE state = 'committed' AND committed_at < ?");
  }

  /** Runs `op` inside the transaction of this turn's batch; resolves after that transaction committed. */
  private batched<T>(op: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (value: never) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    this.issuedInBatch = [];
    try {
      if (!this.db.isOpen) throw new Error('the idempotency store is closed');
      this.db.exec('BEGIN IMMEDIATE');
      try {
        for (const { op } of batch) {
          try {
            results.push({ ok: true, value: op() });
          } catch (error) {
            // One operation's failure (it wrote nothing: each op reads and checks before it writes)
            // does not undo the others'.
            results.push({ ok: false, error });
          }
        }
        this.db.exec('COMMIT');
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      // Nothing of the batch was stored: its reservations do not exist.
      for (const token of this.issuedInBatch) this.tokens.end(token);
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const result = results[i]!;
      if (result.ok) item.resolve(result.value as never);
      else item.reject(result.error);
    });
  }

  async reserve(key: string, owner: string, leaseMs: number): Promise<Reservation> {
    return this.batched(() => this.reserveNow(key, owner, leaseMs));
  }

  private reserveNow(key: string, owner: string, leaseMs: number): Reservation {
    const now = this.clock();
    // The common case first: a key never seen — one statement.
    const token = this.issue(owner);
    if (Number(this.insert.run(key, token, now + leaseMs).changes) === 1) return { status: 'reserved', token, attempts: [] };
    this.tokens.end(token);
    const row = this.select.get(key) as { state: string; owner: string; lease_until: number; attempts: string };
    if (row.state === 'committed') return { status: 'committed' };
    const decision = this.tokens.decide(row.owner, row.lease_until, owner, now);
    if (decision.busy) return { status: 'busy', retryInMs: decision.retryInMs };
    const attempts = JSON.parse(row.attempts) as AttemptRecord[];
    const taken = this.issue(owner);
    this.takeOver.run(taken, now + leaseMs, key);
    return { status: 'reserved', token: taken, attempts };
  }

  /** A token for a reservation written in the current batch (ended again if the batch fails). */
  private issue(owner: string): string {
    const token = this.tokens.issue(owner);
    this.issuedInBatch.push(token);
    return token;
  }

  async extend(key: string, token: string, leaseMs: number): Promise<void> {
    await this.batched(() => this.extendLease.run(this.clock() + leaseMs, key, token));
  }

  async recordAttempt(key: string, token: string, attempt: AttemptRecord): Promise<void> {
    await this.batched(() => {
      const row = this.readAttempts.get(key, token) as { attempts: string } | undefined;
      if (!row) return;
      const attempts = JSON.parse(row.attempts) as AttemptRecord[];
      attempts.push(attempt);
      this.writeAttempts.run(JSON.stringify(attempts.slice(-100)), key, token);
    });
  }

  async commit(key: string, token: string): Promise<void> {
    await this.batched(() => this.commitKey.run(key, this.clock()));
    this.tokens.end(token);
  }

  async release(key: string, token: string): Promise<void> {
    // Forget the token first: even if the write fails, this process no longer calls the target for it.
    this.tokens.end(token);
    await this.batched(() => this.releaseKey.run(key, token));
  }

  async park(scope: string, key: string, parked: ParkedKey): Promise<void> {
    this.parkKey.run(scope, key, parked.sequence, parked.reason, parked.at);
  }

  async parked(scope: string, key: string): Promise<ParkedKey | undefined> {
    const row = this.readParked.get(scope, key) as { sequence: number; reason: string; at: string } | undefined;
    return row ? { sequence: row.sequence, reason: row.reason, at: row.at } : undefined;
  }

  async unpark(scope: string, key: string): Promise<boolean> {
    return Number(this.unparkKey.run(scope, key).changes) > 0;
  }

  async prune(olderThanMs: number): Promise<number> {
    return Number(this.pruneKeys.run(this.clock() - olderThanMs).changes);
  }

  async close(): Promise<void> {
    this.flush(); // what was asked in this turn is written (or rejected), not dropped
    if (this.db.isOpen) this.db.close();
  }
}
