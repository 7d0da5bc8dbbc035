// A rate-limited work queue in the manner of client-go's workqueue: the reconcile loop's only
// scheduler. Keys are `namespace/name`; the queue never holds a key twice and never hands the same
// key to two workers at once, so one Estate is reconciled by one worker at a time.

import { TokenBucket } from '../../lib/token-bucket.ts';

/** Time source, injectable so tests step time instead of sleeping. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process clock; timers are unref'd so a forgotten queue never keeps Node alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay after a failure (default 1000 ms); doubles per consecutive failure. */
  baseDelayMs?: number;
  /** Largest per-key retry delay (default 300 000 ms = 5 min). */
  maxDelayMs?: number;
  /** Relative jitter applied to backoff delays, 0..1 (default 0.1 = ±10 %), so failing keys spread out. */
  jitter?: number;
  /** Random source in [0, 1) for jitter (tests pass a constant). */
  random?: () => number;
  /** Overall token bucket for rate-limited adds: `qps` tokens per second, `burst` capacity (default 10 / 100, client-go's). */
  bucket?: { qps: number; burst: number };
  /** Called whenever the number of keys waiting to be handed out changes (for a queue-depth gauge). */
  onDepthChange?: (depth: number) => void;
}

/** What a handler passed to {@link WorkQueue.run} asks for after a successful pass. */
export interface WorkResult {
  /** Process the key again after this many ms (e.g. the Estate's interval), with its backoff reset. */
  requeueAfterMs?: number;
}

interface Waiting {
  readyAt: number;
  handle: unknown;
}

/**
 * De-duplicating, per-key-exclusive work queue with per-key exponential backoff, delayed adds and an
 * overall token bucket.
 *
 * Guarantees:
 * - a key is queued at most once; adding a queued key is a no-op;
 * - a key handed out by {@link get} is not handed out again until {@link done}; adds made meanwhile
 *   are remembered and the key is re-queued once, at `done`;
 * - {@link addRateLimited} delays by max(per-key backoff, token-bucket wait); {@link forget} resets
 *   the key's backoff (call it on success);
 * - {@link addAfter} keeps the earliest of several pending delays for a key;
 * - after {@link shutDown} nothing is accepted or handed out; queued and delayed keys are dropped
 *   (the next leader re-lists them), and the returned promise resolves when in-flight keys are done.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  /** Overall limit on rate-limited adds (client-go's BucketRateLimiter). */
  private readonly bucket: TokenBucket;
  private readonly onDepthChange: ((depth: number) => void) | undefined;

  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly failures = new Map<string, number>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private drained: (() => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 300_000;
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.1));
    this.random = options.random ?? Math.random;
    this.onDepthChange = options.onDepthChange;
    this.bucket = new TokenBucket(options.bucket?.qps ?? 10, 1000, options.bucket?.burst ?? 100, () => this.clock.now());
  }

  /** Queues a key now (no-op when already queued, when shutting down, or remembered while in flight). */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.cancelWaiting(key);
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Queues a key after `ms`; with a delay already pending the earlier one wins. `ms <= 0` adds now. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const pending = this.waiting.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    if (pending) this.clock.clearTimeout(pending.handle);
    const handle = this.clock.setTimeout(() => {
      const current = this.waiting.get(key);
      if (current?.handle !== handle) return;
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { readyAt, handle });
  }

  /** Re-queues a failed key after its backoff (and the bucket's wait); counts one more failure. */
  addRateLimited(key: string): number {
    const delay = Math.max(this.backoffFor(key), this.bucket.reserve());
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets a key's failure count (call after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Consecutive failures recorded for a key. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Waits for the next key; undefined once the queue is shut down. Call {@link done} when finished with it. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks a key finished; re-queues it when it was added while in flight. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0 && this.shuttingDown) this.resolveDrained();
  }

  /** Keys queued and ready to be handed out. */
  len(): number {
    return this.queue.length;
  }

  /** Snapshot for metrics and tests. */
  stats(): { queued: number; processing: number; waiting: number } {
    return { queued: this.queue.length, processing: this.processing.size, waiting: this.waiting.size };
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops the queue: no more adds, queued and delayed keys dropped, blocked `get()`s answer undefined.
   * Resolves when every key handed out has been marked done (graceful drain of in-flight work).
   */
  shutDown(): Promise<void> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      for (const { handle } of this.waiting.values()) this.clock.clearTimeout(handle);
      this.waiting.clear();
      this.queue.length = 0;
      this.dirty.clear();
      this.onDepthChange?.(0);
      for (const getter of this.getters.splice(0)) getter(undefined);
    }
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /**
   * Runs `workers` loops that take keys and call `handler`. A handler that throws is retried with
   * backoff (`addRateLimited`); one that returns has its backoff reset and, with `requeueAfterMs`,
   * is scheduled again. Resolves when the queue is shut down and every worker has stopped.
   */
  async run(
    workers: number,
    // biome-ignore lint/suspicious/noConfusingVoidType: a handler may also resolve to nothing (an async function with no return).
    handler: (key: string) => Promise<WorkResult | void>,
    hooks: {
      onError?: (key: string, error: unknown, retryInMs: number) => void;
      onWorkDuration?: (key: string, seconds: number, ok: boolean) => void;
    } = {},
  ): Promise<void> {
    const loop = async () => {
      for (;;) {
        const key = await this.get();
        if (key === undefined) return;
        const started = this.clock.now();
        try {
          const result = await handler(key);
          hooks.onWorkDuration?.(key, (this.clock.now() - started) / 1000, true);
          this.forget(key);
          if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
        } catch (error) {
          hooks.onWorkDuration?.(key, (this.clock.now() - started) / 1000, false);
          const retryIn = this.shuttingDown ? 0 : this.addRateLimited(key);
          hooks.onError?.(key, error, retryIn);
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, workers) }, loop));
  }

  private push(key: string): void {
    const getter = this.getters.shift();
    if (getter) {
      getter(this.take(key));
      return;
    }
    this.queue.push(key);
    this.onDepthChange?.(this.queue.length);
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    this.onDepthChange?.(this.queue.length);
    return key;
  }

  private cancelWaiting(key: string): void {
    const pending = this.waiting.get(key);
    if (!pending) return;
    this.clock.clearTimeout(pending.handle);
    this.waiting.delete(key);
  }

  /** base·2^failures capped at max, then ±jitter (still capped), and counts the failure. */
  private backoffFor(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const raw = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failures, 62));
    const factor = 1 + this.jitter * (this.random() * 2 - 1);
    return Math.min(this.maxDelayMs, Math.round(raw * factor));
  }

  private resolveDrained(): void {
    for (const resolve of this.drained.splice(0)) resolve();
  }
}
