// Per-key ordering across replicas (issue 12 part 4): two workers of one `ordering: per-key` route, each
// with its own NATS connection and state folder (two pods), consume the same durable JetStream
// consumers while both cores are saturated. Every key's events must reach the target System in publish
// order, and none twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../lib/log.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import type { Worker } from '../../runtime/worker/start-worker.ts';
import { saturateCpu } from '../helpers/cpu-hog.ts';
import type { CpuHog } from '../helpers/cpu-hog.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { eventually, generateTestEstate, startTargetServer } from './worker-fixtures.ts';
import type { TargetServer } from './worker-fixtures.ts';

const nats = await natsServerOrSkipReason();
const KEYS = Array.from({ length: 60 }, (_, i) => `K${String(i).padStart(3, '0')}`);
const PER_KEY = 20;
const ENV = { WMS_KEY_API_KEY: 'wms-secret-key', PICK_STATUS_KEYS_KEYS: 'dealer-1:k1' };

interface Pick {
  orderNo: string;
  seq: number;
}

describe.skipIf('skip' in nats)('per-key ordering across two replicas (NATS backbone, saturated CPU)', () => {
  let server: NatsServer | undefined;
  let hog: CpuHog | undefined;
  let generated: Awaited<ReturnType<typeof generateTestEstate>> | undefined;
  const backbones: JetStreamBackbone[] = [];
  const workers: Worker[] = [];
  const dirs: string[] = [];
  let target: TargetServer | undefined;

  beforeAll(async () => {
    generated = await generateTestEstate();
  }, 120_000);
  afterAll(async () => {
    await hog?.stop();
    for (const w of workers) await w.close(1000).catch(() => {});
    for (const b of backbones) await b.close().catch(() => {});
    await target?.close();
    await server?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    generated?.cleanup();
  });

  /** One "pod" of route-order-picking: its own connection, its own state folder. */
  async function pod(name: string): Promise<{ backbone: JetStreamBackbone; worker: Worker }> {
    const backbone = await openJetStreamBackbone({ servers: server!.url, name });
    backbones.push(backbone);
    const stateDir = mkdtempSync(join(tmpdir(), `interlace-ordering-${name}-`));
    dirs.push(stateDir);
    const estate = generated!.estate();
    const wms = estate.systems.find((s) => s.metadata.name === 'wms')!;
    wms.spec.endpoint.url = target!.url;
    wms.spec.limits = { concurrency: 16, timeout: '10s' };
    // Generous attempts and timeout: on a saturated machine a slow answer must be retried, not dead-lettered.
    const route = estate.routes.find((r) => r.metadata.name === 'order-picking')!;
    for (const t of route.spec.targets)
      t.delivery = { ...t.delivery, timeout: '10s', retry: { maxAttempts: 50, initialBackoff: '20ms', maxBackoff: '200ms' } };
    const worker = await startWorker({
      bundleDir: generated!.bundleDir,
      units: ['route-order-picking'],
      backbone,
      estate,
      stateDir,
      env: ENV,
      port: 0,
      logger: memoryLogger('warn').logger,
      owner: name,
      breaker: { consecutiveFailures: 100_000, halfOpenAfterMs: 100 },
      ackWaitMs: 5_000,
    });
    workers.push(worker);
    return { backbone, worker };
  }

  it('every key reaches the target in publish order, none twice; the standby replica takes over when the active one stops', {
    timeout: 300_000,
  }, async () => {
    if ('skip' in nats) return;
    server = await startNatsServer(nats.binary);
    // The simulated WMS answers after a short, varying delay and now and then with a 503 (retried), and
    // honours Idempotency-Key as a real one does: a repeated key is acknowledged without a second effect.
    let calls = 0;
    let repeats = 0;
    const effects: Pick[] = [];
    const seen = new Set<string>();
    target = await startTargetServer((request) => {
      calls++;
      if (calls % 37 === 0) return { status: 503, delayMs: 2 };
      const key = String(request.headers['idempotency-key'] ?? '');
      if (seen.has(key)) repeats++;
      else {
        seen.add(key);
        effects.push(request.body as Pick);
      }
      return { status: 200, delayMs: calls % 7 };
    });
    const pods = [await pod('pod-1'), await pod('pod-2')];
    hog = saturateCpu();
    await pods[0]!.backbone.ensureTopic('orders.in');
    const publish = async (from: number, to: number) => {
      // Interleaved: K000#1, K001#1, …, K059#1, K000#2, … so every batch holds many keys.
      for (let seq = from; seq <= to; seq++)
        await Promise.all(
          KEYS.map((key) =>
            pods[1]!.backbone.publish('orders.in', Buffer.from(JSON.stringify({ orderNumber: key, warehouse: 'DE01', quantity: 1, seq })), {
              key,
              messageId: `${key}-${seq}`,
            }),
          ),
        );
    };
    const delivered = (w: Worker) =>
      w.metrics.value('interlace_route_messages_total', { route: 'order-picking', target: 'wms', outcome: 'delivered' });
    const half = KEYS.length * (PER_KEY / 2);
    const total = KEYS.length * PER_KEY;
    const started = Date.now();
    await publish(1, PER_KEY / 2);
    await eventually(() => effects.length >= half / 2, 'the first picks', 120_000);

    // The replica that holds the route target stops (a rollout, a scale-down) with deliveries in flight.
    const counts = [await delivered(pods[0]!.worker), await delivered(pods[1]!.worker)];
    const active = counts[0]! > 0 ? 0 : 1;
    expect(counts[1 - active]).toBe(0); // one replica at a time
    const stoppedAt = Date.now();
    await pods[active]!.worker.close(1000);
    await publish(PER_KEY / 2 + 1, PER_KEY);
    const standby = pods[1 - active]!.worker;
    await eventually(async () => (await delivered(standby)) > 0, 'the standby replica to take over', 120_000);
    const takeoverMs = Date.now() - stoppedAt;
    await eventually(() => effects.length >= total, `${total} picks at the target`, 120_000);
    await eventually(() => standby.deliveriesInFlight() === 0, 'deliveries to settle', 30_000);

    const byKey = new Map<string, number[]>();
    for (const body of effects) byKey.set(body.orderNo, [...(byKey.get(body.orderNo) ?? []), body.seq]);
    const outOfOrder = [...byKey].filter(([, seqs]) => seqs.some((s, i) => i > 0 && s < seqs[i - 1]!));
    console.log(
      `[ordering-replicas] ${total} events, ${KEYS.length} keys, 2 replicas, ${hog.processes} hog processes: ${Date.now() - started} ms; ` +
        `delivered before the stop ${counts.join(' / ')}, by the standby ${await delivered(standby)}; takeover ${takeoverMs} ms; ` +
        `target calls ${calls}, repeated idempotency keys ${repeats}`,
    );
    expect({
      effects: effects.length,
      distinct: new Set(effects.map((e) => `${e.orderNo}#${e.seq}`)).size,
      keys: byKey.size,
      outOfOrder: outOfOrder.slice(0, 3).map(([key, seqs]) => `${key}: ${seqs.join(',')}`),
    }).toEqual({ effects: total, distinct: total, keys: KEYS.length, outOfOrder: [] });
    for (const [, seqs] of byKey) expect(seqs).toEqual(Array.from({ length: PER_KEY }, (_, i) => i + 1));
  });

  it('a consumer made before exclusive subscriptions existed is upgraded in place, keeping its position', async () => {
    if ('skip' in nats) return;
    server ??= await startNatsServer(nats.binary);
    const backbone = await openJetStreamBackbone({ servers: server.url, name: 'upgrade' });
    backbones.push(backbone);
    await backbone.ensureTopic('upgrade.events');
    for (let i = 1; i <= 3; i++) await backbone.publish('upgrade.events', Buffer.from(String(i)));
    const seen: number[] = [];
    const consume = async (exclusive: boolean, count: number) => {
      const sub = await backbone.subscribe(
        'upgrade.events',
        'upgrade-consumer',
        async (d) => {
          seen.push(d.sequence);
          await d.ack();
        },
        { exclusive, ackWaitMs: 5_000 },
      );
      await eventually(() => seen.length >= count, `${count} deliveries`, 15_000);
      await sub.stop();
    };
    await consume(false, 3);
    for (let i = 4; i <= 5; i++) await backbone.publish('upgrade.events', Buffer.from(String(i)));
    await consume(true, 5);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });
});
