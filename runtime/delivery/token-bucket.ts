/**
 * A token bucket: `rate` tokens per `perMs`, holding at most `capacity` (the burst). Used for the
 * per-System rate budget (callers wait for a token) and the per-client API limit (callers are refused
 * with the wait as Retry-After). `clock` is injectable for tests.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly ratePerMs: number;
  private readonly capacity: number;
  private readonly clock: () => number;

  constructor(rate: number, perMs: number, capacity = rate, clock: () => number = Date.now) {
    this.ratePerMs = rate / perMs;
    this.capacity = capacity;
    this.tokens = capacity;
    this.clock = clock;
    this.last = clock();
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.ratePerMs);
    this.last = now;
  }

  /** Takes a token if one is there; otherwise returns the milliseconds until one will be. */
  tryTake(): { ok: true } | { ok: false; waitMs: number } {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil((1 - this.tokens) / this.ratePerMs) };
  }

  /**
   * Waits for a token. Waiters reserve a token ahead (the bucket goes negative), so they are served in
   * arrival order and none starves.
   */
  async take(signal?: AbortSignal): Promise<number> {
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    const waitMs = Math.ceil(-this.tokens / this.ratePerMs);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, waitMs);
      const onAbort = () => {
        clearTimeout(timer);
        this.tokens += 1;
        reject(signal!.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return waitMs;
  }
}
