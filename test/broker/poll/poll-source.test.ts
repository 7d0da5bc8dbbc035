// The poll source (runtime/adapters/sources/poll) against a simulated ERP that enforces what real
// ones do — typed filter literals, server page sizes below $top with skip-token next links, 429 with
// Retry-After, 500, garbage — and a real nats-server: every row change is stored exactly once
// (counted on the backbone, not in publish calls), ties at one timestamp across page and poll
// boundaries are neither skipped nor repeated, failures leave the watermark where it was, and a queue
// entry is acknowledged only after its publish resolved.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KvAdapterState } from '../../../runtime/adapters/adapter-state.ts';
import { createPollSources } from '../../../runtime/adapters/sources/poll/poll-source.ts';
import type { PollSource } from '../../../runtime/adapters/sources/poll/poll-source.ts';
import { openJetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { System } from '../../../language/kinds/generated/kinds.ts';
import { natsServerOrSkipReason, startNatsServer } from '../harness/nats-server.ts';
import type { NatsServer } from '../harness/nats-server.ts';
import { PolledErp, QUEUE_PATH, V2_PATH, V4_PATH } from './polled-erp.ts';
import { backboneContext, recordingFetch, storedMessages, waitFor } from './poll-test-support.ts';
import type { RecordedCall } from './poll-test-support.ts';

const nats = await natsServerOrSkipReason();
let server: NatsServer | undefined;
let backbone: JetStreamBackbone;
const erp = new PolledErp();
const running: PollSource[] = [];
const FAST = { initialMs: 20, maxMs: 200, maxRetryAfterMs: 5000 };

beforeAll(async () => {
  await erp.server.start();
  if ('skip' in nats) return;
  server = await startNatsServer(nats.binary);
  backbone = await openJetStreamBackbone({ servers: server.url, name: 'poll-source-test' });
});

// Each test's sources stop with it: one left polling the same path would take the next test's
// injected fault (the timeout case then saw a normal answer on a loaded machine).
afterEach(async () => {
  for (const source of running.splice(0)) await source.stop();
});

afterAll(async () => {
  await backbone?.close();
  await server?.stop();
  await erp.server.stop();
});

function systemSpec(poll: NonNullable<NonNullable<System['spec']['sources']>['poll']>): System['spec'] {
  return { type: 'erp', hosting: 'cloud', endpoint: { protocol: 'http', url: erp.server.origin, format: 'odata-v2' }, sources: { poll } };
}

async function start(spec: System['spec'], topic: string, options: { fetch?: typeof fetch; onPublish?: (id: string) => void } = {}) {
  await backbone.ensureTopic(topic);
  const state = new KvAdapterState(await backbone.keyValue('ADAPTERS', 0), `polled-erp/${topic}`);
  const [source] = createPollSources('polled-erp', spec, { backoff: FAST, fetch: options.fetch });
  running.push(source!);
  const stop = new AbortController();
  await source!.start(backboneContext(backbone, topic, state, stop.signal, undefined, options.onPublish));
  return { source: source!, state };
}

describe.skipIf('skip' in nats)('poll source on a real backbone', () => {
  it('OData V2 (SAP): every change once through ties, server paging, 429 with Retry-After, 500 and garbage', async () => {
    const base = Date.UTC(2026, 0, 5, 8, 0, 0);
    const written: { key: string; ms: number; type: string }[] = [];
    const write = (n: number, ms: number) => {
      erp.upsertSalesOrder(n, ms);
      const row = erp.salesOrders.get(String(n).padStart(10, '0'))!;
      written.push({ key: String(row.SalesOrder), ms, type: String(row.SalesOrderType) });
    };
    // 120 orders, four per second: ties at every timestamp, and page boundaries (server pages of 20,
    // queries of 30) fall inside them.
    for (let i = 1; i <= 120; i++) write(i, base + Math.floor((i - 1) / 4) * 1000);
    erp.server.addFault({ endpoint: `GET ${V2_PATH}`, mode: 'retry-after', status: 429, retryAfterSeconds: 1, times: 1 });
    erp.server.addFault({ endpoint: `GET ${V2_PATH}`, mode: 'error', status: 500, times: 2 });
    erp.server.addFault({ endpoint: `GET ${V2_PATH}`, mode: 'garbage', times: 1 });
    const calls: RecordedCall[] = [];
    const { source, state } = await start(
      systemSpec([
        {
          name: 'sales-orders',
          event: 'SalesOrder.Changed',
          interval: '100ms',
          odata: {
            version: 'v2',
            path: V2_PATH,
            key: ['SalesOrder'],
            modifiedField: 'LastChangeDateTime',
            filter: "SalesOrderType eq 'OR'",
            expand: ['to_Item'],
            pageSize: 30,
          },
        },
      ]),
      'poll.v2',
      { fetch: recordingFetch(calls) },
    );
    const expected = () =>
      new Set(
        written
          .filter((w) => w.type === 'OR')
          .map((w) => `polled-erp:SalesOrder.Changed:sales-orders/["${w.key}"]/${new Date(w.ms).toISOString()}`),
      );
    await waitFor('the first 120 orders', async () => (await storedMessages(backbone, 'poll.v2')).length >= expected().size);

    // After the first polls: rows written in the watermark's own second (ties across polls), ten
    // orders changed later, and fifteen new ones.
    const last = Math.max(...written.map((w) => w.ms));
    for (let i = 121; i <= 125; i++) write(i, last);
    for (let i = 1; i <= 10; i++) write(i * 3, last + 2000);
    for (let i = 126; i <= 135; i++) write(i, last + 3000 + i);
    await waitFor('the later changes', async () => (await storedMessages(backbone, 'poll.v2')).length >= expected().size);
    await new Promise((r) => setTimeout(r, 400)); // a few more polls: nothing more may come

    const stored = await storedMessages(backbone, 'poll.v2');
    const ids = stored.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(expected());
    // $expand: the items came with each order; the extra filter kept the credit memos (CR) out.
    expect(stored.every((m) => Array.isArray((m.payload.to_Item as { results: unknown[] }).results))).toBe(true);
    expect(stored.some((m) => m.payload.SalesOrderType === 'CR')).toBe(false);
    // The server paged (20 per page) below the query's $top and its __next links were followed.
    expect(calls.some((c) => c.url.searchParams.has('$skiptoken'))).toBe(true);
    // Every fault happened, and the poll after the 429 came no earlier than its Retry-After (1 s).
    const i429 = calls.findIndex((c) => c.status === 429);
    expect(i429).toBeGreaterThanOrEqual(0);
    expect(calls[i429 + 1]!.at - calls[i429]!.at).toBeGreaterThanOrEqual(950);
    expect(calls.filter((c) => c.status === 500)).toHaveLength(2);
    expect(erp.server.faults.applied.get('garbage')).toBe(1);
    expect(source.counters.failures).toBe(4);
    const watermark = JSON.parse((await state.get('sales-orders/watermark'))!) as { at: number; keys: string[] };
    expect(watermark.at).toBe(last + 3000 + 135);
  });

  it('OData V4 (Business Central): ISO timestamps, @odata.nextLink paging, since, and a failing poll leaves the watermark', async () => {
    const base = Date.UTC(2026, 1, 1);
    for (let i = 1; i <= 40; i++) erp.upsertItem(i, base + Math.floor(i / 3) * 7);
    // Before `since`: never published.
    for (let i = 41; i <= 45; i++) erp.upsertItem(i, base - 86_400_000);
    const calls: RecordedCall[] = [];
    const { source, state } = await start(
      {
        ...systemSpec([
          {
            name: 'items',
            event: 'Item.Changed',
            interval: '100ms',
            odata: { path: V4_PATH, key: ['id'], modifiedField: 'lastModifiedDateTime', pageSize: 10, since: new Date(base).toISOString() },
          },
        ]),
        endpoint: { protocol: 'http', url: erp.server.origin, format: 'odata-v4' },
      },
      'poll.v4',
      { fetch: recordingFetch(calls) },
    );
    await waitFor('40 items', async () => (await storedMessages(backbone, 'poll.v4')).length >= 40);
    const before = await state.get('items/watermark');
    // The system fails for a while: 500s until cleared. The watermark stays; nothing is published.
    erp.server.addFault({ endpoint: `GET ${V4_PATH}`, mode: 'error', status: 500 });
    erp.upsertItem(7, base + 10_000);
    await waitFor('three failed polls', () => source.counters.failures >= 3);
    expect(await state.get('items/watermark')).toBe(before);
    expect(await storedMessages(backbone, 'poll.v4')).toHaveLength(40);
    erp.server.faults.clear();
    await waitFor('the change after recovery', async () => (await storedMessages(backbone, 'poll.v4')).length >= 41);
    await new Promise((r) => setTimeout(r, 300));
    const ids = (await storedMessages(backbone, 'poll.v4')).map((m) => m.id);
    expect(ids).toHaveLength(41);
    expect(new Set(ids).size).toBe(41);
    expect(ids.at(-1)).toBe(
      `polled-erp:Item.Changed:items/["00000000-0000-4000-8000-000000000007"]/${new Date(base + 10_000).toISOString()}`,
    );
    // V4 literal: bare ISO; the server paged (7 per page) with @odata.nextLink.
    const filtered = calls.find((c) => c.url.searchParams.get('$filter')?.includes(' ge '));
    expect(filtered!.url.searchParams.get('$filter')).toMatch(/^lastModifiedDateTime ge \d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(calls.some((c) => c.url.searchParams.has('$skiptoken'))).toBe(true);
  });

  it('a response over maxResponseBytes fails the poll before it is read whole; nothing published, no watermark', async () => {
    const { source, state } = await start(
      systemSpec([
        {
          name: 'too-large',
          event: 'SalesOrder.Changed',
          interval: '100ms',
          maxResponseBytes: 2048,
          odata: { path: V2_PATH, key: ['SalesOrder'], modifiedField: 'LastChangeDateTime', pageSize: 50 },
        },
      ]),
      'poll.limit',
    );
    await waitFor('two failed polls', () => source.counters.failures >= 2);
    expect(source.counters.lastError).toMatch(/limit of 2048/);
    expect(await state.get('too-large/watermark')).toBeUndefined();
    expect(await storedMessages(backbone, 'poll.limit')).toHaveLength(0);
  });

  it('a call that gets no answer times out after the poll timeout and is retried', async () => {
    erp.server.addFault({ endpoint: `GET ${V4_PATH}`, mode: 'timeout', times: 1 });
    const started = Date.now();
    const { source } = await start(
      {
        ...systemSpec([
          {
            name: 'slow-items',
            event: 'Item.Changed',
            interval: '100ms',
            timeout: '300ms',
            odata: { path: V4_PATH, key: ['id'], modifiedField: 'lastModifiedDateTime', since: '2030-01-01T00:00:00Z' },
          },
        ]),
        endpoint: { protocol: 'http', url: erp.server.origin, format: 'odata-v4' },
      },
      'poll.timeout',
    );
    await waitFor('a poll after the timeout', () => source.counters.polls >= 1);
    expect(source.counters.failures).toBe(1);
    expect(source.counters.lastError).toMatch(/no answer within 300 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(erp.server.faults.applied.get('timeout')).toBe(1);
  });

  it('event queue: read, publish, then acknowledge — never an acknowledgement before the publish resolved', async () => {
    erp.enqueue(60);
    const resolved = new Set<string>();
    const early: string[] = [];
    const calls: RecordedCall[] = [];
    const checkingFetch: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      if (init?.method === 'DELETE') {
        const id = decodeURIComponent(url.pathname.split('/').pop()!);
        if (!resolved.has(`polled-erp:BusinessPartner.Changed:events/${id}`)) early.push(id);
      }
      return recordingFetch(calls)(input, init);
    };
    erp.server.addFault({ endpoint: `DELETE ${QUEUE_PATH}`, mode: 'error', status: 503, times: 1 });
    const { source, state } = await start(
      systemSpec([
        {
          name: 'events',
          event: 'BusinessPartner.Changed',
          interval: '100ms',
          queue: { path: QUEUE_PATH, idField: 'id', payloadField: 'data', batchSize: 25, ack: { path: `${QUEUE_PATH}/{id}` } },
        },
      ]),
      'poll.queue',
      { fetch: checkingFetch, onPublish: (id) => resolved.add(id) },
    );
    await waitFor('the queue drained', () => erp.queue.size === 0);
    await waitFor('the acknowledgements cleared', async () => (await state.get('events/acks')) === '[]');
    const stored = await storedMessages(backbone, 'poll.queue');
    expect(stored).toHaveLength(60);
    expect(new Set(stored.map((m) => m.id)).size).toBe(60);
    expect(stored[0]!.payload).toEqual({ BusinessPartner: 'BP000001' });
    expect(early).toEqual([]);
    // The failed DELETE was retried from the durable record: every entry acknowledged, once.
    expect(new Set(erp.acknowledged).size).toBe(60);
    expect(source.counters.failures).toBe(1);
  });
});
