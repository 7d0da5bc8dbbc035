// The durable memory of edge adapters (runtime/adapters/adapter-state.ts): the same contract on
// JetStream Key-Value (a real nats-server) and on node:sqlite — a compare-and-set wins once, a second
// writer with a stale expectation loses, and a value survives reopening.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KvAdapterState, SqliteAdapterState } from '../../runtime/adapters/adapter-state.ts';
import type { AdapterState } from '../../runtime/adapters/adapter-state.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';

const nats = await natsServerOrSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'adapter-state-'));
let server: NatsServer | undefined;
const backbones: JetStreamBackbone[] = [];
afterAll(async () => {
  for (const backbone of backbones) await backbone.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function contract(first: AdapterState, second: AdapterState, reopened: () => Promise<AdapterState>): Promise<void> {
  expect(await first.get('watermark')).toBeUndefined();
  expect(await first.update('watermark', undefined, '2026-01-01T00:00:00Z')).toBe(true);
  // The second replica read nothing and tries to create: it loses.
  expect(await second.update('watermark', undefined, '2026-01-02T00:00:00Z')).toBe(false);
  expect(await second.update('watermark', '2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z')).toBe(true);
  expect(await first.update('watermark', '2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z')).toBe(false);
  expect(await first.get('watermark')).toBe('2026-01-03T00:00:00Z');
  await first.put('file:ORDERS 1.csv', 'done');
  expect(await (await reopened()).get('file:ORDERS 1.csv')).toBe('done');
  await first.delete('file:ORDERS 1.csv');
  expect(await second.get('file:ORDERS 1.csv')).toBeUndefined();
  expect(await second.update('file:ORDERS 1.csv', undefined, 'again')).toBe(true);
}

describe('adapter state', () => {
  it('node:sqlite: compare-and-set and durability', async () => {
    const path = join(dir, 'state.db');
    await contract(
      new SqliteAdapterState(path, 'poll/erp'),
      new SqliteAdapterState(path, 'poll/erp'),
      async () => new SqliteAdapterState(path, 'poll/erp'),
    );
    // Scopes do not see each other.
    expect(await new SqliteAdapterState(path, 'poll/other').get('watermark')).toBeUndefined();
  });

  it.skipIf('skip' in nats)('JetStream Key-Value: compare-and-set across connections and durability', async () => {
    server = await startNatsServer((nats as { binary: string }).binary);
    const open = async () => {
      const backbone = await openJetStreamBackbone({ servers: server!.url, name: 'adapter-state-test' });
      backbones.push(backbone);
      return new KvAdapterState(await backbone.keyValue('ADAPTERS', 0), 'poll/erp');
    };
    await contract(await open(), await open(), open);
  });
});
