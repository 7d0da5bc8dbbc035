import type { Delivery as DeliverySpec } from '../../language/kinds/generated/kinds.ts';
import { durationMs } from '../../lib/duration.ts';

/** A target's delivery policy with every default filled in (times in milliseconds). */
export interface DeliveryPolicy {
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  /** Fraction of each wait that is randomized (0..1). */
  jitter: number;
  /** Statuses that fail at once; undefined = every 4xx but 408 and 429. */
  permanentOn: readonly number[] | undefined;
  deadLetterTopic: string;
  /** How long the dead-letter topic keeps a dead letter (`deadLetter.retention`); undefined: until purged. */
  deadLetterMaxAgeMs?: number;
  /** Most dead letters the topic keeps, the oldest dropped beyond it (`deadLetter.maxMessages`). */
  deadLetterMaxMessages?: number;
  /** Deliveries in flight at once for this target (the route's own budget, under the System's). */
  concurrency: number;
  /** The longest `Retry-After` honoured; a longer one is cut to this (the message is not held for hours). */
  maxRetryAfterMs: number;
}

/** Defaults for a target whose route says nothing: 5 attempts, 1 s doubling to 1 min, 20 % jitter. */
export const DEFAULT_POLICY: Omit<DeliveryPolicy, 'deadLetterTopic'> = {
  timeoutMs: 30_000,
  maxAttempts: 5,
  initialBackoffMs: 1000,
  maxBackoffMs: 60_000,
  multiplier: 2,
  jitter: 0.2,
  permanentOn: undefined,
  concurrency: 64,
  maxRetryAfterMs: 10 * 60_000,
};

/** Fills a route target's `delivery` from the System's limits and the defaults. */
export function deliveryPolicyOf(route: string, target: string, spec: DeliverySpec | undefined, systemTimeout?: string): DeliveryPolicy {
  const retry = spec?.retry ?? {};
  const maxBackoffMs = durationMs(retry.maxBackoff, DEFAULT_POLICY.maxBackoffMs);
  return {
    timeoutMs: durationMs(spec?.timeout ?? systemTimeout, DEFAULT_POLICY.timeoutMs),
    maxAttempts: retry.maxAttempts ?? DEFAULT_POLICY.maxAttempts,
    initialBackoffMs: durationMs(retry.initialBackoff, DEFAULT_POLICY.initialBackoffMs),
    maxBackoffMs,
    multiplier: retry.multiplier ?? DEFAULT_POLICY.multiplier,
    jitter: retry.jitter ?? DEFAULT_POLICY.jitter,
    permanentOn: spec?.permanentOn,
    deadLetterTopic: spec?.deadLetter?.topic ?? `dlq.${route}.${target}`,
    ...(spec?.deadLetter?.retention !== undefined ? { deadLetterMaxAgeMs: durationMs(spec.deadLetter.retention, 0) } : {}),
    ...(spec?.deadLetter?.maxMessages !== undefined ? { deadLetterMaxMessages: spec.deadLetter.maxMessages } : {}),
    concurrency: spec?.concurrency ?? DEFAULT_POLICY.concurrency,
    maxRetryAfterMs: Math.max(maxBackoffMs, DEFAULT_POLICY.maxRetryAfterMs),
  };
}
