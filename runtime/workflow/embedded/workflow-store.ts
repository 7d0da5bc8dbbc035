/**
 * The embedded engine's tables (node:sqlite, one file, WAL — opened by lib/sqlite-file.ts like the embedded
 * backbone's store). Every statement is synchronous; a method that must be atomic runs
 * in one transaction. Several processes may open the file (`interlace workflow signal` next to a running
 * `interlace run`); exactly one of them runs workflows.
 *
 * - `executions`: one row per execution id (`<workflow>@<major>/<key>`), its input, status and, once
 *   ended, its final state.
 * - `history`: append-only, per execution. Two sorts of rows, told apart by `ref`:
 *   `call:<callId>` — the recorded outcome of a context call (an activity's result or failure, a signal
 *   received, a timer fired, a cancellation seen), which a replay answers from and which is written
 *   once (`UNIQUE (execution, ref)`: the first outcome wins a race between a signal and its timeout);
 *   `audit:<entry id>` — the audit trail, also written once however often a replay repeats it;
 *   `trace` — the trace the execution continues (context.ts `ExecutionTrace`), written with its start.
 * - `timers`: due times of waits and sleeps, persisted when first reached, so a deadline that passes
 *   while no process runs fires at the next start.
 * - `signals`: signals and correlated events, kept until a wait consumes them (`consumed_by`); an event
 *   for a wait with `match` is held under its correlation address instead of an execution id.
 */
import type { DatabaseSync } from 'node:sqlite';
import { openSqliteFile } from '../../../lib/sqlite-file.ts';
import type { ExecutionTrace, HistoryEntry } from '../context.ts';
import type { ExecutionStatus, ExecutionSummary } from '../engine.ts';

const SCHEMA_VERSION = 1;
/** The `history` row of an execution's trace (one per execution; no call or audit ref looks like it). */
const TRACE_REF = 'trace';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS executions (
  id               TEXT PRIMARY KEY,
  workflow         TEXT NOT NULL,
  key              TEXT NOT NULL,
  input            TEXT NOT NULL,
  status           TEXT NOT NULL,
  reason           TEXT,
  state            TEXT,
  started_at       INTEGER NOT NULL,
  ended_at         INTEGER,
  cancel_requested TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS executions_by_status ON executions (status);
CREATE TABLE IF NOT EXISTS history (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  execution TEXT NOT NULL,
  ref       TEXT NOT NULL,
  kind      TEXT NOT NULL,
  at        INTEGER NOT NULL,
  data      TEXT NOT NULL,
  UNIQUE (execution, ref)
);
CREATE TABLE IF NOT EXISTS timers (
  execution TEXT NOT NULL,
  call_id   TEXT NOT NULL,
  due_at    INTEGER NOT NULL,
  PRIMARY KEY (execution, call_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS signals (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  execution   TEXT NOT NULL,
  name        TEXT NOT NULL,
  payload     TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  consumed_by TEXT
);
CREATE INDEX IF NOT EXISTS signals_open ON signals (execution, name, consumed_by);
`;

/** A recorded outcome of a context call. */
export type CallOutcome =
  | { readonly kind: 'activity.completed'; readonly value: unknown }
  | { readonly kind: 'activity.failed'; readonly message: string; readonly reason: string }
  | { readonly kind: 'signal.received'; readonly payload: unknown }
  | { readonly kind: 'timer.fired' }
  | { readonly kind: 'cancelled'; readonly reason: string };

export interface ExecutionRow {
  id: string;
  workflow: string;
  key: string;
  input: string;
  status: ExecutionStatus;
  reason: string | null;
  state: string | null;
  started_at: number;
  ended_at: number | null;
  cancel_requested: string | null;
}

export function summaryOf(row: ExecutionRow): ExecutionSummary {
  return {
    id: row.id,
    workflow: row.workflow,
    key: row.key,
    status: row.status,
    startedAt: row.started_at,
    ...(row.ended_at !== null ? { endedAt: row.ended_at } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
  };
}

export class WorkflowStore {
  readonly #db: DatabaseSync;
  readonly #s;
  readonly #queue: [string, string, string, number, string][] = [];
  readonly #queuedOutcomes = new Map<string, CallOutcome>();
  #synchronous: 'FULL' | 'NORMAL' = 'FULL';

  constructor(path: string) {
    this.#db = openSqliteFile(path, { schema: SCHEMA, schemaVersion: SCHEMA_VERSION, schemaName: 'workflow schema' });
    const p = (sql: string) => this.#db.prepare(sql);
    this.#s = {
      insertExecution: p(
        `INSERT OR IGNORE INTO executions (id, workflow, key, input, status, started_at) VALUES (?, ?, ?, ?, 'running', ?)`,
      ),
      execution: p('SELECT * FROM executions WHERE id = ?'),
      all: p('SELECT * FROM executions ORDER BY started_at, id'),
      end: p(`UPDATE executions SET status = ?, reason = ?, state = ?, ended_at = ? WHERE id = ? AND status = 'running'`),
      requestCancel: p(`UPDATE executions SET cancel_requested = ? WHERE id = ? AND status = 'running'`),
      outcome: p('SELECT data FROM history WHERE execution = ? AND ref = ?'),
      append: p('INSERT OR IGNORE INTO history (execution, ref, kind, at, data) VALUES (?, ?, ?, ?, ?)'),
      audit: p(`SELECT data FROM history WHERE execution = ? AND kind = 'audit' ORDER BY seq`),
      timer: p('SELECT due_at FROM timers WHERE execution = ? AND call_id = ?'),
      setTimer: p('INSERT OR IGNORE INTO timers (execution, call_id, due_at) VALUES (?, ?, ?)'),
      timersOf: p('SELECT call_id, due_at FROM timers WHERE execution = ? ORDER BY due_at, call_id'),
      dropTimer: p('DELETE FROM timers WHERE execution = ? AND call_id = ?'),
      insertSignal: p('INSERT INTO signals (execution, name, payload, received_at) VALUES (?, ?, ?, ?)'),
      openSignal: p('SELECT seq, payload FROM signals WHERE execution = ? AND name = ? AND consumed_by IS NULL ORDER BY seq LIMIT 1'),
      consumeSignal: p('UPDATE signals SET consumed_by = ? WHERE seq = ?'),
      runningIds: p(`SELECT id FROM executions WHERE status = 'running'`),
      // Through the running executions (executions_by_status) to their rows (history's (execution, ref) index).
      humanTaskRows: p(
        `SELECT h.execution AS execution, h.data AS data FROM executions e JOIN history h ON h.execution = e.id
         WHERE e.status = 'running' AND h.kind = 'audit' AND json_extract(h.data, '$.type') LIKE 'humanTask.%'
         ORDER BY h.seq`,
      ),
      dueTimers: p('SELECT execution, call_id FROM timers WHERE due_at <= ?'),
      openSignals: p('SELECT DISTINCT execution, name FROM signals WHERE consumed_by IS NULL'),
      cancelling: p(`SELECT id FROM executions WHERE status = 'running' AND cancel_requested IS NOT NULL`),
      closeSignals: p(`UPDATE signals SET consumed_by = '(ended)' WHERE execution = ? AND consumed_by IS NULL`),
    };
  }

  /** Records a new execution (with the trace it continues, in the same commit); false when the id exists already. */
  insertExecution(id: string, workflow: string, key: string, input: unknown, now: number, trace?: ExecutionTrace): boolean {
    return this.#transaction(true, () => {
      const inserted = Number(this.#s.insertExecution.run(id, workflow, key, JSON.stringify(input ?? null), now).changes) > 0;
      if (inserted && trace) this.#s.append.run(id, TRACE_REF, 'trace', now, JSON.stringify(trace));
      return inserted;
    });
  }

  /** The trace an execution continues (undefined: started without one). */
  trace(id: string): ExecutionTrace | undefined {
    const row = this.#s.outcome.get(id, TRACE_REF) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as ExecutionTrace) : undefined;
  }

  execution(id: string): ExecutionRow | undefined {
    return this.#s.execution.get(id) as ExecutionRow | undefined;
  }

  all(): ExecutionRow[] {
    return this.#s.all.all() as unknown as ExecutionRow[];
  }

  /** Ends an execution; signals it never consumed are closed (kept for the record, no longer looked at). */
  end(id: string, status: ExecutionStatus, reason: string | undefined, state: unknown, now: number): void {
    this.#transaction(true, () => {
      this.#s.end.run(status, reason ?? null, JSON.stringify(state ?? null), now, id);
      this.#s.closeSignals.run(id);
    });
  }

  requestCancel(id: string, reason: string): boolean {
    return this.#transaction(true, () => Number(this.#s.requestCancel.run(reason, id).changes) > 0);
  }

  outcome(execution: string, callId: string): CallOutcome | undefined {
    const queued = this.#queuedOutcomes.get(`${execution}\n${callId}`);
    if (queued) return queued;
    const row = this.#s.outcome.get(execution, `call:${callId}`) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as CallOutcome) : undefined;
  }

  /** Records a call's outcome unless one is recorded already (inside the caller's transaction); returns the one that stands. */
  #recordOutcome(execution: string, callId: string, outcome: CallOutcome, now: number): CallOutcome {
    this.#s.append.run(execution, `call:${callId}`, outcome.kind, now, JSON.stringify(outcome));
    return this.outcome(execution, callId)!;
  }

  /**
   * Records an activity's outcome, written behind (below). Losing it in a crash costs one more run of
   * the activity under the same idempotency key, which is the at-least-once every activity gets anyway.
   */
  recordActivityOutcome(execution: string, callId: string, outcome: CallOutcome, now: number): CallOutcome {
    const standing = this.outcome(execution, callId);
    if (standing) return standing;
    this.#queuedOutcomes.set(`${execution}\n${callId}`, outcome);
    this.#enqueue([execution, `call:${callId}`, outcome.kind, now, JSON.stringify(outcome)]);
    return outcome;
  }

  /** Appends an audit entry, written behind: a replay writes the same entry again if a crash lost it. */
  appendAudit(execution: string, entry: HistoryEntry): void {
    this.#enqueue([execution, `audit:${entry.id}`, 'audit', entry.at, JSON.stringify(entry)]);
  }

  audit(execution: string): HistoryEntry[] {
    this.flush();
    return (this.#s.audit.all(execution) as { data: string }[]).map((row) => JSON.parse(row.data) as HistoryEntry);
  }

  /**
   * Write-behind of the executor's history rows: everything appended in one turn of the event loop is
   * committed in one transaction (one fsync) — with synchronous=FULL, a commit per row cost ~10 ms
   * each on a busy disk and capped the engine at ~10 executions/s. Anything that must be durable before
   * it returns (starts, signals, cancellations, wait outcomes, the end) commits on its own, after the
   * rows queued before it.
   */
  #enqueue(row: [string, string, string, number, string]): void {
    this.#queue.push(row);
    if (this.#queue.length === 1) setImmediate(() => this.#flushSoon());
  }

  /** The write-behind commit; when the file is locked or full the rows stay queued and it tries again. */
  #flushSoon(): void {
    try {
      this.flush();
    } catch {
      setTimeout(() => this.#flushSoon(), 100);
    }
  }

  flush(): void {
    if (this.#queue.length > 0 && this.#db.isOpen) this.#transaction(false, () => undefined);
  }

  /**
   * Runs `work` in one write transaction that also commits the queued rows before it. `durable`
   * commits fsync the WAL (`synchronous=FULL`): starts, signals, cancellations, ends — what a caller
   * is told is stored. The executor's own rows (history, wait outcomes) commit with NORMAL, as the
   * backbone's settlements do (runtime/backbone/group-commit.ts): atomic and safe from a process crash;
   * a power loss can forget the newest of them, which replays as one more run of an idempotent step or
   * a signal not yet consumed. The next durable commit syncs them too.
   */
  #transaction<T>(durable: boolean, work: () => T): T {
    const synchronous = durable ? 'FULL' : 'NORMAL';
    if (this.#synchronous !== synchronous) {
      this.#db.exec(`PRAGMA synchronous=${synchronous}`);
      this.#synchronous = synchronous;
    }
    const rows = this.#queue.splice(0);
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const row of rows) this.#s.append.run(...row);
      const result = work();
      this.#db.exec('COMMIT');
      this.#queuedOutcomes.clear();
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      this.#queue.unshift(...rows);
      throw error;
    }
  }

  addSignal(execution: string, name: string, payload: unknown, now: number): void {
    this.#transaction(true, () => this.#s.insertSignal.run(execution, name, JSON.stringify(payload ?? null), now));
  }

  /** The deadlines of an execution's pending waits (`interlace workflow show`). */
  pendingTimers(execution: string): { callId: string; dueAt: number }[] {
    return (this.#s.timersOf.all(execution) as { call_id: string; due_at: number }[]).map((r) => ({ callId: r.call_id, dueAt: r.due_at }));
  }

  /** The humanTask.* audit entries of running executions, by execution, oldest first. */
  humanTaskEntries(): Map<string, HistoryEntry[]> {
    this.flush();
    const out = new Map<string, HistoryEntry[]>();
    for (const row of this.#s.humanTaskRows.all() as { execution: string; data: string }[]) {
      const list = out.get(row.execution) ?? [];
      list.push(JSON.parse(row.data) as HistoryEntry);
      out.set(row.execution, list);
    }
    return out;
  }

  runningIds(): string[] {
    return (this.#s.runningIds.all() as { id: string }[]).map((row) => row.id);
  }

  /**
   * What may settle a wait now, in three cheap reads, so the scheduler opens a transaction only for
   * waits that have something: timers due (`execution\ncallId`), open signals (`execution\nname`) and
   * executions asked to cancel.
   */
  settleable(now: number): { due: Set<string>; signals: Set<string>; cancelling: Set<string> } {
    const due = new Set(
      (this.#s.dueTimers.all(now) as { execution: string; call_id: string }[]).map((r) => `${r.execution}\n${r.call_id}`),
    );
    const signals = new Set((this.#s.openSignals.all() as { execution: string; name: string }[]).map((r) => `${r.execution}\n${r.name}`));
    const cancelling = new Set((this.#s.cancelling.all() as { id: string }[]).map((r) => r.id));
    return { due, signals, cancelling };
  }

  /**
   * Settles a pending wait, atomically: an outcome recorded already stands; else the oldest open signal
   * of `name` held for the execution (or at `from`, a correlation address) is consumed; else the timer fires when due; else a cancellation request ends it. Returns
   * undefined while none of these holds.
   */
  settleWait(
    execution: string,
    callId: string,
    name: string | undefined,
    now: number,
    dueAt?: number,
    from: string = execution,
  ): CallOutcome | undefined {
    return this.#transaction(false, () => {
      // The deadline is set the first time the wait is reached (`dueAt`); a replay keeps the first one.
      if (dueAt !== undefined) this.#s.setTimer.run(execution, callId, dueAt);
      let outcome = this.outcome(execution, callId);
      if (!outcome && name !== undefined) {
        const signal = this.#s.openSignal.get(from, name) as { seq: number; payload: string } | undefined;
        if (signal) {
          this.#s.consumeSignal.run(from === execution ? callId : `${execution} ${callId}`, signal.seq);
          outcome = this.#recordOutcome(execution, callId, { kind: 'signal.received', payload: JSON.parse(signal.payload) }, now);
        }
      }
      if (!outcome) {
        const timer = this.#s.timer.get(execution, callId) as { due_at: number } | undefined;
        if (timer && timer.due_at <= now) outcome = this.#recordOutcome(execution, callId, { kind: 'timer.fired' }, now);
      }
      if (!outcome) {
        const row = this.execution(execution);
        if (row?.cancel_requested)
          outcome = this.#recordOutcome(execution, callId, { kind: 'cancelled', reason: row.cancel_requested }, now);
      }
      if (outcome) this.#s.dropTimer.run(execution, callId);
      return outcome;
    });
  }

  close(): void {
    this.flush();
    this.#db.close();
  }
}
