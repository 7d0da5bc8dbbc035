import { TokenBucket } from '../../lib/token-bucket.ts';
import { durationMs } from '../../lib/duration.ts';
import type { RateLimit } from '../../language/kinds/generated/kinds.ts';

/**
 * Per-client token buckets for an Api's `rateLimit` (`requests` per `per`, bursting to `burst`).
 * Excess requests are refused with the wait until the next token, sent as Retry-After. Buckets of
 * clients not seen for a while are dropped (bounded memory under many clients).
 */
export class ClientRateLimits {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly limit: RateLimit;
  private readonly perMs: number;
  private readonly clock: () => number;
  private readonly maxClients: number;

  constructor(limit: RateLimit, clock: () => number = Date.now, maxClients = 10_000) {
    this.limit = limit;
    this.perMs = durationMs(limit.per, 1000);
    this.clock = clock;
    this.maxClients = maxClients;
  }

  take(client: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    let bucket = this.buckets.get(client);
    if (bucket) {
      // Move to the end: the Map's order is then least recently used first.
      this.buckets.delete(client);
    } else {
      bucket = new TokenBucket(this.limit.requests, this.perMs, this.limit.burst ?? this.limit.requests, this.clock);
      if (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(client, bucket);
    const taken = bucket.tryTake();
    return taken.ok ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(taken.waitMs / 1000)) };
  }
}
