/**
 * Effects made exactly once on top of at-least-once delivery. Before calling a target the pipeline
 * *reserves* the message's idempotency key; after the target acknowledged it *commits* it; on a
 * failure it *releases* it (so a replay from the dead letter can deliver). A redelivered message whose
 * key is committed is acked without calling the target again. A reservation is a lease: a worker that
 * died mid-delivery leaves it to expire, and the next delivery takes it over along with the attempts
 * already spent, so a crash neither resets the retry budget nor lets two workers call at once.
 *
 * Every reservation gets its own `token` (`<owner>#<n>`): extend, recordAttempt and release act only on
 * the reservation they name, and a live reservation is `busy` for *every* caller — also for the worker
 * that holds it. A key is never handed out twice while its first holder may still be calling the
 * target (a JetStream redelivery after ack-wait arrives while the first delivery is still in flight).
 * Only a reservation left by an earlier incarnation of the same owner (a restarted pod with a stable
 * owner id: its token was not issued by this store instance) is taken over at once.
 *
 * The store also remembers *parked* keys for routes with `ordering: per-key`: a key whose message was
 * dead-lettered stays parked (its later messages are dead-lettered behind it, in order) until a replay
 * unparks it. Other keys are not affected.
 */

export interface AttemptRecord {
  /** ISO timestamp of the attempt's start. */
  at: string;
  /** Short stable reason (`http-503`, `timeout`, `contract-violation`). */
  reason: string;
  error: string;
  status?: number;
  /**
   * The call was the circuit breaker's half-open trial and failed: the System is still down. Kept in
   * the history, not counted against `maxAttempts` (an outage must not use up the retry budget).
   */
  probe?: true;
}

/** Attempts that count against `maxAttempts` (failed half-open trials do not). */
export function countedAttempts(attempts: readonly AttemptRecord[]): number {
  let n = 0;
  for (const a of attempts) if (!a.probe) n++;
  return n;
}

export type Reservation =
  /** `token` names this reservation in extend / recordAttempt / commit / release. */
  { status: 'reserved'; token: string; attempts: AttemptRecord[] } | { status: 'committed' } | { status: 'busy'; retryInMs: number };

export interface ParkedKey {
  /** Backbone sequence of the message that parked the key. */
  sequence: number;
  reason: string;
  at: string;
}

export interface IdempotencyStore {
  /**
   * Reserves `key` for one delivery by `owner` (the worker process). `busy` while any live reservation
   * holds it — this process's own included; `committed` once the effect is done.
   */
  reserve(key: string, owner: string, leaseMs: number): Promise<Reservation>;
  /** Pushes the lease out (a long retry sequence is still working). */
  extend(key: string, token: string, leaseMs: number): Promise<void>;
  /** Remembers one failed attempt with the reservation (survives a crash). */
  recordAttempt(key: string, token: string, attempt: AttemptRecord): Promise<void>;
  /** The target acknowledged: the effect is done. Idempotent; commits even if the lease was lost. */
  commit(key: string, token: string): Promise<void>;
  /** The delivery failed (dead-lettered) or was abandoned: forget the reservation (only if `token` holds it). */
  release(key: string, token: string): Promise<void>;
  park(scope: string, key: string, parked: ParkedKey): Promise<void>;
  parked(scope: string, key: string): Promise<ParkedKey | undefined>;
  /** For `interlace dlq replay`: lets the key's messages through again. True when it was parked. */
  unpark(scope: string, key: string): Promise<boolean>;
  /** Forgets committed keys older than `olderThanMs` (they outlived every possible redelivery). */
  prune(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}
