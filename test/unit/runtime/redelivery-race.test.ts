// The race test/broker/fault-broker.test.ts found with a real nats-server restart, reproduced step by
// step: JetStream redelivers a message after its ack deadline (the acks could not reach the broker)
// while this worker's first delivery of it is still calling the target. The redelivery must attach to
// the first delivery's outcome — never call the target a second time — and be acked as a duplicate.
//
// The backbone here is a hand-driven stand-in behind the narrow Backbone interface (it hands the
// consumer the two deliveries exactly when the test says); the pipeline under test is the real
// RouteTargetConsumer with the real sqlite idempotency store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backbone, Delivery, DeliveryHandler, Message } from '../../../runtime/backbone/backbone.ts';
import { deliveryPolicyOf } from '../../../runtime/delivery/policy.ts';
import { RouteTargetConsumer } from '../../../runtime/delivery/route-consumer.ts';
import type { RouteTargetRuntime } from '../../../runtime/delivery/route-target.ts';
import { SqliteIdempotencyStore } from '../../../runtime/delivery/sqlite-idempotency-store.ts';
import { SystemBudgets } from '../../../runtime/delivery/system-budget.ts';
import type { TargetCall } from '../../../runtime/delivery/targets.ts';
import { memoryLogger } from '../../../lib/log.ts';
import { RuntimeMetrics } from '../../../runtime/observe/metrics.ts';
import { memoryTracer } from '../../../runtime/observe/trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'interlace-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A backbone whose deliveries the test hands over one by one. */
function handDrivenBackbone() {
  let handler: DeliveryHandler | undefined;
  const published: { topic: string; payload: unknown }[] = [];
  const backbone: Backbone = {
    ensureTopic: async () => {},
    publish: async (topic, payload) => {
      published.push({ topic, payload: JSON.parse(Buffer.from(payload).toString('utf8')) });
      return { sequence: published.length, duplicate: false };
    },
    subscribe: async (_topic, _consumer, h) => {
      handler = h;
      return { stop: async () => {} };
    },
    pending: async () => 0,
    read: async () => [],
    close: async () => {},
  };
  return {
    backbone,
    published,
    /** Delivers `message` (delivery number `count`); resolves when the handler returned. */
    deliver(message: Message, count: number) {
      const settled: string[] = [];
      /** `working()` calls: the delivery told the backbone it is still being handled. */
      const heartbeats = { count: 0 };
      const delivery: Delivery = {
        ...message,
        deliveryCount: count,
        ack: async () => {
          settled.push('ack');
        },
        nak: async () => {
          settled.push('nak');
        },
        term: async () => {
          settled.push('term');
        },
        working: async () => {
          heartbeats.count++;
        },
      };
      return { done: handler!(delivery), settled, heartbeats };
    },
  };
}

function deferred() {
  let resolve: () => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const message: Message = {
  topic: 'orders.in',
  sequence: 42,
  key: '4711',
  messageId: 'order-4711-v1',
  headers: {},
  payload: Buffer.from(JSON.stringify({ orderNumber: '4711' })),
  publishedAt: Date.now(),
};

async function consumerWith(
  send: (call: TargetCall) => Promise<void>,
  ordering: 'none' | 'per-key' = 'none',
  filter?: (event: unknown) => boolean,
) {
  const bb = handDrivenBackbone();
  const metrics = new RuntimeMetrics();
  const rt: RouteTargetRuntime = {
    route: 'order-picking',
    target: 'wms',
    sourceTopic: 'orders.in',
    ordering,
    policy: deliveryPolicyOf('order-picking', 'wms', {
      timeout: '5s',
      retry: { maxAttempts: 3, initialBackoff: '5ms', maxBackoff: '10ms', jitter: 0 },
    }),
    keyOf: (event) => (event as { orderNumber: string }).orderNumber,
    map: (event) => event,
    ...(filter ? { filter } : {}),
    destination: { description: 'wms', system: 'wms', send },
  };
  const store = new SqliteIdempotencyStore(join(dir, `${Math.random()}.db`));
  const consumer = new RouteTargetConsumer(rt, {
    backbone: bb.backbone,
    store,
    budgets: new SystemBudgets(() => undefined),
    metrics,
    logger: memoryLogger('error').logger,
    tracer: memoryTracer().tracer,
    owner: 'worker-1',
    ackWaitMs: 1_000,
  });
  await consumer.start();
  const count = (outcome: string) => metrics.value('interlace_route_messages_total', { outcome });
  return { bb, consumer, store, metrics, count };
}

describe('a redelivery while the first delivery is still in flight', () => {
  it.each(['none', 'per-key'] as const)(
    'never calls the target twice (ordering %s); the redelivery is acked as a duplicate',
    async (ordering) => {
      const calls: TargetCall[] = [];
      const target = deferred();
      const { bb, consumer, store, metrics, count } = await consumerWith(async (call) => {
        calls.push(call);
        await target.promise;
      }, ordering);

      const first = bb.deliver(message, 1);
      while (calls.length === 0) await new Promise((r) => setTimeout(r, 1));
      // The ack deadline passed without an ack reaching the broker: the same message comes again.
      const second = bb.deliver(message, 2);
      await new Promise((r) => setTimeout(r, 50));
      expect(calls).toHaveLength(1);
      expect(second.settled).toEqual([]); // waiting for the first, not nak'ed into a redelivery loop

      target.resolve();
      await Promise.all([first.done, second.done]);
      expect(calls).toHaveLength(1);
      expect(first.settled).toEqual(['ack']);
      expect(second.settled).toEqual(['ack']);
      expect(await count('delivered')).toBe(1);
      expect(await count('duplicate')).toBe(1);
      expect(await metrics.value('interlace_duplicates_suppressed_total')).toBe(1);

      // A third delivery, after both were settled, is a duplicate through the committed key.
      const third = bb.deliver(message, 3);
      await third.done;
      expect(third.settled).toEqual(['ack']);
      expect(calls).toHaveLength(1);
      expect(await count('duplicate')).toBe(2);
      await consumer.stop();
      await store.close();
    },
  );

  it('attaches to a first delivery that ends in the dead letter (no second dead letter, no second call)', async () => {
    let calls = 0;
    const target = deferred();
    const { bb, consumer, store, count } = await consumerWith(async () => {
      calls++;
      await target.promise;
    });
    const first = bb.deliver(message, 1);
    while (calls === 0) await new Promise((r) => setTimeout(r, 1));
    const second = bb.deliver(message, 2);
    const { HttpStatusError } = await import('../../../runtime/delivery/failures.ts');
    target.reject(new HttpStatusError(400, 'unknown warehouse', undefined, 'wms POST /orders'));
    await Promise.all([first.done, second.done]);
    expect(calls).toBe(1);
    expect(bb.published.filter((p) => p.topic.startsWith('dlq.'))).toHaveLength(1);
    expect(await count('dead_lettered')).toBe(1);
    expect(await count('duplicate')).toBe(1);
    expect(second.settled).toEqual(['ack']);
    await consumer.stop();
    await store.close();
  });

  it('leaves the retries to the first delivery: the redelivery never calls, even while the first retries', async () => {
    let calls = 0;
    let release: () => void = () => {};
    const { bb, consumer, store } = await consumerWith(async (call) => {
      calls++;
      if (calls === 1)
        await new Promise<void>((_resolve, reject) => {
          release = () => reject(new Error('connection reset'));
          call.signal.addEventListener('abort', () => reject(new Error('aborted')));
        });
    });
    const first = bb.deliver(message, 1);
    while (calls === 0) await new Promise((r) => setTimeout(r, 1));
    const second = bb.deliver(message, 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(1);
    release(); // the first call fails transiently; its retry succeeds — the second still never calls
    await Promise.all([first.done, second.done]);
    expect(calls).toBe(2);
    expect(first.settled).toEqual(['ack']);
    expect(second.settled).toEqual(['ack']);
    await consumer.stop();
    await store.close();
  });

  it('counts a filtered or dead-lettered message once when its lost ack brings it back (even as delivery 1)', async () => {
    let calls = 0;
    const { bb, consumer, store, count } = await consumerWith(
      async () => {
        calls++;
        throw new (await import('../../../runtime/delivery/failures.ts')).HttpStatusError(400, 'no', undefined, 'wms');
      },
      'none',
      (event) => (event as { orderNumber: string }).orderNumber !== 'skip',
    );
    const skipped: Message = {
      ...message,
      sequence: 7,
      messageId: 'skip-1',
      payload: Buffer.from(JSON.stringify({ orderNumber: 'skip' })),
    };
    await bb.deliver(skipped, 1).done;
    await bb.deliver(skipped, 1).done; // the broker lost its consumer state: delivery count 1 again
    await bb.deliver(message, 1).done;
    await bb.deliver(message, 2).done;
    expect(await count('filtered')).toBe(1);
    expect(await count('dead_lettered')).toBe(1);
    expect(await count('duplicate')).toBe(2);
    expect(calls).toBe(1);
    expect(bb.published.filter((p) => p.topic.startsWith('dlq.'))).toHaveLength(1);
    await consumer.stop();
    await store.close();
  });

  it('per-key: a redelivery queued behind its own first delivery attaches to it (one dead letter, not a second "parked" one)', async () => {
    let calls = 0;
    const target = deferred();
    const { bb, consumer, store, count } = await consumerWith(async () => {
      calls++;
      await target.promise;
    }, 'per-key');
    const first = bb.deliver(message, 1);
    while (calls === 0) await new Promise((r) => setTimeout(r, 1));
    const second = bb.deliver(message, 2);
    const { HttpStatusError } = await import('../../../runtime/delivery/failures.ts');
    target.reject(new HttpStatusError(400, 'unknown warehouse', undefined, 'wms POST /orders'));
    await Promise.all([first.done, second.done]);
    expect(calls).toBe(1);
    expect(bb.published.filter((p) => p.topic.startsWith('dlq.'))).toHaveLength(1);
    expect(await count('dead_lettered')).toBe(1);
    expect(await count('parked')).toBe(0);
    expect(await count('duplicate')).toBe(1);
    expect(second.settled).toEqual(['ack']);
    await consumer.stop();
    await store.close();
  });

  it('keeps every waiting delivery alive past the ack deadline: the redelivery and the next message of the key', async () => {
    let calls = 0;
    const target = deferred();
    const { bb, consumer, store, count } = await consumerWith(async () => {
      calls++;
      if (calls === 1) await target.promise;
    }, 'per-key');
    const first = bb.deliver(message, 1);
    while (calls === 0) await new Promise((r) => setTimeout(r, 1));
    const redelivery = bb.deliver(message, 2);
    const next = bb.deliver({ ...message, sequence: 43, messageId: 'order-4711-v2' }, 1);
    // Longer than the ack deadline (1 s): both wait (behind the first delivery, behind the key) and must
    // say so to the backbone, or it hands them out again and again to the same busy worker.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(redelivery.heartbeats.count).toBeGreaterThanOrEqual(2);
    expect(next.heartbeats.count).toBeGreaterThanOrEqual(2);
    target.resolve();
    await Promise.all([first.done, redelivery.done, next.done]);
    expect(calls).toBe(2);
    expect(await count('delivered')).toBe(2);
    expect(await count('duplicate')).toBe(1);
    await consumer.stop();
    await store.close();
  });
});
