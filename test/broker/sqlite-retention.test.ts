// Retention of the embedded backbone (issue 12, part 3): messages older than `maxAgeMs` are dropped,
// delivered or not, as JetStream's max_age does; consumers move past them, so the backlog counts only
// what is still stored, and a delivery of an expired message that was never acked is forgotten.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import type { SqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';

const dir = mkdtempSync(join(tmpdir(), 'interlace-retention-'));
let backbone: SqliteBackbone | undefined;
afterAll(async () => {
  await backbone?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('embedded backbone retention', () => {
  it('drops messages older than maxAgeMs from the log and from every backlog', async () => {
    backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db'), pollIntervalMs: 20, maxAgeMs: 400 });
    await backbone.ensureTopic('orders.status');
    // A consumer that holds one message unacked, and one that has not read anything yet.
    const held: number[] = [];
    const holding = await backbone.subscribe(
      'orders.status',
      'holder',
      async (delivery) => {
        held.push(delivery.sequence);
      },
      { maxInFlight: 1, ackWaitMs: 60_000 },
    );
    for (let i = 1; i <= 5; i++) await backbone.publish('orders.status', Buffer.from(`old-${i}`));
    await sleep(100);
    await holding.stop();
    expect(held).toEqual([1]);
    expect(await backbone.pending('orders.status', 'holder')).toBe(5);
    expect(await backbone.pending('orders.status', 'late')).toBe(5);

    await sleep(600);
    await backbone.publish('orders.status', Buffer.from('new-6'));
    expect((await backbone.read('orders.status', 1, 100)).map((m) => m.sequence)).toEqual([6]);
    expect(await backbone.pending('orders.status', 'holder')).toBe(1);
    expect(await backbone.pending('orders.status', 'late')).toBe(1);

    const seen: string[] = [];
    const reading = await backbone.subscribe('orders.status', 'holder', async (delivery) => {
      seen.push(Buffer.from(delivery.payload).toString());
      await delivery.ack();
    });
    for (let i = 0; i < 50 && seen.length < 1; i++) await sleep(20);
    await sleep(100);
    await reading.stop();
    expect(seen).toEqual(['new-6']);
    expect(await backbone.pending('orders.status', 'holder')).toBe(0);
  });

  it('keeps every message with maxAgeMs 0', async () => {
    const keeper = await openSqliteBackbone({ path: join(dir, 'keep.db'), pollIntervalMs: 20, maxAgeMs: 0 });
    await keeper.ensureTopic('t.keep');
    await keeper.publish('t.keep', Buffer.from('a'));
    await sleep(100);
    await keeper.publish('t.keep', Buffer.from('b'));
    expect((await keeper.read('t.keep', 1, 10)).length).toBe(2);
    await keeper.close();
  });
});
