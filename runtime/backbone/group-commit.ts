/**
 * Group commit for node:sqlite: every write submitted in the same turn of the event loop runs in ONE
 * transaction, so 1,000 concurrent publishes cost one fsync, not 1,000. Each operation runs inside its own
 * SAVEPOINT, so one failing operation (a duplicate, a missing topic) rolls back only itself; a failing
 * COMMIT (the disk filled up while writing the WAL) rolls back the whole batch and rejects every
 * operation in it — a caller is never told "stored" for something that was not.
 *
 * Durability per batch: a batch holding any `durable` operation (a publish, a consumer creation) commits
 * with `synchronous=FULL` (the WAL is fsynced before COMMIT returns). Batches of only settlements and
 * claims commit with `synchronous=NORMAL`: in WAL mode that is still atomic and survives a process crash;
 * only a power loss can forget the newest of them, which means a message is delivered once more — which
 * at-least-once delivery allows. The next FULL commit syncs everything before it as well.
 */
import type { DatabaseSync } from 'node:sqlite';
import { BackboneClosedError } from './errors.ts';

interface Operation {
  run: () => unknown;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Outcome of one operation inside a committed batch. */
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  readonly #db: DatabaseSync;
  readonly #wrapError: (error: unknown) => unknown;
  #queue: Operation[] = [];
  #scheduled = false;
  #closed = false;
  #synchronous: 'FULL' | 'NORMAL' | undefined;
  #idle: Array<() => void> = [];
  /** Called after every successful commit with the values of the batch's operations (for wake-ups). */
  onCommit: ((values: unknown[]) => void) | undefined;

  constructor(db: DatabaseSync, wrapError: (error: unknown) => unknown) {
    this.#db = db;
    this.#wrapError = wrapError;
  }

  /** Runs `run` inside the next batch's transaction; resolves with its value once the batch committed. */
  submit<T>(run: () => T, durable: boolean): Promise<T> {
    if (this.#closed) return Promise.reject(new BackboneClosedError('the backbone is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, durable, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate, not a microtask: lets every publish started in this turn join the batch.
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Resolves when nothing is queued (used by close). */
  drained(): Promise<void> {
    if (!this.#scheduled && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Rejects whatever is submitted from now on. */
  close(): void {
    this.#closed = true;
  }

  #setSynchronous(mode: 'FULL' | 'NORMAL'): void {
    if (this.#synchronous === mode) return;
    this.#db.exec(`PRAGMA synchronous=${mode}`);
    this.#synchronous = mode;
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length > 0) this.#runBatch(batch);
    if (this.#queue.length === 0 && !this.#scheduled) {
      const idle = this.#idle;
      this.#idle = [];
      for (const fn of idle) fn();
    }
  }

  #runBatch(batch: Operation[]): void {
    const db = this.#db;
    const outcomes: Outcome[] = [];
    try {
      this.#setSynchronous(batch.some((op) => op.durable) ? 'FULL' : 'NORMAL');
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      const wrapped = this.#wrapError(error);
      for (const op of batch) op.reject(wrapped);
      return;
    }
    for (const op of batch) {
      db.exec('SAVEPOINT op');
      try {
        const value = op.run();
        db.exec('RELEASE op');
        outcomes.push({ ok: true, value });
      } catch (error) {
        if (!db.isTransaction) {
          // SQLite rolled the whole transaction back by itself (it does on SQLITE_FULL, SQLITE_IOERR,
          // SQLITE_NOMEM): the operations before this one are undone too, so the whole batch fails.
          const wrapped = this.#wrapError(error);
          for (const failed of batch) failed.reject(wrapped);
          return;
        }
        try {
          db.exec('ROLLBACK TO op');
          db.exec('RELEASE op');
        } catch {
          /* the COMMIT below fails too and rejects the batch */
        }
        outcomes.push({ ok: false, error: this.#wrapError(error) });
      }
    }
    try {
      db.exec('COMMIT');
    } catch (error) {
      // Nothing of this batch is stored: every operation fails, including those that "succeeded" above.
      try {
        if (db.isTransaction) db.exec('ROLLBACK');
      } catch {
        /* already rolled back by SQLite */
      }
      const wrapped = this.#wrapError(error);
      for (const op of batch) op.reject(wrapped);
      return;
    }
    const values: unknown[] = [];
    batch.forEach((op, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) {
        values.push(outcome.value);
        op.resolve(outcome.value);
      } else {
        op.reject(outcome.error);
      }
    });
    this.onCommit?.(values);
  }
}
