// The one retry layer: attempts counted across crashes, permanent failures not retried, stop abandons.
import { describe, expect, it } from 'vitest';
import { runAttempts } from '../../../runtime/delivery/attempts.ts';
import { HttpStatusError } from '../../../runtime/delivery/failures.ts';
import { deliveryPolicyOf } from '../../../runtime/delivery/policy.ts';
import { SystemBudget } from '../../../runtime/delivery/system-budget.ts';

const policy = deliveryPolicyOf('r', 't', {
  timeout: '50ms',
  retry: { maxAttempts: 4, initialBackoff: '5ms', maxBackoff: '10ms', multiplier: 2, jitter: 0 },
});
const base = { policy, budget: undefined, previous: [], onFailedAttempt: () => {} };

describe('runAttempts', () => {
  it('retries transient failures up to maxAttempts in all, then reports exhausted with the history', async () => {
    let calls = 0;
    const seen: boolean[] = [];
    const result = await runAttempts(
      async () => {
        calls++;
        throw new HttpStatusError(503, '', undefined, 'x');
      },
      {
        ...base,
        stop: new AbortController().signal,
        onFailedAttempt: (_a, _f, willRetry) => {
          seen.push(willRetry);
        },
      },
    );
    expect(calls).toBe(4);
    expect(seen).toEqual([true, true, true, false]);
    expect(result).toMatchObject({ ok: false, abandoned: false, exhausted: true, failure: { reason: 'http-503' } });
    expect(result.attempts.map((a) => a.status)).toEqual([503, 503, 503, 503]);
  });

  it('stops at the first permanent failure', async () => {
    let calls = 0;
    const result = await runAttempts(
      async () => {
        calls++;
        throw new HttpStatusError(calls === 1 ? 500 : 400, '', undefined, 'x');
      },
      { ...base, stop: new AbortController().signal },
    );
    expect(calls).toBe(2);
    expect(result).toMatchObject({ ok: false, exhausted: false, failure: { kind: 'permanent', reason: 'http-400' } });
  });

  it('counts attempts spent before a crash against the budget', async () => {
    let calls = 0;
    const previous = [1, 2, 3].map(() => ({ at: '2026-01-01T00:00:00Z', reason: 'http-500', error: 'x', status: 500 }));
    const result = await runAttempts(
      async () => {
        calls++;
        throw new HttpStatusError(500, '', undefined, 'x');
      },
      { ...base, previous, stop: new AbortController().signal },
    );
    expect(calls).toBe(1);
    expect(result.attempts).toHaveLength(4);
    const spent = await runAttempts(
      async () => {
        calls++;
      },
      { ...base, previous: [...previous, previous[0]!], stop: new AbortController().signal },
    );
    expect(spent).toMatchObject({ ok: false, exhausted: true, failure: { reason: 'redelivered-after-crash' } });
    expect(calls).toBe(1);
  });

  it('times an attempt out and retries it', async () => {
    let calls = 0;
    const result = await runAttempts(
      async (signal) => {
        calls++;
        if (calls === 1) await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      { ...base, stop: new AbortController().signal },
    );
    expect(result.ok).toBe(true);
    expect(result.attempts[0]).toMatchObject({ reason: 'timeout' });
  });

  it('abandons (does not fail) when the worker stops', async () => {
    const stop = new AbortController();
    const result = await runAttempts(
      async () => {
        stop.abort();
        throw new HttpStatusError(503, '', undefined, 'x');
      },
      { ...base, stop: stop.signal },
    );
    expect(result).toMatchObject({ ok: false, abandoned: true });
  });

  it('runs inside the System budget: a 400 does not trip the breaker, 503s do', async () => {
    const budget = new SystemBudget('wms', { concurrency: 2 }, { consecutiveFailures: 2, halfOpenAfterMs: 60_000 });
    const stop = new AbortController().signal;
    for (let i = 0; i < 3; i++)
      await runAttempts(
        async () => {
          throw new HttpStatusError(400, '', undefined, 'x');
        },
        { ...base, budget, stop },
      );
    expect(budget.state).toBe(0);
  });

  it('does not spend attempts while the circuit is open: it waits for half-open, and failed trials are not counted', async () => {
    const budget = new SystemBudget('x', undefined, { consecutiveFailures: 2, halfOpenAfterMs: 15 });
    const stop = new AbortController().signal;
    const upAt = Date.now() + 150; // down for ~10× the whole retry budget's backoff
    let calls = 0;
    const recorded: { probe: boolean; willRetry: boolean }[] = [];
    const result = await runAttempts(
      async () => {
        calls++;
        if (Date.now() < upAt) throw new HttpStatusError(503, '', undefined, 'x');
      },
      {
        ...base,
        budget,
        stop,
        onFailedAttempt: (a, _f, willRetry) => {
          recorded.push({ probe: a.probe === true, willRetry });
        },
      },
    );
    expect(result.ok).toBe(true);
    const counted = result.attempts.filter((a) => !a.probe);
    expect(counted.length).toBeLessThan(policy.maxAttempts);
    expect(result.attempts.some((a) => a.probe)).toBe(true);
    expect(result.attempts.map((a) => a.reason)).not.toContain('circuit-open');
    // Every call but the last failed: calls = failed attempts + 1, none of them rejected unsent.
    expect(calls).toBe(result.attempts.length + 1);
    // Only ~one trial per half-open period, not a busy loop.
    expect(calls).toBeLessThan(20);
    expect(budget.state).toBe(0);
  });

  it('rotates the half-open trial among the deliveries waiting on the circuit', async () => {
    const budget = new SystemBudget('x', undefined, { consecutiveFailures: 1, halfOpenAfterMs: 10 });
    const stop = new AbortController().signal;
    const upAt = Date.now() + 200;
    const callsBy = [0, 0, 0, 0];
    const results = await Promise.all(
      callsBy.map((_n, i) =>
        runAttempts(
          async () => {
            callsBy[i]!++;
            if (Date.now() < upAt) throw new HttpStatusError(500, '', undefined, 'x');
          },
          { ...base, budget, stop },
        ),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    // ~20 trials over 200 ms, spread over the four messages rather than all on one.
    expect(Math.min(...callsBy)).toBeGreaterThan(1);
  });

  it('abandons a delivery waiting on an open circuit when the worker stops', async () => {
    const budget = new SystemBudget('x', undefined, { consecutiveFailures: 1, halfOpenAfterMs: 60_000 });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const result = await runAttempts(
      async () => {
        throw new HttpStatusError(503, '', undefined, 'x');
      },
      { ...base, budget, stop: stop.signal },
    );
    expect(result).toMatchObject({ ok: false, abandoned: true });
  });
});
