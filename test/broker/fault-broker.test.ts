// Backbone faults. JetStream: nats-server is restarted (SIGKILL, 1 s down) while orders flow; nothing is
// lost, nothing is applied twice. Embedded store: the disk fills up (the store's size limit) while the
// systems publish; the error is a clear BackboneStorageFullError, nothing is acknowledged that was not
// stored (what the source published = what the topic holds), and what was stored is delivered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saturateCpu } from '../helpers/cpu-hog.ts';
import type { CpuHog } from '../helpers/cpu-hog.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackboneStorageFullError } from '../../runtime/backbone/errors.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { creditRefused, ordersLost } from './order-outcomes.ts';
import { backboneFactories, duplicateDetail, startEstate, unbalanced } from './scenario-support.ts';
import type { BackboneUnderTest } from './scenario-support.ts';
import type { EstateRun } from '../../runtime/run/estate-run.ts';

const factories = await backboneFactories();
const jetstream = factories.find((f) => f.name === 'jetstream')!;

// Both cores busy for the whole file: the races these faults provoke show on a loaded machine. (Hence
// the generous timeouts: building and starting the estate alone takes 40–80 s on a saturated 2-core box.)
let hog: CpuHog | undefined;
beforeAll(() => {
  hog = saturateCpu();
});
afterAll(async () => {
  await hog?.stop();
});

// Skipped only on a developer machine that cannot build the server (no Go), with the reason printed;
// under INTERLACE_REQUIRE_ALL_TIERS=1 (.ci/run) the harness throws instead, so CI never skips this.
describe.skipIf(jetstream.skip !== undefined)('nats-server restarted mid-stream (jetstream)', () => {
  let bb: BackboneUnderTest | undefined;
  let run: EstateRun | undefined;
  afterAll(async () => {
    await run?.stop();
    await bb?.close();
  });

  it('loses nothing and applies nothing twice', { timeout: 420_000 }, async () => {
    bb = await jetstream.open();
    run = await startEstate(bb);
    const sim = run.simulation!;
    const orders = sim.sendOrders(150);
    await new Promise((r) => setTimeout(r, 1_500));
    await bb.nats!.restart({ kill: true, downMs: 1_000 });
    const more = sim.sendOrders(50);
    expect(await run.settle({ timeoutMs: 240_000, quietMs: 2_000 })).toBe(true);
    const all = [...orders, ...more];
    // Every order is a sales order; all but those whose credit was refused (cancelled) are picked and delivered.
    const refused = creditRefused(sim, all);
    expect(sim.legacyErp.ledger.count('sales-order')).toBe(all.length);
    expect(sim.wms.ledger.count('pick')).toBe(all.length - refused.length);
    expect(ordersLost(sim, all)).toEqual([]);
    expect(sim.duplicateEffects(), duplicateDetail(run)).toEqual(Object.fromEntries(sim.systems.map((s) => [s.name, 0])));
    expect(sim.divergence().legacyVsWms).toEqual([]);
    const off = await unbalanced(run);
    if (off.length) console.error('unbalanced after the restart', JSON.stringify(off));
    expect(off).toEqual([]);
  });
});

describe('full disk of the embedded store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-disk-full-'));
  let run: EstateRun | undefined;
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await run?.stop();
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a clear error, and nothing is acknowledged that was not stored', { timeout: 420_000 }, async () => {
    const backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db'), maxBytes: 3 * 1024 * 1024, pollIntervalMs: 50 });
    close = () => backbone.close();
    const bb: BackboneUnderTest = { name: 'embedded', backbone, dir, close: async () => {} };
    run = await startEstate(bb);
    const sim = run.simulation!;
    // Dealers keep ordering until the store refuses.
    const deadline = Date.now() + 60_000;
    while (!(sim.publisher.error instanceof BackboneStorageFullError) && Date.now() < deadline) {
      sim.sendOrders(100);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(sim.publisher.error).toBeInstanceOf(BackboneStorageFullError);
    expect(String((sim.publisher.error as Error).message)).toMatch(/full.*not stored/);
    // The refused event may be another system's (the outbox is one ordered queue): orders placed now
    // certainly queue behind it, so the portal knows orders the topic does not hold.
    sim.sendOrders(20);
    await new Promise((r) => setTimeout(r, 1_000));
    // What the portal was told is stored is exactly what the topic holds; the rest waits in its outbox.
    let stored = 0;
    for (let from = 1; ; ) {
      const batch = await backbone.read('dealer-portal.order.submitted', from, 1_000);
      stored += batch.length;
      if (batch.length < 1_000) break;
      from = batch.at(-1)!.sequence + 1;
    }
    expect(sim.publisher.counters.byTopic['dealer-portal.order.submitted']).toBe(stored);
    expect(sim.publisher.backlog).toBeGreaterThan(0);
    expect(sim.dealerPortal.submitted.size).toBeGreaterThan(stored);
    // No target saw an effect twice, whatever got through.
    expect(sim.duplicateEffects(), duplicateDetail(run)).toEqual(Object.fromEntries(sim.systems.map((s) => [s.name, 0])));
  });
});
