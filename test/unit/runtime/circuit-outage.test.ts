// An outage longer than the retry budget: the target System answers 500 for far longer than
// maxAttempts × backoff, then recovers. With the circuit open the deliveries wait instead of burning
// attempts, so nothing is dead-lettered and every message is delivered exactly once when the System
// is back; the circuit-state gauge goes open → half-open → closed.
// Real parts: the embedded (sqlite) backbone, the sqlite idempotency store, a loopback HTTP server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteBackbone } from '../../../runtime/backbone/sqlite-backbone.ts';
import { deliveryPolicyOf } from '../../../runtime/delivery/policy.ts';
import { RouteTargetConsumer } from '../../../runtime/delivery/route-consumer.ts';
import { SqliteIdempotencyStore } from '../../../runtime/delivery/sqlite-idempotency-store.ts';
import { SystemBudgets } from '../../../runtime/delivery/system-budget.ts';
import { httpSystemTarget } from '../../../runtime/delivery/targets.ts';
import { SystemClient } from '../../../runtime/http/system-client.ts';
import { memoryLogger } from '../../../lib/log.ts';
import { RuntimeMetrics } from '../../../runtime/observe/metrics.ts';
import { memoryTracer } from '../../../runtime/observe/trace.ts';
import { observeBudgets } from '../../../runtime/worker/budget-metrics.ts';

const dir = mkdtempSync(join(tmpdir(), 'interlace-outage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a System down for longer than the retry budget', () => {
  it('dead-letters nothing and delivers everything once when it is back', { timeout: 30_000 }, async () => {
    const MESSAGES = 40;
    const DOWN_MS = 1_500;
    let downUntil = Number.POSITIVE_INFINITY;
    const effects = new Map<string, number>();
    let refused = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (Date.now() < downUntil) {
          refused++;
          res.writeHead(500).end('{"error":"down"}');
          return;
        }
        const key = String(req.headers['idempotency-key']);
        effects.set(key, (effects.get(key) ?? 0) + 1);
        res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db'), pollIntervalMs: 20 });
    const store = new SqliteIdempotencyStore(join(dir, 'worker.db'));
    const metrics = new RuntimeMetrics();
    const { logger } = memoryLogger('error');
    const gauge: number[] = [];
    const budgets = new SystemBudgets(
      () => undefined,
      { consecutiveFailures: 3, halfOpenAfterMs: 100 },
      (budget) => {
        observeBudgets(metrics, logger)(budget);
        budget.breaker.onStateChange(async () => {
          gauge.push(await metrics.value('interlace_circuit_state', { system: 'wms' }));
        });
      },
    );
    // 3 attempts, 10 → 20 ms apart: the whole budget is spent in ~30 ms; the outage lasts 50× that.
    const policy = deliveryPolicyOf('order-picking', 'wms', {
      timeout: '2s',
      retry: { maxAttempts: 3, initialBackoff: '10ms', maxBackoff: '20ms', jitter: 0 },
    });
    const client = new SystemClient('wms', { endpoint: { protocol: 'http', url } } as never, {});
    const consumer = new RouteTargetConsumer(
      {
        route: 'order-picking',
        target: 'wms',
        sourceTopic: 'orders.in',
        ordering: 'none',
        policy,
        keyOf: (event) => (event as { orderNumber: string }).orderNumber,
        map: (event) => event,
        destination: httpSystemTarget(client, 'POST /orders', () => undefined),
      },
      { backbone, store, budgets, metrics, logger, tracer: memoryTracer().tracer, owner: 'w1', ackWaitMs: 1_000 },
    );

    await backbone.ensureTopic('orders.in');
    await consumer.start();
    const started = Date.now();
    downUntil = started + DOWN_MS;
    for (let i = 0; i < MESSAGES; i++)
      await backbone.publish('orders.in', Buffer.from(JSON.stringify({ orderNumber: `O-${i}` })), { messageId: `order-${i}` });

    const count = (outcome: string) => metrics.value('interlace_route_messages_total', { outcome });
    const until = Date.now() + 20_000;
    while ((await count('delivered')) + (await count('dead_lettered')) < MESSAGES && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));

    expect(refused).toBeGreaterThan(0); // the System really was called while down
    expect(await count('dead_lettered')).toBe(0);
    expect(await count('delivered')).toBe(MESSAGES);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DOWN_MS);
    expect(effects.size).toBe(MESSAGES);
    expect([...effects.values()].every((n) => n === 1)).toBe(true);
    await backbone.ensureTopic(policy.deadLetterTopic);
    expect(await backbone.read(policy.deadLetterTopic, 1, 100)).toEqual([]);
    // The gauge followed the circuit: open, then half-open trials (re-opening while down), then closed.
    expect(gauge[0]).toBe(1);
    expect(gauge).toContain(2);
    expect(gauge.at(-1)).toBe(0);
    expect(gauge.indexOf(2)).toBeLessThan(gauge.lastIndexOf(0));
    expect(await metrics.value('interlace_circuit_state', { system: 'wms' })).toBe(0);
    // While down, the System saw about one trial per half-open period, not a storm.
    expect(refused).toBeLessThan(MESSAGES * policy.maxAttempts + DOWN_MS / 100 + 5);

    await consumer.stop();
    await backbone.ensureTopic('orders.in');
    expect(await backbone.pending('orders.in', consumer.scope)).toBe(0);
    await store.close();
    await backbone.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
