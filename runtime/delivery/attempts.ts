import { handleWhen, isBrokenCircuitError, retry } from 'cockatiel';
import { withAttemptDeadline } from './attempt-deadline.ts';
import { deliveryBackoff } from './backoff.ts';
import { AttemptTimeout, classifyFailure } from './failures.ts';
import type { ClassifiedFailure } from './failures.ts';
import { countedAttempts } from './idempotency-store.ts';
import type { AttemptRecord } from './idempotency-store.ts';
import type { DeliveryPolicy } from './policy.ts';
import type { SystemBudget } from './system-budget.ts';

/** The worker is stopping: the delivery is abandoned (nak), not failed. */
export class DeliveryAbandoned extends Error {
  constructor() {
    super('the worker is stopping');
    this.name = 'DeliveryAbandoned';
  }
}

export type AttemptsResult =
  | { ok: true; attempts: AttemptRecord[] }
  | { ok: false; abandoned: true; attempts: AttemptRecord[] }
  | { ok: false; abandoned: false; failure: ClassifiedFailure; exhausted: boolean; attempts: AttemptRecord[] };

export interface AttemptOptions {
  policy: DeliveryPolicy;
  /** The System's budgets (circuit, concurrency, rate); undefined for topic targets. */
  budget: SystemBudget | undefined;
  /** Attempts already spent on this message (by an earlier, crashed delivery). */
  previous: readonly AttemptRecord[];
  /** Aborted when the worker stops. */
  stop: AbortSignal;
  /** Called after each failed attempt (persist it, count it). */
  onFailedAttempt: (attempt: AttemptRecord, failure: ClassifiedFailure, willRetry: boolean, delayMs?: number) => Promise<void> | void;
  random?: () => number;
}

/**
 * Runs one message's attempts against one target: the only retry layer in Interlace (the backbone
 * redelivers only after a crash, and then the attempts spent are carried over). Each attempt runs
 * inside the System's budgets and the per-attempt timeout; transient failures are retried with
 * exponential backoff, jitter and Retry-After (cockatiel `retry` + our backoff); a permanent failure
 * ends at once.
 *
 * An open circuit is not an attempt: the delivery waits until the circuit half-opens (the message
 * stays unacknowledged on the backbone, kept alive by the caller's heartbeat) and then tries. A failed
 * half-open trial is recorded with `probe: true` and not counted either — the System is still down,
 * which says nothing about this message — so an outage longer than the retry budget dead-letters
 * nothing. After a failed trial the delivery queues behind the others waiting, so trials rotate.
 */
export async function runAttempts(
  send: (signal: AbortSignal, timeoutMs: number) => Promise<void>,
  options: AttemptOptions,
): Promise<AttemptsResult> {
  const { policy, budget, stop } = options;
  const attempts = [...options.previous];
  const remaining = policy.maxAttempts - countedAttempts(attempts);
  let last: { failure: ClassifiedFailure } | undefined;
  if (remaining <= 0) {
    const failure: ClassifiedFailure = {
      kind: 'transient',
      reason: 'redelivered-after-crash',
      message: `${countedAttempts(attempts)} attempts were already spent by earlier deliveries`,
    };
    return { ok: false, abandoned: false, failure, exhausted: true, attempts };
  }
  const retries = retry(
    handleWhen(
      (error) => !(error instanceof DeliveryAbandoned) && !stop.aborted && classifyFailure(error, policy.permanentOn).kind === 'transient',
    ),
    {
      maxAttempts: remaining - 1,
      backoff: deliveryBackoff(policy, budget?.halfOpenAfterMs ?? 0, attempts.length, options.random),
    },
  );
  try {
    await retries.execute(async ({ attempt }) => {
      // The timeout counts only time in which this process could have read the answer (attempt-deadline.ts):
      // a saturated event loop must not turn an answered call into a retry that repeats its effect.
      const call = (signal: AbortSignal) =>
        withAttemptDeadline(policy.timeoutMs, (attemptSignal) => send(attemptSignal, policy.timeoutMs), signal);
      let yieldTurn = false;
      for (;;) {
        if (stop.aborted) throw new DeliveryAbandoned();
        const trial = { probe: false };
        let at: string;
        try {
          if (budget) {
            await budget.untilCallable(stop, yieldTurn);
            yieldTurn = false;
            at = new Date().toISOString();
            await budget.execute(call, stop, trial);
          } else {
            at = new Date().toISOString();
            await call(stop);
          }
          return;
        } catch (raw) {
          if (stop.aborted) throw new DeliveryAbandoned();
          // Opened between our wait and the call (or by the trial we queued behind): wait again.
          if (isBrokenCircuitError(raw)) continue;
          const error = (raw as Error)?.name === 'TaskCancelledError' ? new AttemptTimeout(policy.timeoutMs) : raw;
          const failure = classifyFailure(error, policy.permanentOn);
          const record: AttemptRecord = {
            at: at!,
            reason: failure.reason,
            error: failure.message,
            ...(failure.status !== undefined ? { status: failure.status } : {}),
          };
          if (trial.probe && failure.kind === 'transient') {
            attempts.push({ ...record, probe: true });
            await options.onFailedAttempt({ ...record, probe: true }, failure, true);
            yieldTurn = true; // the circuit is open again: wait (behind the others) for the next trial
            continue;
          }
          attempts.push(record);
          last = { failure };
          const willRetry = failure.kind === 'transient' && attempt + 1 < remaining;
          await options.onFailedAttempt(record, failure, willRetry);
          throw error;
        }
      }
    }, stop);
    return { ok: true, attempts };
  } catch (error) {
    if (error instanceof DeliveryAbandoned || stop.aborted) return { ok: false, abandoned: true, attempts };
    const failure = last?.failure ?? classifyFailure(error, policy.permanentOn);
    return { ok: false, abandoned: false, failure, exhausted: failure.kind === 'transient', attempts };
  }
}
