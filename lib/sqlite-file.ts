/**
 * Opens a node:sqlite file the way every durable store of the runtime needs it (the embedded backbone,
 * the embedded workflow engine): WAL — readers never block the writer, a commit is one sequential
 * append, other processes may read — with `synchronous=FULL`, a busy timeout, an optional size cap,
 * and its schema created or refused by `user_version`.
 */
import { DatabaseSync } from 'node:sqlite';

export interface SqliteFileOptions {
  /** `CREATE … IF NOT EXISTS` statements, run once when the file's `user_version` is below `schemaVersion`. */
  schema: string;
  schemaVersion: number;
  /** Words for messages: `schema`, `workflow schema`. */
  schemaName: string;
  /** Caps the file (`max_page_count`); a write beyond it fails with SQLITE_FULL. */
  maxBytes?: number | undefined;
}

export function openSqliteFile(path: string, options: SqliteFileOptions): DatabaseSync {
  const db = new DatabaseSync(path, { timeout: 5_000 });
  const mode = db.prepare('PRAGMA journal_mode=WAL').get() as { journal_mode: string };
  if (path !== ':memory:' && mode.journal_mode.toLowerCase() !== 'wal') {
    db.close();
    throw new Error(`could not switch ${path} to WAL mode (got ${mode.journal_mode}); is the folder on a network filesystem?`);
  }
  db.exec('PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;');
  if (options.maxBytes !== undefined) {
    const { page_size: pageSize } = db.prepare('PRAGMA page_size').get() as { page_size: number };
    db.exec(`PRAGMA max_page_count=${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
  }
  const { user_version: version } = db.prepare('PRAGMA user_version').get() as { user_version: number };
  if (version > options.schemaVersion) {
    db.close();
    throw new Error(`${path} was written by a newer Interlace (${options.schemaName} ${version}, this one knows ${options.schemaVersion})`);
  }
  if (version < options.schemaVersion) {
    db.exec('BEGIN IMMEDIATE');
    db.exec(options.schema);
    db.exec(`PRAGMA user_version=${options.schemaVersion}`);
    db.exec('COMMIT');
  }
  return db;
}
