import { BulkheadPolicy, CircuitState, ConsecutiveBreaker, bulkhead, circuitBreaker, handleWhen } from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import type { System } from '../../controller/kinds/generated/kinds.ts';
import { parseDuration } from './durations.ts';
import { classifyFailure } from './failures.ts';
import { TokenBucket } from './token-bucket.ts';

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
    this.breaker = circuitBreaker(handleWhen((error) => classifyFailure(error).kind === 'transient'), {
      halfOpenAfter: breaker.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(breaker.consecutiveFailures),
    });
    this.concurrency = limits?.concurrency ? bulkhead(limits.concurrency, Number.MAX_SAFE_INTEGER) : undefined;
    const rate = limits?.rateLimit;
    this.rate = rate ? new TokenBucket(rate.requests, parseDuration(rate.per, 1000), rate.burst ?? rate.requests) : undefined;
  }

  get state(): CircuitState {
    return this.breaker.state;
  }

  /** Runs one call to the System inside its budgets. */
  execute<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.breaker.execute(async ({ signal: s1 }) => {
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

  constructor(limitsOf: (system: string) => NonNullable<System['spec']['limits']> | undefined, breaker: BreakerSettings = DEFAULT_BREAKER, onCreate: (budget: SystemBudget) => void = () => {}) {
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

export { CircuitState };
