import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import type { AttemptRecord, IdempotencyStore, ParkedKey, Reservation } from './idempotency-store.ts';

/**
 * The idempotency store on node:sqlite. WAL with `synchronous=NORMAL`: a commit survives the process
 * being killed (kill -9), not necessarily a power cut; for that window targets get the same key as an
 * `Idempotency-Key` header (docs/delivery.md). `BEGIN IMMEDIATE` makes reserve atomic even when
 * several worker processes share one file.
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
    this.insert = this.db.prepare("INSERT INTO effects (key, state, owner, lease_until) VALUES (?, 'reserved', ?, ?)");
    this.takeOver = this.db.prepare("UPDATE effects SET owner = ?, lease_until = ? WHERE key = ? AND state = 'reserved'");
    this.extendLease = this.db.prepare("UPDATE effects SET lease_until = ? WHERE key = ? AND owner = ? AND state = 'reserved'");
    this.readAttempts = this.db.prepare("SELECT attempts FROM effects WHERE key = ? AND owner = ? AND state = 'reserved'");
    this.writeAttempts = this.db.prepare('UPDATE effects SET attempts = ? WHERE key = ? AND owner = ?');
    this.commitKey = this.db.prepare("INSERT INTO effects (key, state, owner, lease_until, attempts, committed_at) VALUES (?, 'committed', '', 0, '[]', ?) ON CONFLICT (key) DO UPDATE SET state = 'committed', owner = '', lease_until = 0, attempts = '[]', committed_at = excluded.committed_at");
    this.releaseKey = this.db.prepare("DELETE FROM effects WHERE key = ? AND owner = ? AND state = 'reserved'");
    this.parkKey = this.db.prepare('INSERT OR IGNORE INTO parked_keys (scope, key, sequence, reason, at) VALUES (?, ?, ?, ?, ?)');
    this.readParked = this.db.prepare('SELECT sequence, reason, at FROM parked_keys WHERE scope = ? AND key = ?');
    this.unparkKey = this.db.prepare('DELETE FROM parked_keys WHERE scope = ? AND key = ?');
    this.pruneKeys = this.db.prepare("DELETE FROM effects WHERE state = 'committed' AND committed_at < ?");
  }

  async reserve(key: string, owner: string, leaseMs: number): Promise<Reservation> {
    const now = this.clock();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const row = this.select.get(key) as { state: string; owner: string; lease_until: number; attempts: string } | undefined;
      let result: Reservation;
      if (!row) {
        this.insert.run(key, owner, now + leaseMs);
        result = { status: 'reserved', attempts: [] };
      } else if (row.state === 'committed') {
        result = { status: 'committed' };
      } else if (row.owner !== owner && row.lease_until > now) {
        result = { status: 'busy', retryInMs: row.lease_until - now };
      } else {
        this.takeOver.run(owner, now + leaseMs, key);
        result = { status: 'reserved', attempts: JSON.parse(row.attempts) as AttemptRecord[] };
      }
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async extend(key: string, owner: string, leaseMs: number): Promise<void> {
    this.extendLease.run(this.clock() + leaseMs, key, owner);
  }

  async recordAttempt(key: string, owner: string, attempt: AttemptRecord): Promise<void> {
    const row = this.readAttempts.get(key, owner) as { attempts: string } | undefined;
    if (!row) return;
    const attempts = JSON.parse(row.attempts) as AttemptRecord[];
    attempts.push(attempt);
    this.writeAttempts.run(JSON.stringify(attempts.slice(-100)), key, owner);
  }

  async commit(key: string, _owner: string): Promise<void> {
    this.commitKey.run(key, this.clock());
  }

  async release(key: string, owner: string): Promise<void> {
    this.releaseKey.run(key, owner);
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
    if (this.db.isOpen) this.db.close();
  }
}
