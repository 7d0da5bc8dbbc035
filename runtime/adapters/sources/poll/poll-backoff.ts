import { backoffDelay } from '../../../delivery/backoff.ts';
import { HttpStatusError } from '../../../delivery/failures.ts';

/** How a failing poll waits: exponential from `initialMs` to `maxMs`, half of it jittered away. */
export interface PollBackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** The longest `Retry-After` honoured; a longer one is cut to this. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_POLL_BACKOFF: PollBackoffPolicy = { initialMs: 1000, maxMs: 300_000, maxRetryAfterMs: 3_600_000 };

/**
 * The wait after the `failures`-th failed poll in a row: the exponential backoff with jitter (so the
 * pollers of many replicas do not come back in step), or the System's `Retry-After` (429, 503) when
 * that is longer — a poll never comes back earlier than the System asked.
 */
export function pollBackoffMs(failures: number, error: unknown, policy: PollBackoffPolicy, random: () => number = Math.random): number {
  const delay = backoffDelay(
    failures,
    { initialBackoffMs: policy.initialMs, maxBackoffMs: policy.maxMs, multiplier: 2, jitter: 0.5 },
    random,
  );
  if (error instanceof HttpStatusError && error.retryAfterMs !== undefined) {
    return Math.max(delay, Math.min(error.retryAfterMs, policy.maxRetryAfterMs));
  }
  return delay;
}
