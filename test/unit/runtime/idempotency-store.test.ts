// One behaviour, two stores: the sqlite one workers use (and which must survive a restart) and the
// in-memory one for pipeline unit tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IdempotencyStore } from '../../../runtime/delivery/idempotency-store.ts';
import { MemoryIdempotencyStore } from '../../../runtime/delivery/memory-idempotency-store.ts';
import { SqliteIdempotencyStore } from '../../../runtime/delivery/sqlite-idempotency-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'interlace-idem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let clock = 1_000_000;
const tick = () => clock;
const stores: [string, () => IdempotencyStore][] = [
  ['memory', () => new MemoryIdempotencyStore(tick)],
  ['sqlite', () => new SqliteIdempotencyStore(join(dir, `${Math.random()}.db`), tick)],
];

describe.each(stores)('%s idempotency store', (_name, make) => {
  it('reserve → commit makes later reservations duplicates; release lets a replay through', async () => {
    const store = make();
    expect(await store.reserve('k1', 'w1', 1000)).toEqual({ status: 'reserved', attempts: [] });
    await store.commit('k1', 'w1');
    expect(await store.reserve('k1', 'w2', 1000)).toEqual({ status: 'committed' });
    expect(await store.reserve('k2', 'w1', 1000)).toMatchObject({ status: 'reserved' });
    await store.release('k2', 'w1');
    expect(await store.reserve('k2', 'w2', 1000)).toMatchObject({ status: 'reserved' });
    await store.close();
  });

  it('a live reservation of another worker is busy; an expired one is taken over with its attempts', async () => {
    const store = make();
    await store.reserve('k', 'w1', 1000);
    await store.recordAttempt('k', 'w1', { at: 't', reason: 'http-503', error: 'x', status: 503 });
    expect(await store.reserve('k', 'w2', 1000)).toEqual({ status: 'busy', retryInMs: 1000 });
    clock += 600;
    await store.extend('k', 'w1', 1000);
    clock += 600;
    expect((await store.reserve('k', 'w2', 1000)).status).toBe('busy');
    clock += 1000;
    expect(await store.reserve('k', 'w2', 1000)).toEqual({ status: 'reserved', attempts: [{ at: 't', reason: 'http-503', error: 'x', status: 503 }] });
    // The old owner can no longer release or record on it.
    await store.release('k', 'w1');
    expect((await store.reserve('k', 'w3', 1000)).status).toBe('busy');
    await store.close();
  });

  it('parks keys per scope until unparked, and prunes old commits', async () => {
    const store = make();
    await store.park('route__t', 'A', { sequence: 7, reason: 'http-500', at: 'now' });
    await store.park('route__t', 'A', { sequence: 9, reason: 'later', at: 'now' });
    expect(await store.parked('route__t', 'A')).toEqual({ sequence: 7, reason: 'http-500', at: 'now' });
    expect(await store.parked('route__t', 'B')).toBeUndefined();
    expect(await store.parked('other__t', 'A')).toBeUndefined();
    expect(await store.unpark('route__t', 'A')).toBe(true);
    expect(await store.unpark('route__t', 'A')).toBe(false);
    await store.commit('old', 'w');
    clock += 10_000;
    await store.commit('new', 'w');
    expect(await store.prune(5_000)).toBe(1);
    expect((await store.reserve('old', 'w', 10)).status).toBe('reserved');
    expect((await store.reserve('new', 'w', 10)).status).toBe('committed');
    await store.close();
  });
});

describe('sqlite idempotency store', () => {
  it('keeps commits, reservations and parked keys across a restart', async () => {
    const path = join(dir, 'restart.db');
    const first = new SqliteIdempotencyStore(path, tick);
    await first.reserve('done', 'w1', 1000);
    await first.commit('done', 'w1');
    await first.reserve('half', 'w1', 1000);
    await first.recordAttempt('half', 'w1', { at: 't', reason: 'timeout', error: 'x' });
    await first.park('s', 'K', { sequence: 1, reason: 'r', at: 'a' });
    await first.close();
    const second = new SqliteIdempotencyStore(path, tick);
    expect(await second.reserve('done', 'w2', 1000)).toEqual({ status: 'committed' });
    clock += 2000;
    expect(await second.reserve('half', 'w2', 1000)).toEqual({ status: 'reserved', attempts: [{ at: 't', reason: 'timeout', error: 'x' }] });
    expect(await second.parked('s', 'K')).toMatchObject({ sequence: 1 });
    await second.close();
  });
});
