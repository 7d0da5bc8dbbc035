// Token buckets (System rate budget, API client limits) and per-key sequencing.
import { describe, expect, it } from 'vitest';
import { KeySequencer } from '../../../runtime/delivery/key-sequencer.ts';
import { TokenBucket } from '../../../lib/token-bucket.ts';
import { ClientRateLimits } from '../../../runtime/http/client-rate-limits.ts';

describe('TokenBucket', () => {
  it('allows the burst, then one token per interval, and says how long to wait', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 1000, 3, () => now);
    expect([1, 2, 3].map(() => bucket.tryTake().ok)).toEqual([true, true, true]);
    expect(bucket.tryTake()).toEqual({ ok: false, waitMs: 100 });
    now += 100;
    expect(bucket.tryTake().ok).toBe(true);
    now += 10_000;
    expect([1, 2, 3, 4].map(() => bucket.tryTake().ok)).toEqual([true, true, true, false]);
  });

  it('makes waiters wait their turn', async () => {
    const bucket = new TokenBucket(50, 1000, 1);
    const start = Date.now();
    const waits = await Promise.all([bucket.take(), bucket.take(), bucket.take()]);
    expect(waits[0]).toBe(0);
    expect(waits[2]!).toBeGreaterThan(waits[1]!);
    expect(Date.now() - start).toBeGreaterThanOrEqual(35);
  });

  it('reserve borrows from the future: each reservation waits one interval longer (the work queue and the Kubernetes client limit)', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 1000, 2, () => now);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 100, 200]);
    now += 200; // two tokens refilled, both already reserved
    expect(bucket.reserve()).toBe(100);
  });
});

describe('ClientRateLimits', () => {
  it('limits each client on its own with a Retry-After in whole seconds', () => {
    let now = 0;
    const limits = new ClientRateLimits({ requests: 2, per: '1s' }, () => now);
    expect([limits.take('a').ok, limits.take('a').ok, limits.take('b').ok]).toEqual([true, true, true]);
    expect(limits.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 500;
    expect(limits.take('a').ok).toBe(true);
    const slow = new ClientRateLimits({ requests: 1, per: '1m' }, () => now);
    slow.take('x');
    expect(slow.take('x')).toEqual({ ok: false, retryAfterSeconds: 60 });
  });
});

describe('KeySequencer', () => {
  it('runs one key in arrival order and different keys concurrently, even after a failure', async () => {
    const sequencer = new KeySequencer();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      () =>
        new Promise<void>((resolve, reject) =>
          setTimeout(() => {
            log.push(name);
            fail ? reject(new Error(name)) : resolve();
          }, ms),
        );
    await Promise.allSettled([
      sequencer.run('A', task('A1', 30)),
      sequencer.run('A', task('A2', 1, true)),
      sequencer.run('B', task('B1', 5)),
      sequencer.run('A', task('A3', 1)),
    ]);
    expect(log).toEqual(['B1', 'A1', 'A2', 'A3']);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sequencer.activeKeys).toBe(0);
  });
});
