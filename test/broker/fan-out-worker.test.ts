// Fan-out in the worker (issue 14, item 2): a cross-dock notice with two orders, through a mapping
// with `spec.each`, becomes two shipments, each its own backbone message and its own call of the
// target, with a deterministic idempotency key (the source message id and the index). Generated
// bundle, the embedded sqlite backbone and idempotency store, a real loopback HTTP System.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../lib/log.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import type { DeadLetter } from '../../runtime/delivery/dead-letter.ts';
import { fanOutStageName, fanOutTopic } from '../../runtime/delivery/fan-out.ts';
import { memoryTracer } from '../../runtime/observe/trace.ts';
import { loadWorkerEstate } from '../../runtime/worker/load-estate.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import type { Worker } from '../../runtime/worker/start-worker.ts';
import { eventually, startTargetServer } from './worker-fixtures.ts';
import type { Answer, TargetRequest } from './worker-fixtures.ts';

const ESTATE = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: cross-dock-notice }
spec:
  version: 1.0.0
  owner: team-test
  identity: [noticeNumber]
  schema:
    type: object
    required: [noticeNumber, orders]
    properties:
      noticeNumber: { type: string }
      orders:
        type: array
        items:
          type: object
          required: [po, quantity]
          properties: { po: { type: string }, quantity: { type: integer } }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: inbound-shipment }
spec:
  version: 1.0.0
  owner: team-test
  identity: [shipmentNumber]
  businessKeys: { shipment_number: shipmentNumber }
  schema:
    type: object
    additionalProperties: false
    required: [shipmentNumber, orderNumber, quantity]
    properties:
      shipmentNumber: { type: string }
      orderNumber: { type: string }
      quantity: { type: integer, minimum: 1 }
---
apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: notice-to-shipments }
spec:
  from: cross-dock-notice@1
  to: inbound-shipment@1
  owner: team-test
  each: orders
  rules:
    - { target: shipmentNumber, expr: "source.noticeNumber + '-' + string(index + 1)" }
    - { target: orderNumber, from: po }
    - { target: quantity, from: quantity }
  tests:
    - name: two orders, two shipments
      input: { noticeNumber: N1, orders: [{ po: P1, quantity: 2 }, { po: P2, quantity: 5 }] }
      expected:
        - { shipmentNumber: N1-1, orderNumber: P1, quantity: 2 }
        - { shipmentNumber: N1-2, orderNumber: P2, quantity: 5 }
---
apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: tms }
spec:
  type: tms
  hosting: cloud
  owner: team-test
  endpoint: { protocol: http, url: "https://tms.example.com", format: json }
  limits: { concurrency: 4, timeout: 2s }
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: cross-dock }
spec:
  owner: team-test
  source: { topic: notices.in, contract: cross-dock-notice@1 }
  ordering: per-key
  targets:
    - name: tms
      system: tms
      operation: POST /shipments/{shipmentNumber}
      mapping: notice-to-shipments
      delivery:
        timeout: 500ms
        retry: { maxAttempts: 3, initialBackoff: 20ms, maxBackoff: 100ms, multiplier: 2, jitter: 0 }
        deadLetter: { topic: dlq.cross-dock.tms }
`;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'interlace-fan-out-'));
  mkdirSync(join(dir, 'specs'));
  writeFileSync(join(dir, 'specs', 'estate.yaml'), ESTATE);
  const run = new ValidationSession().run([join(dir, 'specs')]);
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const result = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  expect(result.diagnostics).toEqual([]);
  for (const [path, text] of result.files) {
    mkdirSync(dirname(join(dir, 'gen', path)), { recursive: true });
    writeFileSync(join(dir, 'gen', path), text);
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function harness(answer: (request: TargetRequest, n: number) => Answer) {
  const stateDir = mkdtempSync(join(tmpdir(), 'interlace-fan-out-state-'));
  const backbone = await openSqliteBackbone({ path: join(stateDir, 'backbone.db'), pollIntervalMs: 20 });
  const target = await startTargetServer(answer);
  const estate = loadWorkerEstate([join(dir, 'specs')]);
  estate.systems.find((s) => s.metadata.name === 'tms')!.spec.endpoint.url = target.url;
  const worker: Worker = await startWorker({
    bundleDir: join(dir, 'gen', 'bundles'),
    units: ['route-cross-dock'],
    backbone,
    estate,
    stateDir,
    env: {},
    port: 0,
    logger: memoryLogger('error').logger,
    tracer: memoryTracer().tracer,
    breaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
  });
  open.push({
    close: async () => {
      await worker.close(1000);
      await backbone.close();
      await target.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  });
  await backbone.ensureTopic('notices.in');
  const count = (target: string, outcome: string) =>
    worker.metrics.value('interlace_route_messages_total', { route: 'cross-dock', target, outcome });
  return {
    worker,
    backbone,
    target,
    count,
    publish: (notice: unknown, messageId: string) =>
      backbone.publish('notices.in', Buffer.from(JSON.stringify(notice)), {
        key: (notice as { noticeNumber: string }).noticeNumber,
        messageId,
      }),
    deadLetters: async () => {
      await backbone.ensureTopic('dlq.cross-dock.tms');
      return (await backbone.read('dlq.cross-dock.tms', 1, 1000)).map(
        (m) => JSON.parse(Buffer.from(m.payload).toString('utf8')) as DeadLetter,
      );
    },
  };
}

const shipmentOf = (request: TargetRequest) => (request.body as { shipmentNumber: string }).shipmentNumber;

describe('fan-out in the worker (one message → many)', () => {
  it('delivers a cross-dock notice with two orders as two shipments, each its own message with a deterministic key', async () => {
    const calls = new Map<string, number>();
    const h = await harness((request) => {
      const shipment = shipmentOf(request);
      const n = (calls.get(shipment) ?? 0) + 1;
      calls.set(shipment, n);
      // The second shipment fails once: only it is retried, the first is not called again.
      return shipment === 'N1-2' && n === 1 ? { status: 503 } : { status: 201 };
    });
    await h.publish(
      {
        noticeNumber: 'N1',
        orders: [
          { po: 'P1', quantity: 2 },
          { po: 'P2', quantity: 5 },
        ],
      },
      'msg-n1',
    );
    await eventually(async () => (await h.count('tms', 'delivered')) === 2, 'both shipments delivered', 20_000);

    expect(h.target.applied).toEqual([
      { shipmentNumber: 'N1-1', orderNumber: 'P1', quantity: 2 },
      { shipmentNumber: 'N1-2', orderNumber: 'P2', quantity: 5 },
    ]);
    expect(h.target.requests.map((r) => r.path)).toEqual(['/shipments/N1-1', '/shipments/N1-2', '/shipments/N1-2']);
    // One effect per output, keyed by the source message id and the output's index.
    const keys = [...h.target.effects.keys()].sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/msg-n1#0$/);
    expect(keys[1]).toMatch(/msg-n1#1$/);
    expect([...h.target.effects.values()]).toEqual([1, 1]);
    // The split stage handled the notice once; each output is a message of its own on the fan-out topic.
    expect(await h.count(fanOutStageName('tms'), 'delivered')).toBe(1);
    // Each stage is listed with the topic it reads (interlace run's settle reads each one's backlog there).
    expect(h.worker.consumers.map((c) => [c.target, c.sourceTopic])).toEqual([
      ['tms-fanout', 'notices.in'],
      ['tms', fanOutTopic('cross-dock', 'tms')],
    ]);
    for (const c of h.worker.consumers) expect(await h.backbone.pending(c.sourceTopic, c.consumer)).toBe(0);
    const outputs = await h.backbone.read(fanOutTopic('cross-dock', 'tms'), 1, 10);
    expect(outputs.map((m) => m.messageId)).toEqual([expect.stringMatching(/msg-n1#0$/), expect.stringMatching(/msg-n1#1$/)]);

    // The same notice again (a redelivery by the source): no new effect.
    await h.publish(
      {
        noticeNumber: 'N1',
        orders: [
          { po: 'P1', quantity: 2 },
          { po: 'P2', quantity: 5 },
        ],
      },
      'msg-n1',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect([...h.target.effects.values()]).toEqual([1, 1]);
  });

  it('dead-letters one failed output under the target, and a notice with an invalid output as a whole at the split', async () => {
    const h = await harness((request) =>
      shipmentOf(request) === 'N2-2' ? { status: 400, body: { error: 'unknown PO' } } : { status: 201 },
    );
    await h.publish(
      {
        noticeNumber: 'N2',
        orders: [
          { po: 'P1', quantity: 1 },
          { po: 'BAD', quantity: 1 },
        ],
      },
      'msg-n2',
    );
    // quantity 0 breaks inbound-shipment@1 (minimum 1): nothing of N3 is delivered.
    await h.publish(
      {
        noticeNumber: 'N3',
        orders: [
          { po: 'P3', quantity: 3 },
          { po: 'P4', quantity: 0 },
        ],
      },
      'msg-n3',
    );
    await eventually(async () => (await h.deadLetters()).length === 2, 'two dead letters', 20_000);
    await eventually(async () => (await h.count('tms', 'delivered')) === 1, 'N2-1 delivered', 20_000);

    expect(h.target.applied).toEqual([{ shipmentNumber: 'N2-1', orderNumber: 'P1', quantity: 1 }]);
    const letters = await h.deadLetters();
    const byTarget = Object.fromEntries(letters.map((l) => [l.target, l]));
    expect(byTarget['tms']!.idempotencyKey).toMatch(/msg-n2#1$/);
    expect(byTarget['tms']!.reason).toMatch(/400/);
    expect(byTarget[fanOutStageName('tms')]!.reason).toMatch(/output 1: .*quantity/);
  });
});
