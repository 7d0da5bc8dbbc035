/**
 * A token bucket: `rate` tokens per `perMs`, holding at most `capacity` (the burst). The one rate
 * limiter of the project:
 * - the per-System rate budget (runtime/delivery/system-budget.ts): callers wait for a token ({@link take});
 * - the per-client API limit (runtime/http/client-rate-limits.ts): callers are refused with the wait
 *   as Retry-After ({@link tryTake});
 * - the controller's client-side QPS/burst towards the API server (controller/apply/kube-rest.ts, {@link take});
 * - the work queue's overall limit on rate-limited adds (controller/reconcile/work-queue.ts, {@link reserve}).
 * `clock` (milliseconds) is injectable for tests and for the work queue's fake clock.
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
   * Takes a token now, borrowing from the future when there is none (the bucket goes negative), and
   * returns the milliseconds the caller must wait before using it: 0 while tokens last. Because each
   * reservation queues behind the earlier ones, callers are served in arrival order and none starves.
   */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.ratePerMs);
  }

  /** Waits for a token ({@link reserve}, then sleeps); an abort gives the reserved token back. Returns the wait. */
  async take(signal?: AbortSignal): Promise<number> {
    const waitMs = this.reserve();
    if (waitMs === 0) return 0;
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
