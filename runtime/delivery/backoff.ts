import { DelegateBackoff } from 'cockatiel';
import type { IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import type { DeliveryPolicy } from './policy.ts';
import { classifyFailure } from './failures.ts';

/**
 * The wait before retry number `retry` (1 = before the second attempt): exponential, capped at
 * `maxBackoffMs`, with `jitter` of it randomized downwards so a herd of failed deliveries does not
 * come back in step. `random` is injectable for tests.
 */
export function backoffDelay(
  retry: number,
  policy: Pick<DeliveryPolicy, 'initialBackoffMs' | 'maxBackoffMs' | 'multiplier' | 'jitter'>,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** Math.max(0, retry - 1));
  return Math.round(base * (1 - policy.jitter * random()));
}

/**
 * The wait after a failed attempt: the exponential backoff, or the target's `Retry-After` when that
 * is longer (capped at `maxRetryAfterMs`), or, when the System's circuit is open, at least until it
 * half-opens — waiting less would only burn an attempt on a fast failure.
 */
export function waitAfterFailure(
  error: unknown,
  retry: number,
  policy: DeliveryPolicy,
  halfOpenAfterMs: number,
  random?: () => number,
): number {
  const failure = classifyFailure(error, policy.permanentOn);
  let delay = backoffDelay(retry, policy, random);
  if (failure.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(failure.retryAfterMs, policy.maxRetryAfterMs));
  if (failure.reason === 'circuit-open') delay = Math.max(delay, halfOpenAfterMs);
  return delay;
}

/** The same, as a cockatiel backoff for `retry(…, {backoff})`. `firstRetry` skips retries already spent. */
export function deliveryBackoff(
  policy: DeliveryPolicy,
  halfOpenAfterMs: number,
  firstRetry = 1,
  random?: () => number,
): IBackoffFactory<IRetryBackoffContext<unknown>> {
  return new DelegateBackoff<IRetryBackoffContext<unknown>>((context) => {
    const error = 'error' in context.result ? context.result.error : undefined;
    return waitAfterFailure(error, firstRetry + context.attempt - 1, policy, halfOpenAfterMs, random);
  });
}
