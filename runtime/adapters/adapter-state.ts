import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import type { KV } from '@nats-io/kv';

/**
 * The durable memory of an edge adapter: a poller's watermark, the delivery ids a webhook receiver
 * has already published, the files a drop target has written, the next X12 control number. Adapters
 * keep it here, never in memory or on a pod's disk, so a restarted or second replica neither skips nor
 * repeats. On a NATS backbone it is one JetStream Key-Value bucket (`KvAdapterState`); on the embedded
 * backbone of `interlace run`, a node:sqlite table next to the backbone (`SqliteAdapterState`).
 *
 * `update` is a compare-and-set: it writes only when the key still holds `expected` (undefined = the
 * key must not exist), so two replicas racing for one control number or one watermark never both win.
 */
export interface AdapterState {
  get(key: string): Promise<string | undefined>;
  /** Unconditional write. */
  put(key: string, value: string): Promise<void>;
  /** Writes when the key still holds `expected` (undefined: absent). True when written. */
  update(key: string, expected: string | undefined, value: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/** KV keys allow `[-/_=.A-Za-z0-9]`: adapter keys (file names, delivery ids) are stored base64url-encoded. */
function kvKey(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url') || '_';
}

/** AdapterState in a JetStream Key-Value bucket (`backbone.keyValue('ADAPTERS', maxAge)`), shared by every replica. */
export class KvAdapterState implements AdapterState {
  private readonly kv: KV;
  private readonly scope: string;

  /** `scope` keeps adapters apart in the one bucket (e.g. `poll/erp-cloud`). */
  constructor(kv: KV, scope: string) {
    this.kv = kv;
    this.scope = scope;
  }

  private key(key: string): string {
    return `${kvKey(this.scope)}.${kvKey(key)}`;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = await this.kv.get(this.key(key));
    if (!entry || entry.operation !== 'PUT') return undefined;
    return entry.string();
  }

  async put(key: string, value: string): Promise<void> {
    await this.kv.put(this.key(key), value);
  }

  async update(key: string, expected: string | undefined, value: string): Promise<boolean> {
    const entry = await this.kv.get(this.key(key));
    const live = entry && entry.operation === 'PUT' ? entry : undefined;
    if ((live ? live.string() : undefined) !== expected) return false;
    try {
      if (live) await this.kv.update(this.key(key), value, live.revision);
      else if (entry) await this.kv.update(this.key(key), value, entry.revision);
      else await this.kv.create(this.key(key), value);
      return true;
    } catch (error) {
      // Another replica wrote the key between our read and our write: the caller reads again.
      if (/wrong last sequence|key exists/i.test(String((error as { message?: unknown })?.message ?? error))) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(this.key(key));
  }
}

/** AdapterState in a node:sqlite table, for the embedded backbone (`interlace run`, one process). */
export class SqliteAdapterState implements AdapterState {
  private readonly db: DatabaseSync;
  private readonly scope: string;
  private readonly select: StatementSync;
  private readonly upsert: StatementSync;
  private readonly insert: StatementSync;
  private readonly replace: StatementSync;
  private readonly remove: StatementSync;

  constructor(path: string, scope: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.scope = scope;
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS adapter_state (
        scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (scope, key)
      ) WITHOUT ROWID;
    `);
    this.select = this.db.prepare('SELECT value FROM adapter_state WHERE scope = ? AND key = ?');
    this.upsert = this.db.prepare(
      'INSERT INTO adapter_state (scope, key, value) VALUES (?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value',
    );
    this.insert = this.db.prepare('INSERT OR IGNORE INTO adapter_state (scope, key, value) VALUES (?, ?, ?)');
    this.replace = this.db.prepare('UPDATE adapter_state SET value = ? WHERE scope = ? AND key = ? AND value = ?');
    this.remove = this.db.prepare('DELETE FROM adapter_state WHERE scope = ? AND key = ?');
  }

  async get(key: string): Promise<string | undefined> {
    const row = this.select.get(this.scope, key) as { value: string } | undefined;
    return row?.value;
  }

  async put(key: string, value: string): Promise<void> {
    this.upsert.run(this.scope, key, value);
  }

  async update(key: string, expected: string | undefined, value: string): Promise<boolean> {
    const result = expected === undefined ? this.insert.run(this.scope, key, value) : this.replace.run(value, this.scope, key, expected);
    return Number(result.changes) > 0;
  }

  async delete(key: string): Promise<void> {
    this.remove.run(this.scope, key);
  }

  close(): void {
    this.db.close();
  }
}
