// The worker's delivery semantics end to end: a generated bundle, the embedded (sqlite) backbone, the
// sqlite idempotency store, and real loopback HTTP servers as the target System that answer 500, 503
// with Retry-After, stall past the timeout, answer slowly or 400, and count every effect.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone, Delivery } from '../../runtime/backbone/backbone.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import type { DeadLetter } from '../../runtime/delivery/dead-letter.ts';
import { memoryLogger } from '../../lib/log.ts';
import { memoryTracer } from '../../runtime/observe/trace.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import type { Worker } from '../../runtime/worker/start-worker.ts';
import type { WorkerEstate } from '../../runtime/worker/estate.ts';
import { eventually, generateTestEstate, startTargetServer } from './worker-fixtures.ts';
import type { Answer, TargetRequest, TargetServer } from './worker-fixtures.ts';

let generated: Awaited<ReturnType<typeof generateTestEstate>>;
beforeAll(async () => {
  generated = await generateTestEstate();
}, 120_000);
afterAll(() => generated?.cleanup());

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

const ENV = { WMS_KEY_API_KEY: 'wms-secret-key', PICK_STATUS_KEYS_KEYS: 'dealer-1:k1' };

interface Harness {
  worker: Worker;
  backbone: Backbone;
  target: TargetServer;
  logs: Record<string, unknown>[];
  publish(order: Record<string, unknown>, messageId?: string): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  stateDir: string;
}

async function harness(
  answer: (request: TargetRequest, n: number) => Answer,
  options: {
    breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
    backbone?: (b: Backbone) => Backbone;
    ackWaitMs?: number;
  } = {},
): Promise<Harness> {
  const stateDir = mkdtempSync(join(tmpdir(), 'interlace-worker-state-'));
  const raw = await openSqliteBackbone({ path: join(stateDir, 'backbone.db'), pollIntervalMs: 20 });
  const backbone = options.backbone ? options.backbone(raw) : raw;
  const target = await startTargetServer(answer);
  const estate: WorkerEstate = generated.estate();
  estate.systems.find((s) => s.metadata.name === 'wms')!.spec.endpoint.url = target.url;
  const { logger, lines } = memoryLogger('debug');
  const worker = await startWorker({
    bundleDir: generated.bundleDir,
    units: ['route-order-picking'],
    backbone,
    estate,
    stateDir,
    env: ENV,
    port: 0,
    logger,
    tracer: memoryTracer().tracer,
    breaker: options.breaker ?? { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
    ...(options.ackWaitMs ? { ackWaitMs: options.ackWaitMs } : {}),
  });
  open.push({
    close: async () => {
      await worker.close(1000);
      await raw.close();
      await target.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  });
  await backbone.ensureTopic('orders.in');
  return {
    worker,
    backbone,
    target,
    logs: lines,
    stateDir,
    publish: async (order, messageId) => {
      await backbone.publish('orders.in', Buffer.from(JSON.stringify(order)), {
        key: String(order['orderNumber']),
        ...(messageId ? { messageId } : {}),
      });
    },
    deadLetters: async () => {
      await backbone.ensureTopic('dlq.order-picking.wms');
      return (await backbone.read('dlq.order-picking.wms', 1, 10_000)).map(
        (m) => JSON.parse(Buffer.from(m.payload).toString('utf8')) as DeadLetter,
      );
    },
  };
}

const orderOf = (request: TargetRequest) => (request.body as { orderNo: string }).orderNo;
const count = (worker: Worker, outcome: string) =>
  worker.metrics.value('interlace_route_messages_total', { route: 'order-picking', target: 'wms', outcome });

describe('worker delivery to an HTTP System', () => {
  it('balances received = delivered + dead-lettered across 500, 503 + Retry-After, timeouts, slow answers and 400, with one effect per message', async () => {
    const seen = new Map<string, number>();
    const h = await harness((request) => {
      const order = orderOf(request);
      const n = (seen.get(order) ?? 0) + 1;
      seen.set(order, n);
      if (order.startsWith('FLAKY')) return n <= 2 ? { status: 500 } : { status: 201 };
      if (order.startsWith('BUSY')) return n === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 };
      if (order.startsWith('STALL')) return n === 1 ? 'stall' : { status: 200 };
      if (order.startsWith('SLOW')) return { status: 200, delayMs: 150 };
      if (order.startsWith('BAD')) return { status: 400, body: { error: 'unknown warehouse' } };
      if (order.startsWith('DOWN')) return { status: 500 };
      return { status: 200 };
    });
    const kinds = ['OK', 'FLAKY', 'BUSY', 'STALL', 'SLOW', 'BAD', 'DOWN'];
    const orders = kinds.flatMap((kind) => [1, 2, 3].map((i) => `${kind}-${i}`));
    for (const [i, orderNumber] of orders.entries()) await h.publish({ orderNumber, warehouse: 'DE01', quantity: 1 + i, seq: i });

    await eventually(
      async () => (await count(h.worker, 'delivered')) + (await count(h.worker, 'dead_lettered')) === orders.length,
      'every message settled',
      60_000,
    );
    const delivered = await count(h.worker, 'delivered');
    const deadLettered = await count(h.worker, 'dead_lettered');
    expect(delivered + deadLettered).toBe(orders.length);
    expect(delivered).toBe(15);
    expect(deadLettered).toBe(6);

    // One effect per delivered message, never two; none for the dead-lettered ones.
    expect([...h.target.effects.values()].every((n) => n === 1)).toBe(true);
    expect(h.target.effects.size).toBe(15);
    // The request carried the System's API key from the environment and a W3C traceparent.
    const first = h.target.requests[0]!;
    expect(first.headers['x-wms-key']).toBe('wms-secret-key');
    expect(first.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(first.path).toMatch(/^\/picks\/[A-Z]+-\d$/);

    // Retry-After: 1 was honoured (the retry came at least ~1 s later, not after 20-100 ms backoff).
    const busy = h.target.requests.filter((r) => orderOf(r) === 'BUSY-1');
    expect(busy).toHaveLength(2);
    expect(busy[1]!.at - busy[0]!.at).toBeGreaterThanOrEqual(950);

    const letters = await h.deadLetters();
    expect(letters).toHaveLength(6);
    const bad = letters.find((l) => l.message.payload && (l.message.payload as { orderNumber: string }).orderNumber === 'BAD-1')!;
    expect(bad).toMatchObject({
      route: 'order-picking',
      target: 'wms',
      system: 'wms',
      kind: 'permanent',
      businessKeys: { order_number: 'BAD-1', warehouse: 'DE01' },
    });
    expect(bad.reason).toMatch(/^http-400/);
    expect(bad.attempts).toHaveLength(1);
    expect(bad.attempts[0]).toMatchObject({ status: 400, reason: 'http-400' });
    expect(bad.message.headers['traceparent']).toBeUndefined();
    const down = letters.find((l) => (l.message.payload as { orderNumber: string }).orderNumber === 'DOWN-1')!;
    expect(down.kind).toBe('exhausted');
    expect(down.attempts.map((a) => a.status)).toEqual([500, 500, 500]);
    expect(h.target.requests.filter((r) => orderOf(r) === 'DOWN-1')).toHaveLength(3);
    // Timeouts are attempts too: the stalled first attempt was given up after 300 ms and retried.
    expect(h.target.requests.filter((r) => orderOf(r) === 'STALL-1')).toHaveLength(2);
    expect(
      await h.worker.metrics.value('interlace_delivery_attempts_total', { route: 'order-picking', target: 'wms', result: 'transient' }),
    ).toBeGreaterThanOrEqual(6 + 3 + 3 + 9);

    // The log line of a dead letter carries the business keys; no line carries the secret.
    const line = h.logs.find((l) => l['msg'] === 'dead-lettered' && l['order_number'] === 'BAD-1');
    expect(line).toMatchObject({ level: 'warn', route: 'order-picking', target: 'wms', warehouse: 'DE01', kind: 'permanent' });
    expect(JSON.stringify(h.logs)).not.toContain('wms-secret-key');

    // The topic target got every message (no system, no failures), with the idempotency key as message id.
    await eventually(async () => (await h.backbone.read('orders.archive', 1, 100)).length === orders.length, 'archive complete');
  }, 90_000);

  it('sends contract violations straight to the dead letter without calling the target', async () => {
    const h = await harness(() => ({ status: 200 }));
    await h.publish({ orderNumber: 'V-1', warehouse: 'DE01', quantity: 'three' });
    await h.publish({ orderNumber: 'V-2', warehouse: 'DE01', quantity: 0 });
    await h.publish({ orderNumber: 'V-3', warehouse: 'DE01', quantity: 3 });
    await eventually(async () => (await count(h.worker, 'dead_lettered')) === 2 && (await count(h.worker, 'delivered')) === 1, 'settled');
    expect(h.target.requests.map(orderOf)).toEqual(['V-3']);
    const letters = await h.deadLetters();
    expect(letters.map((l) => [l.kind, l.reason.split(':')[0]])).toEqual([
      ['permanent', 'contract-violation'],
      ['permanent', 'contract-violation'],
    ]);
    expect(letters[0]!.reason).toContain('/quantity');
    expect(letters[1]!.reason).toContain('target contract');
  });

  it('suppresses duplicate deliveries: lost acks and a re-sent payload make no second effect', async () => {
    // A backbone whose first ack of every message is lost on the way: the message comes back after ackWait.
    const dropFirstAck = (inner: Backbone): Backbone => ({
      ...inner,
      ensureTopic: (t) => inner.ensureTopic(t),
      publish: (t, p, o) => inner.publish(t, p, o),
      pending: (t, c) => inner.pending(t, c),
      read: (t, f, l) => inner.read(t, f, l),
      close: () => inner.close(),
      subscribe: (topic, consumer, handler, options) =>
        inner.subscribe(
          topic,
          consumer,
          (delivery: Delivery) => {
            if (topic !== 'orders.in' || delivery.deliveryCount > 1) return handler(delivery);
            return handler({ ...delivery, ack: async () => {}, nak: delivery.nak, term: delivery.term, working: delivery.working });
          },
          options,
        ),
    });
    const h = await harness(() => ({ status: 200 }), { backbone: dropFirstAck, ackWaitMs: 400 });
    const n = 20;
    for (let i = 0; i < n; i++) await h.publish({ orderNumber: `D-${i}`, warehouse: 'US01', quantity: 1 }, `evt-${i}`);
    // The same event sent again by the source without a message id: same payload, same effect.
    await h.publish({ orderNumber: 'D-X', warehouse: 'US01', quantity: 5 });
    await h.publish({ orderNumber: 'D-X', warehouse: 'US01', quantity: 5 });
    await eventually(
      async () =>
        (await h.worker.metrics.value('interlace_duplicates_suppressed_total', { route: 'order-picking', target: 'wms' })) >= n + 2,
      'redeliveries suppressed',
      45_000,
    );
    expect(h.target.effects.size).toBe(n + 1);
    expect([...h.target.effects.values()].every((c) => c === 1)).toBe(true);
    expect(await count(h.worker, 'delivered')).toBe(n + 1);
    expect(await count(h.worker, 'dead_lettered')).toBe(0);
  }, 60_000);

  it('opens the circuit after consecutive failures, fails fast while open, half-opens and closes again', async () => {
    let healthy = false;
    const h = await harness(() => (healthy ? { status: 200 } : { status: 503 }), {
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 400 },
    });
    const states: number[] = [];
    h.worker.budgets.get('wms').breaker.onStateChange((s) => states.push(s as number));
    await h.publish({ orderNumber: 'C-1', warehouse: 'DE01', quantity: 1 });
    // 3 attempts, 3 failures: the circuit opens and the message is exhausted.
    await eventually(async () => (await count(h.worker, 'dead_lettered')) === 1, 'first message exhausted');
    expect(states).toEqual([1]);
    expect(await h.worker.metrics.value('interlace_circuit_state', { system: 'wms' })).toBe(1);
    const before = h.target.requests.length;
    healthy = true;
    await h.publish({ orderNumber: 'C-2', warehouse: 'DE01', quantity: 1 });
    await eventually(async () => (await count(h.worker, 'delivered')) === 1, 'delivered after half-open', 20_000);
    // While open nothing reached the System; the trial call after halfOpenAfter succeeded and closed it.
    expect(h.target.requests.length - before).toBe(1);
    expect(states).toEqual([1, 2, 0]);
    expect(await h.worker.metrics.value('interlace_circuit_state', { system: 'wms' })).toBe(0);
    const metrics = await (await fetch(`${h.worker.url}/metrics`)).text();
    expect(metrics).toContain('interlace_circuit_state{system="wms"} 0');
    expect(metrics).toMatch(/interlace_dead_letter_depth\{route="order-picking",target="wms",topic="dlq.order-picking.wms"\} 1/);
  }, 45_000);

  it('keeps per-key order; a poison message parks only its own key while the others continue', async () => {
    const h = await harness((request) => {
      const body = request.body as { orderNo: string; seq: number };
      if (body.orderNo === 'A' && body.seq === 2) return { status: 500, delayMs: 150 };
      return { status: 200, delayMs: 5 };
    });
    const sequence: [string, number][] = [
      ['A', 1],
      ['B', 1],
      ['A', 2],
      ['B', 2],
      ['A', 3],
      ['C', 1],
      ['B', 3],
      ['C', 2],
      ['A', 4],
    ];
    for (const [key, seq] of sequence) await h.publish({ orderNumber: key, warehouse: 'DE01', quantity: 1, seq });
    await eventually(
      async () =>
        (await count(h.worker, 'delivered')) === 6 &&
        (await count(h.worker, 'dead_lettered')) === 1 &&
        (await count(h.worker, 'parked')) === 2,
      'settled',
      45_000,
    );
    const applied = (h.target.applied as { orderNo: string; seq: number }[]).map((b) => `${b.orderNo}${b.seq}`);
    // Per key, effects happen in publish order; B and C were not held up by A's retries.
    expect(applied.filter((a) => a.startsWith('B'))).toEqual(['B1', 'B2', 'B3']);
    expect(applied.filter((a) => a.startsWith('C'))).toEqual(['C1', 'C2']);
    expect(applied.filter((a) => a.startsWith('A'))).toEqual(['A1']);
    const a2Attempts = h.target.requests.filter((r) => orderOf(r) === 'A' && (r.body as { seq: number }).seq === 2);
    const lastB = h.target.requests.find((r) => orderOf(r) === 'B' && (r.body as { seq: number }).seq === 3)!;
    expect(lastB.at).toBeLessThan(a2Attempts[a2Attempts.length - 1]!.at);
    // A2 exhausted; A3 and A4 dead-lettered behind it in order, so a replay restores the order.
    const letters = await h.deadLetters();
    expect(letters.map((l) => [(l.message.payload as { seq: number }).seq, l.kind])).toEqual([
      [2, 'exhausted'],
      [3, 'parked'],
      [4, 'parked'],
    ]);
    expect(letters[1]!.reason).toContain('parked behind');
    expect(await h.worker.idempotency.parked('order-picking__wms', 'A')).toMatchObject({ reason: 'http-500' });
    expect(await h.worker.idempotency.parked('order-picking__wms', 'B')).toBeUndefined();
  }, 60_000);
});
