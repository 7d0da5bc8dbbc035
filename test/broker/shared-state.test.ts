// Shared durable state on the NATS backbone (issue 12, part 3): API views and idempotency records live
// in JetStream Key-Value buckets, not on a pod's disk. Against a real nats-server: two workers serving
// the example estate's order-status API (they share one durable view consumer, so each is handed only
// part of the events) both answer for 200 of 200 orders; a worker started with a fresh state folder
// answers for all 200 at once; two idempotency stores on separate connections hand each key out once
// and a restarted one sees every commit and parked key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../lib/log.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { KvIdempotencyStore } from '../../runtime/delivery/kv-idempotency-store.ts';
import { estateFromBundles, loadBundles } from '../../runtime/worker/bundle.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import type { Worker } from '../../runtime/worker/start-worker.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import { startTargetServer } from './worker-fixtures.ts';
import type { TargetServer } from './worker-fixtures.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { REPO } from './scenario-support.ts';

const nats = await natsServerOrSkipReason();
const BUNDLES = join(REPO, 'generated/bundles');
const UNIT = 'api-order-status-v1';
const ORDERS = Array.from({ length: 200 }, (_, i) => `DP-2026-${String(100_000 + i)}`);
const KEY = 'shared-state-test-key';

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Skipped only on a developer machine that cannot build nats-server (no Go), with the reason printed;
// under INTERLACE_REQUIRE_ALL_TIERS=1 (.ci/run) the harness throws instead, so CI never skips this.
describe.skipIf('skip' in nats)('shared state in JetStream Key-Value (NATS backbone)', () => {
  let server: NatsServer | undefined;
  const backbones: JetStreamBackbone[] = [];
  const workers: Worker[] = [];
  const dirs: string[] = [];
  const targets: TargetServer[] = [];
  afterAll(async () => {
    for (const t of targets) await t.close();
    for (const w of workers) await w.close(500).catch(() => {});
    for (const b of backbones) await b.close().catch(() => {});
    await server?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** One "pod": its own NATS connection and its own (empty) state folder. */
  async function pod(name: string): Promise<{ backbone: JetStreamBackbone; worker: Worker; stateDir: string }> {
    const backbone = await openJetStreamBackbone({ servers: server!.url, name });
    backbones.push(backbone);
    const stateDir = mkdtempSync(join(tmpdir(), `interlace-${name}-`));
    dirs.push(stateDir);
    const estate = estateFromBundles(await loadBundles(BUNDLES, [UNIT]));
    const api = estate.apis.find((a) => a.metadata.name === 'order-status')!;
    // An API key instead of the dealers' OAuth2 provider, and room for 200 reads a second.
    api.spec.auth = { type: 'api-key', keysSecretRef: { name: 'order-status-keys' } };
    api.spec.rateLimit = { requests: 10_000, per: '1s' };
    const worker = await startWorker({
      bundleDir: BUNDLES,
      units: [UNIT],
      backbone,
      estate,
      stateDir,
      port: 0,
      logger: memoryLogger('warn').logger,
      owner: name,
      env: { ORDER_STATUS_KEYS_KEYS: `dealer:${KEY}` },
    });
    workers.push(worker);
    return { backbone, worker, stateDir };
  }

  async function known(worker: Worker): Promise<number> {
    let n = 0;
    for (let i = 0; i < ORDERS.length; i += 50) {
      const answers = await Promise.all(
        ORDERS.slice(i, i + 50).map(async (order) => {
          const res = await fetch(`${worker.url}/order-status/v1/orders/${order}`, { headers: { 'x-api-key': KEY } });
          const body = (await res.json()) as { orderNumber?: string; status?: string };
          return res.status === 200 && body.orderNumber === order && body.status === 'shipped';
        }),
      );
      n += answers.filter(Boolean).length;
    }
    return n;
  }

  it('two replicas of the order-status API both answer for 200 of 200 orders; a fresh pod knows them all at once', {
    timeout: 240_000,
  }, async () => {
    if ('skip' in nats) return;
    server = await startNatsServer(nats.binary);
    const a = await pod('order-status-a');
    const b = await pod('order-status-b');
    for (const [i, order] of ORDERS.entries()) {
      const event = (status: string, minute: number) => ({
        orderNumber: order,
        status,
        statusAt: `2026-03-02T10:${String(minute).padStart(2, '0')}:00Z`,
      });
      // Two changes per order: the view must end at the newer one on every replica.
      await a.backbone.publish('orders.status', Buffer.from(JSON.stringify(event('confirmed', i % 50))), { messageId: `${order}-1` });
      await a.backbone.publish('orders.status', Buffer.from(JSON.stringify(event('shipped', (i % 50) + 1))), { messageId: `${order}-2` });
    }
    await until(
      async () => (await a.backbone.pending('orders.status', 'view__order-status-v1__getOrderStatus')) === 0,
      'the view consumer to drain',
    );
    // Bounded wait, then the figures: with per-pod views each replica knows only the events it was handed.
    await until(async () => (await known(a.worker)) === ORDERS.length, 'replica a to know every order', 30_000).catch(() => {});
    expect({ a: await known(a.worker), b: await known(b.worker) }).toEqual({ a: 200, b: 200 });

    // A rollout: pod b goes away with its disk; a new pod with an empty state folder answers at once.
    const gone = workers.indexOf(b.worker);
    await b.worker.close(500);
    workers.splice(gone, 1);
    rmSync(b.stateDir, { recursive: true, force: true });
    const c = await pod('order-status-c');
    expect(await known(c.worker)).toBe(200);
  });

  it('idempotency: two stores on separate connections hand each key out once; a restarted store loses no commit or parked key', {
    timeout: 120_000,
  }, async () => {
    if ('skip' in nats) return;
    server ??= await startNatsServer(nats.binary);
    const open = async (name: string) => {
      const backbone = await openJetStreamBackbone({ servers: server!.url, name });
      backbones.push(backbone);
      return new KvIdempotencyStore(await backbone.keyValue('IDEMPOTENCY', 60_000), await backbone.keyValue('PARKED_KEYS', 60_000));
    };
    const one = await open('pod-1');
    const two = await open('pod-2');
    const keys = Array.from({ length: 200 }, (_, i) => `order-status-changed/crm/DP-${i} ü/${'x'.repeat(i % 3)}`);
    // Both pods race for every key at once: exactly one reservation each.
    const raced = await Promise.all(keys.flatMap((key) => [one.reserve(key, 'pod-1', 30_000), two.reserve(key, 'pod-2', 30_000)]));
    const reservedPerKey = keys.map((_, i) => [raced[2 * i]!, raced[2 * i + 1]!].filter((r) => r.status === 'reserved').length);
    expect(reservedPerKey.filter((n) => n !== 1)).toEqual([]);
    // The holder commits; the other pod then sees it committed, never reserved.
    await Promise.all(
      keys.map((key, i) => {
        const first = raced[2 * i]!;
        const second = raced[2 * i + 1]!;
        return first.status === 'reserved'
          ? one.commit(key, first.token)
          : second.status === 'reserved'
            ? two.commit(key, second.token)
            : undefined;
      }),
    );
    const again = await Promise.all(keys.map((key) => two.reserve(key, 'pod-2', 30_000)));
    expect(again.filter((r) => r.status !== 'committed')).toEqual([]);
    await one.park('order-status-changed/crm', 'DP-7', { sequence: 7, reason: 'http-422', at: '2026-03-02T10:00:00Z' });

    // A restarted pod (a new connection, a new store, nothing on disk) sees every commit and the parked key.
    const three = await open('pod-1');
    const afterRestart = await Promise.all(keys.map((key) => three.reserve(key, 'pod-1', 30_000)));
    expect(afterRestart.filter((r) => r.status !== 'committed')).toEqual([]);
    expect(await three.parked('order-status-changed/crm', 'DP-7')).toEqual({ sequence: 7, reason: 'http-422', at: '2026-03-02T10:00:00Z' });
    expect(await three.unpark('order-status-changed/crm', 'DP-7')).toBe(true);
    expect(await one.parked('order-status-changed/crm', 'DP-7')).toBeUndefined();

    // A live reservation of another pod is busy; a released one can be taken.
    const held = await one.reserve('fresh-key', 'pod-1', 30_000);
    expect(held.status).toBe('reserved');
    expect((await two.reserve('fresh-key', 'pod-2', 30_000)).status).toBe('busy');
    if (held.status === 'reserved') await one.release('fresh-key', held.token);
    expect((await two.reserve('fresh-key', 'pod-2', 30_000)).status).toBe('reserved');
  });

  it('duplicates are suppressed across instances: two workers of order-status-changed, every event published twice, one effect each', {
    timeout: 240_000,
  }, async () => {
    if ('skip' in nats) return;
    server ??= await startNatsServer(nats.binary);
    const crm = await startTargetServer();
    targets.push(crm);
    const unit = 'route-order-status-changed';
    const start = async (name: string) => {
      const backbone = await openJetStreamBackbone({ servers: server!.url, name });
      backbones.push(backbone);
      const stateDir = mkdtempSync(join(tmpdir(), `interlace-${name}-`));
      dirs.push(stateDir);
      const estate = estateFromBundles(await loadBundles(BUNDLES, [unit]));
      const system = estate.systems.find((s) => s.metadata.name === 'crm')!;
      system.spec.endpoint.url = crm.url;
      system.spec.auth = { type: 'none' };
      delete system.spec.limits;
      const worker = await startWorker({
        bundleDir: BUNDLES,
        units: [unit],
        backbone,
        estate,
        stateDir,
        port: 0,
        logger: memoryLogger('warn').logger,
        owner: name,
      });
      workers.push(worker);
      return { backbone, worker };
    };
    const one = await start('order-status-changed-1');
    const two = await start('order-status-changed-2');
    const events = ORDERS.map((order) => ({ orderNumber: order, status: 'delivered', statusAt: '2026-03-02T12:00:00Z' }));
    // Published twice without a message id (a source that repeats itself): two stream messages with the
    // same idempotency key (the payload's hash), handed to whichever worker asks first.
    for (const round of [1, 2])
      for (const event of events) await (round === 1 ? one : two).backbone.publish('orders.status', Buffer.from(JSON.stringify(event)));
    await until(
      async () => (await one.backbone.pending('orders.status', one.worker.consumers.find((c) => c.target === 'crm')!.consumer)) === 0,
      'the crm consumer to drain',
    );
    await until(() => one.worker.deliveriesInFlight() + two.worker.deliveriesInFlight() === 0, 'deliveries to settle');
    const suppressed = async (w: Worker) =>
      (await w.metrics.duplicatesSuppressed.get()).values.filter((v) => v.labels.target === 'crm').reduce((n, v) => n + v.value, 0);
    // The stream also holds the first test's events (this route's consumer is new): count this test's.
    const delivered = crm.applied.filter((body) => (body as { status?: string }).status === 'delivered');
    expect({
      delivered: delivered.length,
      orders: new Set(delivered.map((body) => (body as { orderNumber: string }).orderNumber)).size,
      repeated: [...crm.effects.values()].filter((n) => n > 1).length,
      suppressed: (await suppressed(one.worker)) + (await suppressed(two.worker)),
    }).toEqual({ delivered: 200, orders: 200, repeated: 0, suppressed: 200 });
  });
});
