// One behaviour, two stores: the sqlite one workers use (and which must survive a restart) and the
// in-memory one for pipeline unit tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IdempotencyStore, Reservation } from '../../../runtime/delivery/idempotency-store.ts';
import { MemoryIdempotencyStore } from '../../../runtime/delivery/memory-idempotency-store.ts';
import { SqliteIdempotencyStore } from '../../../runtime/delivery/sqlite-idempotency-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'interlace-idem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function token(reservation: Reservation): string {
  if (reservation.status !== 'reserved') throw new Error(`expected a reservation, got ${reservation.status}`);
  return reservation.token;
}

let clock = 1_000_000;
const tick = () => clock;
const stores: [string, () => IdempotencyStore][] = [
  ['memory', () => new MemoryIdempotencyStore(tick)],
  ['sqlite', () => new SqliteIdempotencyStore(join(dir, `${Math.random()}.db`), tick)],
];

describe.each(stores)('%s idempotency store', (_name, make) => {
  it('reserve → commit makes later reservations duplicates; release lets a replay through', async () => {
    const store = make();
    const first = await store.reserve('k1', 'w1', 1000);
    expect(first).toMatchObject({ status: 'reserved', attempts: [] });
    await store.commit('k1', token(first));
    expect(await store.reserve('k1', 'w2', 1000)).toEqual({ status: 'committed' });
    const second = await store.reserve('k2', 'w1', 1000);
    expect(second).toMatchObject({ status: 'reserved' });
    await store.release('k2', token(second));
    expect(await store.reserve('k2', 'w2', 1000)).toMatchObject({ status: 'reserved' });
    await store.close();
  });

  it('a live reservation of another worker is busy; an expired one is taken over with its attempts', async () => {
    const store = make();
    const w1 = token(await store.reserve('k', 'w1', 1000));
    await store.recordAttempt('k', w1, { at: 't', reason: 'http-503', error: 'x', status: 503 });
    expect(await store.reserve('k', 'w2', 1000)).toEqual({ status: 'busy', retryInMs: 1000 });
    clock += 600;
    await store.extend('k', w1, 1000);
    clock += 600;
    expect((await store.reserve('k', 'w2', 1000)).status).toBe('busy');
    clock += 1000;
    // w1 is a reservation of this store instance, which never hands out a key its own live
    // reservation holds; forget it (without touching the row) as the crash of worker w1 would.
    await store.release('unrelated-key', w1);
    const w2 = await store.reserve('k', 'w2', 1000);
    expect(w2).toMatchObject({ status: 'reserved', attempts: [{ at: 't', reason: 'http-503', error: 'x', status: 503 }] });
    expect(token(w2)).not.toBe(w1);
    // The old holder can no longer release or record on it.
    await store.release('k', w1);
    await store.recordAttempt('k', w1, { at: 't2', reason: 'late', error: 'x' });
    expect((await store.reserve('k', 'w3', 1000)).status).toBe('busy');
    await store.close();
  });

  it('never hands a live reservation back to the worker holding it, whatever its lease says', async () => {
    // The fault-broker race: JetStream redelivers after ack-wait while the first delivery of the
    // same worker is still calling the target. The second reserve must not succeed.
    const store = make();
    const held = token(await store.reserve('k', 'w1', 1000));
    expect((await store.reserve('k', 'w1', 1000)).status).toBe('busy');
    clock += 5000; // even with the lease run out (a long call, a missed heartbeat)
    expect((await store.reserve('k', 'w1', 1000)).status).toBe('busy');
    await store.commit('k', held);
    expect(await store.reserve('k', 'w1', 1000)).toEqual({ status: 'committed' });
    const other = token(await store.reserve('k2', 'w1', 1000));
    await store.release('k2', other);
    expect(await store.reserve('k2', 'w1', 1000)).toMatchObject({ status: 'reserved' });
    await store.close();
  });

  it('lets each reservation act only under its own token', async () => {
    const store = make();
    const a = token(await store.reserve('k', 'w1', 1000));
    await store.release('k', 'w1#forged');
    expect((await store.reserve('k', 'w2', 1000)).status).toBe('busy');
    await store.release('k', a);
    expect((await store.reserve('k', 'w2', 1000)).status).toBe('reserved');
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
    await first.commit('done', token(await first.reserve('done', 'w1', 1000)));
    await first.recordAttempt('half', token(await first.reserve('half', 'w1', 1000)), { at: 't', reason: 'timeout', error: 'x' });
    await first.park('s', 'K', { sequence: 1, reason: 'r', at: 'a' });
    await first.close();
    const second = new SqliteIdempotencyStore(path, tick);
    expect(await second.reserve('done', 'w2', 1000)).toEqual({ status: 'committed' });
    clock += 2000;
    expect(await second.reserve('half', 'w2', 1000)).toMatchObject({
      status: 'reserved',
      attempts: [{ at: 't', reason: 'timeout', error: 'x' }],
    });
    expect(await second.parked('s', 'K')).toMatchObject({ sequence: 1 });
    await second.close();
  });

  it('lets a restarted worker with a stable owner id take its own reservations over at once', async () => {
    const path = join(dir, 'stable-owner.db');
    const first = new SqliteIdempotencyStore(path, tick);
    await first.recordAttempt('k', token(await first.reserve('k', 'pod-1', 60_000)), { at: 't', reason: 'http-500', error: 'x' });
    await first.close(); // kill -9: the reservation stays, its lease still running
    const second = new SqliteIdempotencyStore(path, tick);
    expect((await second.reserve('k', 'pod-2', 60_000)).status).toBe('busy');
    const again = await second.reserve('k', 'pod-1', 60_000);
    expect(again).toMatchObject({ status: 'reserved', attempts: [{ reason: 'http-500' }] });
    expect((await second.reserve('k', 'pod-1', 60_000)).status).toBe('busy');
    await second.close();
  });
});
