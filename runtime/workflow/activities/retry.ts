/**
 * An activity with its step's retries (the embedded engine; Temporal retries by its own retry policy
 * built from the same `RetryIR`): up to `maxAttempts`, waiting the delivery backoff between attempts
 * (exponential from `initialIntervalMs`, capped at `maxIntervalMs`, with jitter), stopping at once on a
 * failure no retry can fix. The waits are not durable: a process that dies mid-backoff runs the
 * activity again from its first attempt after the restart, under the same idempotency key.
 */
import { backoffDelay } from '../../delivery/backoff.ts';
import { ActivityFailure } from '../context.ts';
import type { ActivityOrigin, ActivityRequest, ActivityRunner } from '../context.ts';

export async function runWithRetries(
  runner: ActivityRunner,
  request: ActivityRequest,
  signal: AbortSignal,
  origin: ActivityOrigin,
): Promise<unknown> {
  const retry = request.kind === 'call' ? request.retry : { maxAttempts: 5, initialIntervalMs: 200, maxIntervalMs: 5_000 };
  for (let attempt = 1; ; attempt++) {
    try {
      return await runner.run(request, signal, { ...origin, attempt });
    } catch (error) {
      const failure = error instanceof ActivityFailure ? error : new ActivityFailure(String(error), 'error', true);
      if (!failure.retryable || attempt >= retry.maxAttempts || signal.aborted) {
        throw new ActivityFailure(
          attempt > 1 ? `${failure.message} (after ${attempt} attempts)` : failure.message,
          failure.reason,
          failure.retryable,
        );
      }
      const delay = backoffDelay(attempt, {
        initialBackoffMs: retry.initialIntervalMs,
        maxBackoffMs: retry.maxIntervalMs,
        multiplier: 2,
        jitter: 0.2,
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
