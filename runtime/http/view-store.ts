import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';

/**
 * Where the materialized views behind API operations live: SqliteViewStore on one machine (the
 * embedded backbone), KvViewStore (kv-view-store.ts) in JetStream Key-Value when workers share a NATS
 * backbone, so every replica answers for every key and a new pod starts with all of them.
 */
export interface ViewStore {
  /** Stores `document` under `key` unless a newer event (higher `sequence`) already did. True when written. */
  put(view: string, key: string, document: unknown, sequence: number): boolean | Promise<boolean>;
  get(view: string, key: string): unknown;
  size(view: string): number | Promise<number>;
  close(): void;
}

/**
 * Materialized views behind API operations (`backend.view`), on node:sqlite: one row per view and
 * key (the view's key fields, joined). An update carries the backbone sequence of its event; an older
 * event (a redelivery after a newer one was applied) never overwrites a newer row.
 */
export class SqliteViewStore implements ViewStore {
  private readonly db: DatabaseSync;
  private readonly upsert: StatementSync;
  private readonly select: StatementSync;
  private readonly count: StatementSync;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS view_rows (
        view TEXT NOT NULL,
        key TEXT NOT NULL,
        document TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (view, key)
      ) WITHOUT ROWID;
    `);
    this.upsert = this.db.prepare(`INSERT INTO view_rows (view, key, document, sequence, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (view, key) DO UPDATE SET document = excluded.document, sequence = excluded.sequence, updated_at = excluded.updated_at
      WHERE excluded.sequence >= view_rows.sequence`);
    this.select = this.db.prepare('SELECT document FROM view_rows WHERE view = ? AND key = ?');
    this.count = this.db.prepare('SELECT COUNT(*) AS n FROM view_rows WHERE view = ?');
  }

  /** Stores `document` under `key` unless a newer event already did. True when written. */
  put(view: string, key: string, document: unknown, sequence: number): boolean {
    return Number(this.upsert.run(view, key, JSON.stringify(document), sequence, Date.now()).changes) > 0;
  }

  get(view: string, key: string): unknown {
    const row = this.select.get(view, key) as { document: string } | undefined;
    return row ? JSON.parse(row.document) : undefined;
  }

  size(view: string): number {
    return Number((this.count.get(view) as { n: number }).n);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
