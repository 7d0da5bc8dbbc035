import { TokenBucket } from '../../lib/token-bucket.ts';

export interface AuthFailureThrottleOptions {
  /** Failed attempts an address may make at once (default 20). */
  burst?: number;
  /** Failed attempts per second an address earns back (default 2). */
  perSecond?: number;
  /** Addresses remembered; the least recently failing ones are forgotten first (default 10,000). */
  maxAddresses?: number;
  clock?: () => number;
}

/**
 * Throttles unauthenticated failures per source address, so API keys and tokens cannot be guessed
 * at network speed: each failed attempt (no credential, a wrong key, a bad token) takes a token from
 * the address's bucket; an address with an empty bucket is refused (429 with Retry-After) before its
 * credential is even looked at, so a correct guess during the block does not get in either.
 * Successful requests cost nothing.
 */
export class AuthFailureThrottle {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly blockedUntil = new Map<string, number>();
  private readonly burst: number;
  private readonly perSecond: number;
  private readonly maxAddresses: number;
  private readonly clock: () => number;

  constructor(options: AuthFailureThrottleOptions = {}) {
    this.burst = options.burst ?? 20;
    this.perSecond = options.perSecond ?? 2;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  /** Addresses remembered. */
  get size(): number {
    return this.buckets.size;
  }

  /** Seconds the address must wait before its next attempt, or undefined when it may try now. */
  blocked(address: string): number | undefined {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return undefined;
    const waitMs = until - this.clock();
    if (waitMs <= 0) {
      this.blockedUntil.delete(address);
      return undefined;
    }
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  /**
   * Counts one failed attempt. Returns undefined while the address is within its burst; once it is
   * used up, blocks the address and returns the seconds to wait (answer this attempt 429 too).
   */
  failed(address: string): number | undefined {
    let bucket = this.buckets.get(address);
    if (bucket) {
      // Re-insert: the Map's order is then least recently failing first.
      this.buckets.delete(address);
    } else {
      bucket = new TokenBucket(this.perSecond, 1000, this.burst, this.clock);
      if (this.buckets.size >= this.maxAddresses) {
        const oldest = this.buckets.keys().next().value!;
        this.buckets.delete(oldest);
        this.blockedUntil.delete(oldest);
      }
    }
    this.buckets.set(address, bucket);
    const taken = bucket.tryTake();
    if (taken.ok) return undefined;
    this.blockedUntil.set(address, this.clock() + taken.waitMs);
    return Math.max(1, Math.ceil(taken.waitMs / 1000));
  }
}
