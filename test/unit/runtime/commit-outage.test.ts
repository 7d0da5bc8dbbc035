// The idempotency store is away for a moment after the target made the effect (JetStream KV while
// nats-server restarts: test/broker/fault-broker.test.ts). The delivery used to treat the failed commit
// as "failed before a decision": release the reservation, nak, and the redelivery called the target a
// second time with the same Idempotency-Key (a CRM that does not de-duplicate upserted twice). Once the
// target answered, the commit must be retried until it is durable, and only then the message acked.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backbone, Delivery, DeliveryHandler, Message } from '../../../runtime/backbone/backbone.ts';
import type { IdempotencyStore } from '../../../runtime/delivery/idempotency-store.ts';
import { deliveryPolicyOf } from '../../../runtime/delivery/policy.ts';
import { RouteTargetConsumer } from '../../../runtime/delivery/route-consumer.ts';
import { SqliteIdempotencyStore } from '../../../runtime/delivery/sqlite-idempotency-store.ts';
import { SystemBudgets } from '../../../runtime/delivery/system-budget.ts';
import { memoryLogger } from '../../../lib/log.ts';
import { RuntimeMetrics } from '../../../runtime/observe/metrics.ts';
import { memoryTracer } from '../../../runtime/observe/trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'interlace-commit-outage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const message: Message = {
  topic: 'orders.in',
  sequence: 7,
  key: '4711',
  messageId: 'order-4711-v1',
  headers: {},
  payload: Buffer.from(JSON.stringify({ orderNumber: '4711' })),
  publishedAt: Date.now(),
};

/** The sqlite store, unreachable for its first `failures` commits and every release meanwhile. */
function flakyStore(inner: IdempotencyStore, failures: number): IdempotencyStore {
  let left = failures;
  const away = () => new Error('TIMEOUT: the KV bucket did not answer (nats-server restarting)');
  return {
    ...inner,
    reserve: (k, o, l) => inner.reserve(k, o, l),
    extend: (k, t, l) => inner.extend(k, t, l),
    recordAttempt: (k, t, a) => inner.recordAttempt(k, t, a),
    park: (s, k, p) => inner.park(s, k, p),
    parked: (s, k) => inner.parked(s, k),
    unpark: (s, k) => inner.unpark(s, k),
    prune: (ms) => inner.prune(ms),
    close: () => inner.close(),
    commit: async (k, t) => {
      if (left > 0) {
        left--;
        throw away();
      }
      await inner.commit(k, t);
    },
    release: async (k, t) => {
      if (left > 0) throw away();
      await inner.release(k, t);
    },
  };
}

describe('the idempotency store is away when the effect is to be committed', () => {
  it('retries the commit and acks once: the target is called once, also across a redelivery', async () => {
    let handler: DeliveryHandler | undefined;
    const backbone: Backbone = {
      ensureTopic: async () => {},
      publish: async () => ({ sequence: 1, duplicate: false }),
      subscribe: async (_t, _c, h) => {
        handler = h;
        return { stop: async () => {} };
      },
      pending: async () => 0,
      read: async () => [],
      close: async () => {},
    };
    const settled: string[] = [];
    const delivery = (count: number): Delivery => ({
      ...message,
      deliveryCount: count,
      ack: async () => {
        settled.push(`ack#${count}`);
      },
      nak: async () => {
        settled.push(`nak#${count}`);
      },
      term: async () => {},
      working: async () => {},
    });
    let calls = 0;
    const inner = new SqliteIdempotencyStore(join(dir, 'worker.db'));
    const metrics = new RuntimeMetrics();
    const consumer = new RouteTargetConsumer(
      {
        route: 'order-sync',
        target: 'crm',
        sourceTopic: 'orders.in',
        ordering: 'per-key',
        policy: deliveryPolicyOf('order-sync', 'crm', { timeout: '5s', retry: { maxAttempts: 3, initialBackoff: '5ms', jitter: 0 } }),
        keyOf: (event) => (event as { orderNumber: string }).orderNumber,
        map: (event) => event,
        destination: {
          description: 'crm',
          system: 'crm',
          send: async () => {
            calls++;
          },
        },
      },
      {
        backbone,
        store: flakyStore(inner, 3),
        budgets: new SystemBudgets(() => undefined),
        metrics,
        logger: memoryLogger('error').logger,
        tracer: memoryTracer().tracer,
        owner: 'worker-1',
        ackWaitMs: 1_000,
      },
    );
    await consumer.start();
    await handler!(delivery(1));
    // Whatever the first delivery did, the broker may hand the message over again (a nak, or a lost ack).
    await handler!(delivery(2));
    expect(calls).toBe(1);
    expect(settled).toEqual(['ack#1', 'ack#2']);
    expect(await metrics.value('interlace_route_messages_total', { outcome: 'delivered' })).toBe(1);
    expect(await inner.reserve('order-sync/crm/4711/order-4711-v1', 'worker-2', 1_000)).toEqual({ status: 'committed' });
    await consumer.stop();
    await inner.close();
  });
});
