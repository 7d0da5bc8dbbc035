import { type BulkheadPolicy, CircuitState, ConsecutiveBreaker, bulkhead, circuitBreaker, handleWhen } from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import type { System } from '../../language/kinds/generated/kinds.ts';
import { durationMs } from '../../lib/duration.ts';
import { classifyFailure } from './failures.ts';
import { TokenBucket } from '../../lib/token-bucket.ts';

/** Circuit breaker settings (the System spec has none yet: worker options set them). */
export interface BreakerSettings {
  /** Consecutive transient failures that open the circuit. */
  consecutiveFailures: number;
  /** How long the circuit stays open before one trial call (half-open). */
  halfOpenAfterMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { consecutiveFailures: 5, halfOpenAfterMs: 10_000 };

/**
 * What protects one System from Interlace, shared by every route and API that calls it: a circuit
 * breaker (only transient failures count — a 400 says nothing about the system's health), a
 * concurrency budget (cockatiel bulkhead, queued, never rejected) and a rate budget (token bucket,
 * callers wait). Order of the layers: breaker → concurrency → rate → the call, so an open circuit
 * fails fast without queueing and time spent queued never eats into the per-attempt timeout.
 *
 * While the circuit is open, deliveries do not call at all: `untilCallable` makes them wait until it
 * half-opens (runAttempts), and the one call let through in the half-open state (the trial) is marked
 * as such, so its failure is not held against the message's retry budget.
 */
export class SystemBudget {
  readonly system: string;
  readonly breaker: CircuitBreakerPolicy;
  readonly halfOpenAfterMs: number;
  private readonly concurrency: BulkheadPolicy | undefined;
  private readonly rate: TokenBucket | undefined;
  /** Called with the number of ms a caller waited for the rate budget (for metrics). */
  onRateWait: (ms: number) => void = () => {};

  constructor(system: string, limits: NonNullable<System['spec']['limits']> | undefined, breaker: BreakerSettings = DEFAULT_BREAKER) {
    this.system = system;
    this.halfOpenAfterMs = breaker.halfOpenAfterMs;
    this.breaker = circuitBreaker(
      handleWhen((error) => classifyFailure(error).kind === 'transient'),
      {
        halfOpenAfter: breaker.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(breaker.consecutiveFailures),
      },
    );
    this.concurrency = limits?.concurrency ? bulkhead(limits.concurrency, Number.MAX_SAFE_INTEGER) : undefined;
    const rate = limits?.rateLimit;
    this.rate = rate ? new TokenBucket(rate.requests, durationMs(rate.per, 1000), rate.burst ?? rate.requests) : undefined;
  }

  get state(): CircuitState {
    return this.breaker.state;
  }

  /**
   * Resolves when a call may go through the breaker: at once when it is closed (or half-open — the
   * breaker then holds the call until its trial decided), else when the open circuit's
   * `halfOpenAfter` has passed. Waiters are let go together, in the order they came, so the first of
   * them becomes the trial; `yieldTurn` (a delivery whose trial just failed) puts the caller behind
   * every other waiter, so trials rotate among the waiting messages. Rejects when `signal` aborts.
   */
  untilCallable(signal?: AbortSignal, yieldTurn = false): Promise<void> {
    const state = this.breaker.state;
    if (state === CircuitState.Closed || state === CircuitState.HalfOpen) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason ?? new Error('aborted'));
        return;
      }
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason ?? new Error('aborted'));
      };
      const entry: Waiter = {
        yieldTurn,
        go: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.scheduleWake();
    });
  }

  private readonly waiting: Waiter[] = [];
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;

  private scheduleWake(): void {
    if (this.wakeTimer) return;
    const own = (this.breaker.toJSON() as { ownState: { value: CircuitState; openedAt?: number } }).ownState;
    const wait = own.value === CircuitState.Open && own.openedAt ? own.openedAt + this.halfOpenAfterMs - Date.now() : this.halfOpenAfterMs;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        const all = this.waiting.splice(0);
        for (const w of all) if (!w.yieldTurn) w.go();
        for (const w of all) if (w.yieldTurn) w.go();
      },
      Math.max(1, wait),
    );
  }

  /**
   * Runs one call to the System inside its budgets. `trial.probe` is set when the call ran as the
   * half-open circuit's trial call.
   */
  execute<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal, trial?: { probe: boolean }): Promise<T> {
    return this.breaker.execute(async ({ signal: s1 }) => {
      // Only the trial runs while the breaker is half-open; everyone else waits for its decision.
      if (trial) trial.probe = this.breaker.state === CircuitState.HalfOpen;
      const inner = async (s: AbortSignal) => {
        if (this.rate) {
          const waited = await this.rate.take(s);
          if (waited > 0) this.onRateWait(waited);
        }
        return call(s);
      };
      return this.concurrency ? this.concurrency.execute(({ signal: s2 }) => inner(s2), s1) : inner(s1);
    }, signal);
  }
}

/** One SystemBudget per System name, created on first use. */
export class SystemBudgets {
  private readonly budgets = new Map<string, SystemBudget>();
  private readonly limitsOf: (system: string) => NonNullable<System['spec']['limits']> | undefined;
  private readonly breaker: BreakerSettings;
  private readonly onCreate: (budget: SystemBudget) => void;

  constructor(
    limitsOf: (system: string) => NonNullable<System['spec']['limits']> | undefined,
    breaker: BreakerSettings = DEFAULT_BREAKER,
    onCreate: (budget: SystemBudget) => void = () => {},
  ) {
    this.limitsOf = limitsOf;
    this.breaker = breaker;
    this.onCreate = onCreate;
  }

  get(system: string): SystemBudget {
    let budget = this.budgets.get(system);
    if (!budget) {
      budget = new SystemBudget(system, this.limitsOf(system), this.breaker);
      this.budgets.set(system, budget);
      this.onCreate(budget);
    }
    return budget;
  }

  all(): SystemBudget[] {
    return [...this.budgets.values()];
  }
}

interface Waiter {
  yieldTurn: boolean;
  go(): void;
}

export { CircuitState };
