// The webhook receiver (runtime/adapters/webhook/) in a worker, on a real nats-server and on the
// embedded backbone: Shopify-signed deliveries of a real product payload are published once (a replayed
// delivery id is answered 200 without a second publish), a bad signature is a 401 with nothing
// published, Business Central's validationToken handshake is echoed and its notification batches are
// checked for clientState. Then `interlace worker` as a child process is killed with SIGKILL while
// deliveries are in flight: every delivery the sender saw acknowledged is on the topic, none twice.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { signBody } from '../../runtime/adapters/webhook/webhook-signature.ts';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { createLogger } from '../../lib/log.ts';
import { RuntimeMetrics } from '../../runtime/observe/metrics.ts';
import { memoryTracer, parseTraceparent } from '../../runtime/observe/trace.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import type { Worker } from '../../runtime/worker/start-worker.ts';
import { natsServerOrSkipReason, REPO_ROOT, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';

const NODE = join(REPO_ROOT, 'node_modules/.bin/node');
const CLI = join(REPO_ROOT, 'bin/interlace.mjs');
const FIXTURE = join(REPO_ROOT, 'test/fixtures/webhook-estate');
const PRODUCT = readFileSync(join(FIXTURE, 'shopify-product.json'), 'utf8');
const SHOP_SECRET = 'hush-shopify-signing-secret';
const CLIENT_STATE = 'bc-client-state-7f3a';
const ENV = { SHOP_WEBHOOK_WEBHOOK_SECRET: SHOP_SECRET, BC_WEBHOOK_CLIENT_STATE: CLIENT_STATE };
const PRODUCT_TOPIC = 'shop.product.updated';
const CUSTOMER_TOPIC = 'bc.customer.changed';

const prerequisite = await natsServerOrSkipReason();
const skip = 'skip' in prerequisite ? prerequisite.skip : undefined;

async function generateBundles(dir: string): Promise<string> {
  const run = new ValidationSession().run([FIXTURE]);
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const result = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  for (const [path, text] of result.files) {
    if (!path.startsWith('bundles/')) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return join(dir, 'bundles');
}

/** POSTs a Shopify delivery; `signature` overrides the correct one. */
async function shopify(
  url: string,
  body: string,
  options: { id: string; topic?: string; signature?: string; traceparent?: string },
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/webhooks/shopify`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.traceparent !== undefined ? { traceparent: options.traceparent } : {}),
      'x-shopify-topic': options.topic ?? 'products/update',
      'x-shopify-webhook-id': options.id,
      'x-shopify-hmac-sha256': options.signature ?? signBody(body, SHOP_SECRET, { encoding: 'base64' }),
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

async function messages(backbone: Backbone, topic: string) {
  return backbone.read(topic, 1, 100_000);
}

function notification(changeType: string, customer: string, clientState = CLIENT_STATE) {
  return {
    subscriptionId: 'customers-subscription',
    clientState,
    expirationDateTime: '2026-12-10T00:00:00Z',
    resource: `api/v2.0/companies(1)/customers(${customer})`,
    changeType,
    lastModifiedDateTime: '2026-12-03T10:00:00Z',
  };
}

function receiverContract(name: string, open: (dir: string) => Promise<Backbone>) {
  describe(`webhook receiver on ${name}`, () => {
    let dir: string;
    let backbone: Backbone;
    let worker: Worker;
    const metrics = new RuntimeMetrics();
    const traced = memoryTracer();

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'webhook-source-'));
      const bundleDir = await generateBundles(dir);
      backbone = await open(dir);
      worker = await startWorker({
        bundleDir,
        backbone,
        units: ['source-shop', 'source-bc'],
        stateDir: join(dir, 'state'),
        env: ENV,
        port: 0,
        metrics,
        tracer: traced.tracer,
        logger: createLogger({ level: 'error' }),
      });
    }, 120_000);

    afterAll(async () => {
      await worker?.close();
      await backbone?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('publishes a signed Shopify delivery once; the same delivery id again is 200 without a second publish', async () => {
      const first = await shopify(worker.url, PRODUCT, { id: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' });
      expect(first).toMatchObject({ status: 200 });
      expect(JSON.parse(first.body)).toMatchObject({ status: 'received', published: 1, unrouted: 0 });
      const again = await shopify(worker.url, PRODUCT, { id: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' });
      expect(again.status).toBe(200);
      expect(JSON.parse(again.body)).toMatchObject({ status: 'already received' });
      const stored = await messages(backbone, PRODUCT_TOPIC);
      expect(stored).toHaveLength(1);
      expect(JSON.parse(Buffer.from(stored[0]!.payload).toString('utf8'))).toEqual(JSON.parse(PRODUCT));
      expect(stored[0]!.messageId).toBe('shop:Product.Updated:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043');
      expect(stored[0]!.headers['interlace-source-system']).toBe('shop');
      expect(await metrics.value('interlace_source_events_total', { system: 'shop', outcome: 'published' })).toBe(1);
      expect(await metrics.value('interlace_source_events_total', { system: 'shop', outcome: 'replayed' })).toBe(1);
    });

    it("continues the caller's W3C trace: the publish span is a child of the traceparent it was sent with", async () => {
      const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
      const sent = await shopify(worker.url, PRODUCT, { id: 'traced-1', traceparent: `00-${caller.traceId}-${caller.spanId}-01` });
      expect(sent.status).toBe(200);
      const stored = (await messages(backbone, PRODUCT_TOPIC)).find((m) => m.messageId === 'shop:Product.Updated:traced-1');
      const header = parseTraceparent(stored?.headers.traceparent);
      expect(header?.traceId).toBe(caller.traceId);
      expect(header?.spanId).not.toBe(caller.spanId);
      const span = traced.spans.find((s) => s.attributes['messaging.message.id'] === 'shop:Product.Updated:traced-1');
      expect(span).toMatchObject({ name: 'publish shop Product.Updated', traceId: caller.traceId, parentSpanId: caller.spanId });
      expect(span?.spanId).toBe(header?.spanId);

      // A malformed traceparent (all-zero trace id) is ignored: the publish starts a trace of its own.
      const bad = await shopify(worker.url, PRODUCT, { id: 'traced-2', traceparent: `00-${'0'.repeat(32)}-${caller.spanId}-01` });
      expect(bad.status).toBe(200);
      const root = traced.spans.find((s) => s.attributes['messaging.message.id'] === 'shop:Product.Updated:traced-2');
      expect(root?.parentSpanId).toBeUndefined();
      expect(root?.traceId).not.toBe('0'.repeat(32));
    });

    it('answers a bad, missing or re-encoded signature with 401 and publishes nothing', async () => {
      const before = (await messages(backbone, PRODUCT_TOPIC)).length;
      const tampered = PRODUCT.replace('"199.00"', '"1.00"');
      const goodForOriginal = signBody(PRODUCT, SHOP_SECRET, { encoding: 'base64' });
      expect((await shopify(worker.url, tampered, { id: 'tampered', signature: goodForOriginal })).status).toBe(401);
      expect(
        (await shopify(worker.url, PRODUCT, { id: 'wrong-key', signature: signBody(PRODUCT, 'other', { encoding: 'base64' }) })).status,
      ).toBe(401);
      expect(
        (await shopify(worker.url, PRODUCT, { id: 'hex', signature: signBody(PRODUCT, SHOP_SECRET, { encoding: 'hex' }) })).status,
      ).toBe(401);
      expect((await shopify(worker.url, PRODUCT, { id: 'empty', signature: '' })).status).toBe(401);
      expect((await messages(backbone, PRODUCT_TOPIC)).length).toBe(before);
      expect(await metrics.value('interlace_source_events_total', { system: 'shop', outcome: 'rejected' })).toBe(4);
    });

    it('answers an unrouted topic 200 and counts it; refuses a body over the limit with 413', async () => {
      const unrouted = await shopify(worker.url, PRODUCT, { id: 'orders-1', topic: 'orders/create' });
      expect(unrouted.status).toBe(200);
      expect(JSON.parse(unrouted.body)).toMatchObject({ published: 0, unrouted: 1 });
      const big = JSON.stringify({ ...JSON.parse(PRODUCT), body_html: 'x'.repeat(1_100_000) });
      expect((await shopify(worker.url, big, { id: 'big' })).status).toBe(413);
      expect(await metrics.value('interlace_source_events_total', { system: 'shop', outcome: 'unrouted' })).toBe(1);
    });

    it("echoes Business Central's validationToken as text/plain and publishes each notification of a batch once", async () => {
      const token = 'Validation: Testing client application reachability for subscription Request-Id: 6d3c';
      const handshake = await fetch(`${worker.url}/webhooks/business-central?validationToken=${encodeURIComponent(token)}`, {
        method: 'POST',
      });
      expect(handshake.status).toBe(200);
      expect(handshake.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await handshake.text()).toBe(token);

      const batch = JSON.stringify({ value: [notification('updated', 'C1'), notification('created', 'C2')] });
      const post = (body: string) =>
        fetch(`${worker.url}/webhooks/business-central`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const first = await post(batch);
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ published: 2 });
      expect((await post(batch)).status).toBe(200);
      const stored = await messages(backbone, CUSTOMER_TOPIC);
      expect(stored.map((m) => JSON.parse(Buffer.from(m.payload).toString('utf8')).resource)).toEqual([
        'api/v2.0/companies(1)/customers(C1)',
        'api/v2.0/companies(1)/customers(C2)',
      ]);

      const forged = JSON.stringify({ value: [notification('updated', 'C3'), notification('updated', 'C4', 'guess')] });
      expect((await post(forged)).status).toBe(401);
      expect((await post(JSON.stringify({ value: [notification('updated', 'C5', '')] }))).status).toBe(401);
      expect(await messages(backbone, CUSTOMER_TOPIC)).toHaveLength(2);
    });
  });
}

describe.skipIf(skip !== undefined)('webhook sources (real nats-server)', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    if ('binary' in prerequisite) nats = await startNatsServer(prerequisite.binary);
  }, 120_000);
  afterAll(async () => {
    await nats?.stop();
  });

  receiverContract('NATS JetStream', async () => openJetStreamBackbone({ servers: nats.url, name: 'webhook-test' }));

  it('answers 503 (retry), not 500, while the broker is down, and publishes the retry once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webhook-outage-'));
    const backbone = await openJetStreamBackbone({ servers: nats.url, name: 'webhook-outage-test' });
    const worker = await startWorker({
      bundleDir: await generateBundles(dir),
      backbone,
      units: ['source-shop'],
      stateDir: join(dir, 'state'),
      env: ENV,
      port: 0,
      logger: createLogger({ level: 'error' }),
    });
    try {
      const body = JSON.stringify({ ...JSON.parse(PRODUCT), id: 77, title: 'During the outage' });
      const restarted = nats.restart({ downMs: 4_000, kill: true });
      await new Promise((r) => setTimeout(r, 500));
      const during = await shopify(worker.url, body, { id: 'outage-1' });
      expect(during.status).toBe(503);
      await restarted;
      let after = during;
      for (let i = 0; i < 100 && after.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        after = await shopify(worker.url, body, { id: 'outage-1' });
      }
      expect(after.status).toBe(200);
      const stored = (await messages(backbone, PRODUCT_TOPIC)).filter((m) => m.messageId === 'shop:Product.Updated:outage-1');
      expect(stored).toHaveLength(1);
    } finally {
      await worker.close();
      await backbone.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('kill -9 of the worker process mid-delivery loses nothing acknowledged and stores nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webhook-kill-'));
    const backbone = await openJetStreamBackbone({ servers: nats.url, name: 'webhook-kill-test' });
    const children: ChildProcess[] = [];
    try {
      const bundleDir = await generateBundles(dir);
      // A fresh topic for this test: the receiver test above used the same server.
      await backbone.ensureTopic(PRODUCT_TOPIC);
      const before = (await messages(backbone, PRODUCT_TOPIC)).length;
      const port = await freePort();
      const start = () => {
        const child = spawn(
          NODE,
          [
            CLI,
            'worker',
            '--bundle',
            bundleDir,
            '--unit',
            'source-shop',
            '--nats',
            nats.url,
            '--port',
            String(port),
            '--host',
            '127.0.0.1',
          ],
          {
            cwd: tmpdir(),
            env: { ...process.env, ...ENV, INTERLACE_STATE_DIR: join(dir, 'state') },
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        children.push(child);
        return child;
      };
      const url = `http://127.0.0.1:${port}`;
      let child = start();
      const total = 400;
      const acknowledged = new Set<string>();
      let attempts = 0;
      // The platform's side: every delivery is retried until it gets a 2xx, as Shopify does.
      const deliver = async (n: number) => {
        const id = `kill-${n}`;
        const body = JSON.stringify({ ...JSON.parse(PRODUCT), id: 900_000 + n, title: `Product ${n}` });
        for (;;) {
          attempts++;
          const res = await shopify(url, body, { id }).catch(() => ({ status: 0, body: '' }));
          if (res.status === 200) {
            acknowledged.add(id);
            return;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      let next = 0;
      const senders = Array.from({ length: 16 }, async () => {
        while (next < total) await deliver(next++);
      });
      // Kill the worker once a quarter of the deliveries were acknowledged, with the rest in flight.
      while (acknowledged.size < total / 4) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      const killedAt = acknowledged.size;
      await new Promise((r) => setTimeout(r, 300));
      child = start();
      await Promise.all(senders);
      expect(killedAt).toBeLessThan(total);
      expect(acknowledged.size).toBe(total);
      expect(attempts).toBeGreaterThan(total);
      const stored = (await messages(backbone, PRODUCT_TOPIC)).slice(before);
      const ids = stored.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(total);
      for (const id of acknowledged) expect(ids).toContain(`shop:Product.Updated:${id}`);
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await backbone.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

receiverContract('the embedded backbone', async (dir) => openSqliteBackbone({ path: join(dir, 'backbone.db') }));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
