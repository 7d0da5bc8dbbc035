// Enrichment in the worker (issue 14, item 3): a stock event that carries only a SKU becomes a full
// stock level with the item's name read from the ERP (`spec.enrich`: GET /items('{sku}')). The worker
// makes the call through the ERP System's client and budgets before the mapping, caches the answer
// per System and path for its TTL, retries a 503 by the route's policy and dead-letters a 404.
// Generated bundle, the embedded sqlite backbone and idempotency store, real loopback HTTP Systems:
// the simulated ERP answers only GET of items it has (404 otherwise, 405 for other methods), with
// the OData-quoted key decoded as the real one decodes it.
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
import { memoryTracer } from '../../runtime/observe/trace.ts';
import { loadWorkerEstate } from '../../runtime/worker/load-estate.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import { eventually, startTargetServer } from './worker-fixtures.ts';
import type { Answer, TargetRequest } from './worker-fixtures.ts';

const ESTATE = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: stock-key }
spec:
  version: 1.0.0
  owner: team-test
  identity: [sku]
  schema:
    type: object
    required: [sku, quantity]
    properties:
      sku: { type: string }
      quantity: { type: integer }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: erp-item }
spec:
  version: 1.0.0
  owner: team-test
  schema:
    type: object
    required: [number, displayName]
    properties:
      number: { type: string }
      displayName: { type: string }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: stock-level }
spec:
  version: 1.0.0
  owner: team-test
  schema:
    type: object
    additionalProperties: false
    required: [sku, description, quantity]
    properties:
      sku: { type: string }
      description: { type: string }
      quantity: { type: integer }
---
apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: stock-key-to-stock-level }
spec:
  from: stock-key@1
  to: stock-level@1
  owner: team-test
  enrich:
    item:
      system: cloud-erp
      operation: GET /items('{sku}')
      contract: erp-item@1
      cache: { ttl: 1500ms, maxEntries: 100 }
  rules:
    - { target: sku, from: sku }
    - { target: description, expr: enriched.item.displayName }
    - { target: quantity, from: quantity }
---
apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: cloud-erp }
spec:
  type: erp
  hosting: cloud
  owner: team-test
  endpoint: { protocol: http, url: "https://erp.example.com", format: json }
  limits: { concurrency: 4, timeout: 2s }
---
apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: wms }
spec:
  type: wms
  hosting: cloud
  owner: team-test
  endpoint: { protocol: http, url: "https://wms.example.com", format: json }
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: stock-changed }
spec:
  owner: team-test
  source: { topic: stock.in, contract: stock-key@1 }
  # A filter makes generate type-check the route's surface, whose dispatch passes \`enriched\` on.
  filter: event.quantity >= 0
  targets:
    - name: wms
      system: wms
      operation: PUT /stock/{sku}
      mapping: stock-key-to-stock-level
      delivery:
        timeout: 1s
        retry: { maxAttempts: 3, initialBackoff: 20ms, maxBackoff: 100ms, multiplier: 2, jitter: 0 }
        deadLetter: { topic: dlq.stock-changed.wms }
`;

const ITEMS: Record<string, string> = { 'TG-1': 'Table lamp', "O'Brien-7": 'Desk (walnut)', FLAKY: 'Flaky item' };

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'interlace-enrich-'));
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

/** The simulated ERP: GET /items('<key>') with the OData literal's quotes doubled, as OData reads it. */
function erpAnswer(failFirst: Map<string, number>) {
  return (request: TargetRequest): Answer => {
    if (request.method !== 'GET') return { status: 405 };
    const match = /^\/items\('((?:[^']|'')*)'\)$/.exec(decodeURIComponent(request.path));
    if (!match) return { status: 400, body: { error: { message: 'malformed key' } } };
    const sku = match[1]!.replaceAll("''", "'");
    const failures = failFirst.get(sku) ?? 0;
    if (failures > 0) {
      failFirst.set(sku, failures - 1);
      return { status: 503 };
    }
    const name = ITEMS[sku];
    return name === undefined
      ? { status: 404, body: { error: { code: 'NotFound' } } }
      : { status: 200, body: { number: sku, displayName: name } };
  };
}

async function harness(failFirst = new Map<string, number>()) {
  const stateDir = mkdtempSync(join(tmpdir(), 'interlace-enrich-state-'));
  const backbone = await openSqliteBackbone({ path: join(stateDir, 'backbone.db'), pollIntervalMs: 20 });
  const erp = await startTargetServer(erpAnswer(failFirst));
  const wms = await startTargetServer(() => ({ status: 204 }));
  const estate = loadWorkerEstate([join(dir, 'specs')]);
  estate.systems.find((s) => s.metadata.name === 'cloud-erp')!.spec.endpoint.url = erp.url;
  estate.systems.find((s) => s.metadata.name === 'wms')!.spec.endpoint.url = wms.url;
  const worker = await startWorker({
    bundleDir: join(dir, 'gen', 'bundles'),
    units: ['route-stock-changed'],
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
      await erp.close();
      await wms.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  });
  await backbone.ensureTopic('stock.in');
  let n = 0;
  const count = (outcome: string) =>
    worker.metrics.value('interlace_route_messages_total', { route: 'stock-changed', target: 'wms', outcome });
  return {
    erp,
    wms,
    count,
    publish: (sku: string, quantity: number) =>
      backbone.publish('stock.in', Buffer.from(JSON.stringify({ sku, quantity })), { key: sku, messageId: `m-${++n}` }),
    erpCalls: (sku: string) => erp.requests.filter((r) => decodeURIComponent(r.path).includes(`'${sku.replaceAll("'", "''")}'`)).length,
    deadLetters: async () => {
      await backbone.ensureTopic('dlq.stock-changed.wms');
      return (await backbone.read('dlq.stock-changed.wms', 1, 1000)).map(
        (m) => JSON.parse(Buffer.from(m.payload).toString('utf8')) as DeadLetter,
      );
    },
  };
}

describe('enrichment in the worker', () => {
  it('enriches a key-only event before the mapping; the cache answers within its TTL and asks again after it', async () => {
    const h = await harness();
    await h.publish('TG-1', 4);
    await h.publish('TG-1', 5);
    await h.publish("O'Brien-7", 1);
    await eventually(async () => (await h.count('delivered')) === 3, 'three deliveries', 20_000);
    expect(h.wms.applied).toEqual([
      { sku: 'TG-1', description: 'Table lamp', quantity: 4 },
      { sku: 'TG-1', description: 'Table lamp', quantity: 5 },
      { sku: "O'Brien-7", description: 'Desk (walnut)', quantity: 1 },
    ]);
    // One ERP call per item within the TTL; the quote in the key went out doubled and percent-encoded.
    expect(h.erpCalls('TG-1')).toBe(1);
    expect(h.erp.requests.map((r) => r.path)).toContain("/items('O%27%27Brien-7')");
    expect(h.erp.requests.every((r) => r.method === 'GET')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    await h.publish('TG-1', 6);
    await eventually(async () => (await h.count('delivered')) === 4, 'the fourth delivery', 20_000);
    expect(h.erpCalls('TG-1')).toBe(2);
  });

  it('a 503 from the ERP is retried by the route policy; the target is called once, with the enriched payload', async () => {
    const h = await harness(new Map([['FLAKY', 1]]));
    await h.publish('FLAKY', 2);
    await eventually(async () => (await h.count('delivered')) === 1, 'the delivery after the retry', 20_000);
    expect(h.erpCalls('FLAKY')).toBe(2);
    expect(h.wms.requests).toHaveLength(1);
    expect(h.wms.applied).toEqual([{ sku: 'FLAKY', description: 'Flaky item', quantity: 2 }]);
    expect(await h.deadLetters()).toEqual([]);
  });

  it('a 404 from the ERP dead-letters the event at once (no retry, the target never called)', async () => {
    const h = await harness();
    await h.publish('NOPE', 1);
    await eventually(async () => (await h.count('dead_lettered')) === 1, 'the dead letter', 20_000);
    expect(h.erpCalls('NOPE')).toBe(1);
    expect(h.wms.requests).toHaveLength(0);
    const [letter] = await h.deadLetters();
    expect(letter!.kind).toBe('permanent');
    expect(letter!.reason).toMatch(/^http-404: cloud-erp GET \/items\('NOPE'\): HTTP 404/);
  });

  it('an ERP that keeps failing exhausts the attempts and dead-letters', async () => {
    const h = await harness(new Map([['FLAKY', 10]]));
    await h.publish('FLAKY', 1);
    await eventually(async () => (await h.count('dead_lettered')) === 1, 'the dead letter', 20_000);
    expect(h.erpCalls('FLAKY')).toBe(3);
    expect(h.wms.requests).toHaveLength(0);
    const [letter] = await h.deadLetters();
    expect(letter!.kind).toBe('exhausted');
    expect(letter!.attempts.map((a) => a.status)).toEqual([503, 503, 503]);
  });
});
