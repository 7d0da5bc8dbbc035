// The work queue's guarantees, with a stepped clock: de-duplication, per-key exclusivity,
// exponential backoff with jitter and a cap, delayed adds, the token bucket, graceful drain.
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../controller/reconcile/work-queue.ts';
import { WorkQueue } from '../../controller/reconcile/work-queue.ts';

/** A clock that only moves when told; timers fire in due order during `advance`. */
class SteppedClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }
  pending(): number {
    return this.timers.size;
  }
}

const flush = () => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('de-duplicates keys while they are queued, in FIFO order', async () => {
    const q = new WorkQueue({ clock: new SteppedClock() });
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
  });

  it('never hands out a key that is in flight; a re-add waits until done and is queued once', async () => {
    const q = new WorkQueue({ clock: new SteppedClock() });
    q.add('ns/a');
    const first = await q.get();
    q.add('ns/a');
    q.add('ns/a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => {
      second = k;
    });
    await flush();
    expect(second).toBeUndefined();
    q.done(first!);
    await flush();
    expect(second).toBe('ns/a');
    expect(q.len()).toBe(0);
  });

  it('backs off exponentially per key from 1 s, caps at 5 min, and resets on forget', () => {
    const clock = new SteppedClock();
    const q = new WorkQueue({ clock, jitter: 0, bucket: { qps: 1e9, burst: 1e9 } });
    const delays = Array.from({ length: 12 }, () => q.addRateLimited('ns/a'));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000, 300000]);
    expect(q.numRequeues('ns/a')).toBe(12);
    expect(q.addRateLimited('ns/b')).toBe(1000);
    q.forget('ns/a');
    expect(q.addRateLimited('ns/a')).toBe(1000);
  });

  it('applies jitter within ±10 % and never above the cap', () => {
    const low = new WorkQueue({ clock: new SteppedClock(), random: () => 0, bucket: { qps: 1e9, burst: 1e9 } });
    const high = new WorkQueue({ clock: new SteppedClock(), random: () => 0.999999, bucket: { qps: 1e9, burst: 1e9 } });
    expect(low.addRateLimited('k')).toBe(900);
    expect(high.addRateLimited('k')).toBe(1100);
    for (let i = 0; i < 20; i++) high.addRateLimited('k');
    expect(high.addRateLimited('k')).toBe(300_000);
  });

  it('a rate-limited key becomes available only after its delay', async () => {
    const clock = new SteppedClock();
    const q = new WorkQueue({ clock, jitter: 0 });
    q.addRateLimited('ns/a');
    expect(q.len()).toBe(0);
    clock.advance(999);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('ns/a');
  });

  it('addAfter keeps the earliest pending delay, and add() pre-empts a pending delay', () => {
    const clock = new SteppedClock();
    const q = new WorkQueue({ clock });
    q.addAfter('ns/a', 5000);
    q.addAfter('ns/a', 60_000);
    clock.advance(5000);
    expect(q.len()).toBe(1);
    q.addAfter('ns/b', 10_000);
    q.add('ns/b');
    expect(q.len()).toBe(2);
    expect(clock.pending()).toBe(0);
  });

  it('the token bucket spaces rate-limited adds once the burst is spent', () => {
    const clock = new SteppedClock();
    const q = new WorkQueue({ clock, jitter: 0, baseDelayMs: 1, bucket: { qps: 10, burst: 3 } });
    const delays = ['a', 'b', 'c', 'd', 'e'].map((k) => q.addRateLimited(k));
    expect(delays).toEqual([1, 1, 1, 100, 200]);
    clock.advance(1000);
    expect(q.addRateLimited('f')).toBe(1);
  });

  it('run(): success resets backoff and requeues after the asked interval; failure retries with backoff', async () => {
    const clock = new SteppedClock();
    const q = new WorkQueue({ clock, jitter: 0 });
    const seen: string[] = [];
    let fail = 2;
    const errors: number[] = [];
    const running = q.run(
      2,
      async (key) => {
        seen.push(`${key}@${clock.now()}`);
        if (fail-- > 0) throw new Error('boom');
        return { requeueAfterMs: 60_000 };
      },
      { onError: (_k, _e, retry) => errors.push(retry) },
    );
    q.add('ns/a');
    await flush();
    clock.advance(1000);
    await flush();
    clock.advance(2000);
    await flush();
    expect(errors).toEqual([1000, 2000]);
    expect(q.numRequeues('ns/a')).toBe(0);
    clock.advance(60_000);
    await flush();
    expect(seen).toEqual(['ns/a@0', 'ns/a@1000', 'ns/a@3000', 'ns/a@63000']);
    await q.shutDown();
    await running;
  });

  it('shutDown drains in-flight work, drops queued and delayed keys, and accepts nothing more', async () => {
    const clock = new SteppedClock();
    const q = new WorkQueue({ clock });
    q.add('ns/a');
    q.add('ns/b');
    q.addAfter('ns/c', 1000);
    const key = await q.get();
    let drained = false;
    const stopping = q.shutDown().then(() => {
      drained = true;
    });
    expect(await q.get()).toBeUndefined();
    q.add('ns/d');
    expect(q.len()).toBe(0);
    await flush();
    expect(drained).toBe(false);
    q.done(key!);
    await stopping;
    expect(drained).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('reports queue depth changes', async () => {
    const depths: number[] = [];
    const q = new WorkQueue({ clock: new SteppedClock(), onDepthChange: (d) => depths.push(d) });
    q.add('a');
    q.add('b');
    await q.get();
    expect(depths).toEqual([1, 2, 1]);
  });
});
