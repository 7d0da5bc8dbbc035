// The one retry layer: attempts counted across crashes, permanent failures not retried, stop abandons.
import { describe, expect, it } from 'vitest';
import { runAttempts } from '../../../runtime/delivery/attempts.ts';
import { HttpStatusError } from '../../../runtime/delivery/failures.ts';
import { deliveryPolicyOf } from '../../../runtime/delivery/policy.ts';
import { SystemBudget } from '../../../runtime/delivery/system-budget.ts';

const policy = deliveryPolicyOf('r', 't', { timeout: '50ms', retry: { maxAttempts: 4, initialBackoff: '5ms', maxBackoff: '10ms', multiplier: 2, jitter: 0 } });
const base = { policy, budget: undefined, previous: [], onFailedAttempt: () => {} };

describe('runAttempts', () => {
  it('retries transient failures up to maxAttempts in all, then reports exhausted with the history', async () => {
    let calls = 0;
    const seen: boolean[] = [];
    const result = await runAttempts(async () => { calls++; throw new HttpStatusError(503, '', undefined, 'x'); }, { ...base, stop: new AbortController().signal, onFailedAttempt: (_a, _f, willRetry) => { seen.push(willRetry); } });
    expect(calls).toBe(4);
    expect(seen).toEqual([true, true, true, false]);
    expect(result).toMatchObject({ ok: false, abandoned: false, exhausted: true, failure: { reason: 'http-503' } });
    expect(result.attempts.map((a) => a.status)).toEqual([503, 503, 503, 503]);
  });

  it('stops at the first permanent failure', async () => {
    let calls = 0;
    const result = await runAttempts(async () => { calls++; throw new HttpStatusError(calls === 1 ? 500 : 400, '', undefined, 'x'); }, { ...base, stop: new AbortController().signal });
    expect(calls).toBe(2);
    expect(result).toMatchObject({ ok: false, exhausted: false, failure: { kind: 'permanent', reason: 'http-400' } });
  });

  it('counts attempts spent before a crash against the budget', async () => {
    let calls = 0;
    const previous = [1, 2, 3].map(() => ({ at: '2026-01-01T00:00:00Z', reason: 'http-500', error: 'x', status: 500 }));
    const result = await runAttempts(async () => { calls++; throw new HttpStatusError(500, '', undefined, 'x'); }, { ...base, previous, stop: new AbortController().signal });
    expect(calls).toBe(1);
    expect(result.attempts).toHaveLength(4);
    const spent = await runAttempts(async () => { calls++; }, { ...base, previous: [...previous, previous[0]!], stop: new AbortController().signal });
    expect(spent).toMatchObject({ ok: false, exhausted: true, failure: { reason: 'redelivered-after-crash' } });
    expect(calls).toBe(1);
  });

  it('times an attempt out and retries it', async () => {
    let calls = 0;
    const result = await runAttempts(async (signal) => {
      calls++;
      if (calls === 1) await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }, { ...base, stop: new AbortController().signal });
    expect(result.ok).toBe(true);
    expect(result.attempts[0]).toMatchObject({ reason: 'timeout' });
  });

  it('abandons (does not fail) when the worker stops', async () => {
    const stop = new AbortController();
    const result = await runAttempts(async () => { stop.abort(); throw new HttpStatusError(503, '', undefined, 'x'); }, { ...base, stop: stop.signal });
    expect(result).toMatchObject({ ok: false, abandoned: true });
  });

  it('runs inside the System budget: a 400 does not trip the breaker, 503s do', async () => {
    const budget = new SystemBudget('wms', { concurrency: 2 }, { consecutiveFailures: 2, halfOpenAfterMs: 60_000 });
    const stop = new AbortController().signal;
    for (let i = 0; i < 3; i++) await runAttempts(async () => { throw new HttpStatusError(400, '', undefined, 'x'); }, { ...base, budget, stop });
    expect(budget.state).toBe(0);
    let calls = 0;
    const result = await runAttempts(async () => { calls++; throw new HttpStatusError(503, '', undefined, 'x'); }, { ...base, policy: { ...policy, maxRetryAfterMs: 20 }, budget: new SystemBudget('x', undefined, { consecutiveFailures: 2, halfOpenAfterMs: 10 }), stop });
    expect(calls).toBeLessThan(4);
    expect(result.attempts.map((a) => a.reason)).toContain('circuit-open');
  });
});
