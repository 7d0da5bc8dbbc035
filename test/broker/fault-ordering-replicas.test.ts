// Per-key order across replicas (issue 12 item 4, docs/decisions/0015): three `interlace worker`
// processes (three pods) run one `ordering: per-key` route on a real nats-server while both cores are
// saturated. A publisher interleaves many keys with several events each; the target records what it
// applied. Mid-run one replica is killed with SIGKILL (and started again, as its pod would be) and
// nats-server is SIGKILLed and restarted. Every key's events must be applied in publish order, every
// event once, none lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { saturateCpu } from '../helpers/cpu-hog.ts';
import type { CpuHog } from '../helpers/cpu-hog.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { eventually, freePort, generateBundlesFromText, startTargetServer, startWorkerProcess } from './worker-fixtures.ts';
import type { TargetServer, WorkerProcess } from './worker-fixtures.ts';

const prerequisite = await natsServerOrSkipReason();
const KEYS = Array.from({ length: 40 }, (_, i) => `K${String(i).padStart(3, '0')}`);
const PER_KEY = 15;
const REPLICAS = 3;

/** The WMS answers slowly enough to keep many deliveries in flight, and now and then with a 503 (retried). */
const estate = (wmsUrl: string) => `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: order-in }
spec:
  version: 1.0.0
  owner: team-test
  description: An order event; seq is its position among the events of its order.
  identity: [orderNumber]
  schema:
    type: object
    required: [orderNumber, seq]
    properties:
      orderNumber: { type: string }
      seq: { type: integer }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: pick }
spec:
  version: 1.0.0
  owner: team-test
  description: A pick order for the WMS.
  identity: [orderNo]
  schema:
    type: object
    additionalProperties: false
    required: [orderNo, seq]
    properties:
      orderNo: { type: string }
      seq: { type: integer }
---
apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: order-in-to-pick }
spec:
  from: order-in@1
  to: pick@1
  owner: team-test
  rules:
    - { target: orderNo, from: orderNumber }
    - { target: seq, from: seq }
---
apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: wms }
spec:
  type: wms
  hosting: cloud
  owner: team-test
  endpoint: { protocol: http, url: "${wmsUrl}", format: json }
  auth: { type: none }
  limits: { concurrency: 16, timeout: 10s }
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: order-picking }
spec:
  owner: team-test
  source: { topic: orders.in, contract: order-in@1 }
  key: [orderNumber]
  ordering: per-key
  scale: { replicas: ${REPLICAS} }
  targets:
    - name: wms
      system: wms
      operation: POST /picks/{orderNo}
      mapping: order-in-to-pick
      delivery:
        timeout: 10s
        retry: { maxAttempts: 50, initialBackoff: 20ms, maxBackoff: 200ms, multiplier: 2 }
        deadLetter: { topic: dlq.order-picking.wms }
`;

interface Pick {
  orderNo: string;
  seq: number;
}

describe.skipIf('skip' in prerequisite)('per-key order across replicas (three worker processes, saturated CPU)', () => {
  let nats: NatsServer | undefined;
  let publisher: JetStreamBackbone | undefined;
  let target: TargetServer | undefined;
  let hog: CpuHog | undefined;
  const workers: WorkerProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'interlace-ordering-replicas-'));
  afterAll(async () => {
    await hog?.stop();
    for (const w of workers) if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill('SIGKILL');
    await publisher?.close().catch(() => {});
    await target?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every key in publish order, each event once, through a kill -9 of a replica and a nats-server restart', {
    timeout: 480_000,
  }, async () => {
    if (!('binary' in prerequisite)) return;
    nats = await startNatsServer(prerequisite.binary);
    let calls = 0;
    target = await startTargetServer(() => {
      calls++;
      if (calls % 37 === 0) return { status: 503, delayMs: 2 };
      return { status: 200, delayMs: calls % 7 };
    });
    const bundleDir = await generateBundlesFromText(dir, estate(target.url));
    const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
    const args = (i: number) => [
      ...['--bundle', bundleDir, '--unit', 'route-order-picking', '--nats', nats!.url],
      ...['--state-dir', join(dir, `state-${i}`), '--port', String(ports[i]), '--host', '127.0.0.1'],
      ...['--ack-wait', '2s', '--worker-id', `replica-${i}`, '--grace', '5s', '--log-level', 'warn'],
    ];
    const replicas: WorkerProcess[] = [];
    const start = async (i: number) => {
      const w = startWorkerProcess(args(i));
      workers.push(w);
      replicas[i] = w;
      await eventually(
        async () => (await fetch(`http://127.0.0.1:${ports[i]}/readyz`).catch(() => undefined))?.status === 200,
        `replica ${i} to be ready:\n${w.output()}`,
        120_000,
      );
    };
    await Promise.all(Array.from({ length: REPLICAS }, (_, i) => start(i)));
    hog = saturateCpu();

    publisher = await openJetStreamBackbone({ servers: nats.url, name: 'ordering-publisher' });
    await publisher.ensureTopic('orders.in');
    const publishRounds = async (from: number, to: number) => {
      // Interleaved: K000#1, K001#1, …, K039#1, K000#2, … so every batch the replicas pull holds many keys.
      for (let seq = from; seq <= to; seq++)
        await Promise.all(
          KEYS.map((key) =>
            publisher!.publish('orders.in', Buffer.from(JSON.stringify({ orderNumber: key, seq })), { key, messageId: `${key}-${seq}` }),
          ),
        );
    };
    const total = KEYS.length * PER_KEY;
    const applied = () => target!.effects.size;
    const started = Date.now();
    await publishRounds(1, Math.floor(PER_KEY / 2));

    // A replica dies with deliveries in flight; its pod comes back (same worker id, empty memory).
    await eventually(() => applied() >= total / 6, 'the first picks', 120_000);
    replicas[0]!.process.kill('SIGKILL');
    await replicas[0]!.exited;
    const atKill = applied();
    await start(0);

    // nats-server dies (SIGKILL) and comes back while events are still being published and delivered.
    await eventually(() => applied() >= total / 3, 'more picks after the kill', 180_000);
    const restarting = nats.restart({ kill: true, downMs: 1_000 });
    const rest = publishRounds(Math.floor(PER_KEY / 2) + 1, PER_KEY);
    await restarting;
    const atRestart = applied();
    await rest;

    await eventually(() => applied() >= total, `${total} picks at the target (have ${applied()})`, 240_000);
    await eventually(async () => (await publisher!.pending('orders.in', 'order-picking__wms')) === 0, 'the consumer to drain', 120_000);
    // What was in flight at the faults has settled; nothing more arrives.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const byKey = new Map<string, number[]>();
    const once = new Set<string>();
    for (const body of target.applied as Pick[]) {
      const id = `${body.orderNo}#${body.seq}`;
      if (once.has(id)) continue; // the same Idempotency-Key again: a target honouring it applies nothing
      once.add(id);
      byKey.set(body.orderNo, [...(byKey.get(body.orderNo) ?? []), body.seq]);
    }
    const outOfOrder = [...byKey].filter(([, seqs]) => seqs.some((s, i) => i > 0 && s < seqs[i - 1]!));
    const repeatedKeys = [...target.effects.values()].filter((n) => n > 1).length;
    const deliveredBy = await Promise.all(
      ports.map(async (port) => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith('interlace_route_messages_total') && l.includes('outcome="delivered"'));
        return Number(line?.split(' ').at(-1) ?? 0);
      }),
    );
    console.log(
      `[ordering-replicas] ${total} events, ${KEYS.length} keys, ${REPLICAS} replica processes, ${hog.processes} hog processes: ` +
        `${Date.now() - started} ms; applied at the kill ${atKill}, at the restart ${atRestart}; delivered per replica since its start ` +
        `${deliveredBy.join(' / ')}; target calls ${calls}, idempotency keys sent more than once ${repeatedKeys}`,
    );
    // Every event reached the target under one idempotency key (two keys for one event would be two effects).
    expect(target.effects.size).toBe(total);
    expect({
      events: once.size,
      keys: byKey.size,
      outOfOrder: outOfOrder.slice(0, 3).map(([key, seqs]) => `${key}: ${seqs.join(',')}`),
    }).toEqual({ events: total, keys: KEYS.length, outOfOrder: [] });
    for (const [, seqs] of byKey) expect(seqs).toEqual(Array.from({ length: PER_KEY }, (_, i) => i + 1));
    // It ran on more than one replica at a time (the surviving two at least).
    expect(deliveredBy.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    for (const w of replicas) w.process.kill('SIGTERM');
    await Promise.all(replicas.map((w) => w.exited));
  });
});
