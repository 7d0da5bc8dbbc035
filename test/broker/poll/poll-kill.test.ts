// kill -9 of the poller process in the middle of a poll (a page half stored), twice, then a restart: every row is stored on
// the backbone exactly once (counted in the stream, not in publish calls) — nothing skipped because
// the watermark only moves after a page's publishes resolved, nothing stored twice because the rows
// of the page in flight are re-read with the same message ids.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openJetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { System } from '../../../language/kinds/generated/kinds.ts';
import { natsServerOrSkipReason, startNatsServer } from '../harness/nats-server.ts';
import type { NatsServer } from '../harness/nats-server.ts';
import { PolledErp, QUEUE_PATH, V2_PATH } from './polled-erp.ts';
import { storedMessages, waitFor } from './poll-test-support.ts';

const nats = await natsServerOrSkipReason();
let server: NatsServer | undefined;
let backbone: JetStreamBackbone;
const erp = new PolledErp();
const children: ChildProcess[] = [];
const TOPIC = 'poll.kill';
const ROWS = 300;
const QUEUE_TOPIC = 'poll.kill.queue';
const ENTRIES = 120;

beforeAll(async () => {
  await erp.server.start();
  if ('skip' in nats) return;
  server = await startNatsServer(nats.binary);
  backbone = await openJetStreamBackbone({ servers: server.url, name: 'poll-kill-test' });
  await backbone.ensureTopic(TOPIC);
  await backbone.ensureTopic(QUEUE_TOPIC);
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await backbone?.close();
  await server?.stop();
  await erp.server.stop();
});

const allLines: string[][] = [];

interface Poller {
  child: ChildProcess;
  lines: string[];
}

async function startPoller(spec: System['spec'], topic = TOPIC): Promise<Poller> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'poller-process.ts'), server!.url, topic, JSON.stringify(spec), '8'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: string[] = [];
  allLines.push(lines);
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  await waitFor('the poller to start', () => lines.includes('started') || child.exitCode !== null);
  expect(child.exitCode).toBeNull();
  return { child, lines };
}

async function kill9(poller: Poller): Promise<void> {
  const exited = new Promise((r) => poller.child.once('exit', r));
  poller.child.kill('SIGKILL');
  await exited;
}

it.skipIf('skip' in nats)(
  'kill -9 mid-poll, twice: every row stored once, none skipped',
  async () => {
    const base = Date.UTC(2026, 2, 1, 6, 0, 0);
    // Three rows per second: ties everywhere, page boundaries inside them.
    for (let i = 1; i <= ROWS; i++) erp.upsertSalesOrder(i, base + Math.floor(i / 3) * 1000);
    // Every page takes 120 ms to answer and the child stores its 20 rows one after another over ~150 ms
    // (its publish delay step of 8 ms), so a poll of 300 rows (queries of 40, server pages of 20) is in
    // flight long enough to be killed, and a kill can land while a page is half stored: a watermark
    // advanced before its page was stored skips the rest of that page (this test then times out).
    erp.server.addFault({ endpoint: `GET ${V2_PATH}`, mode: 'slow', delayMs: 120 });
    const spec: System['spec'] = {
      type: 'erp',
      hosting: 'on-prem',
      endpoint: { protocol: 'http', url: erp.server.origin, format: 'odata-v2' },
      sources: {
        poll: [
          {
            name: 'sales-orders',
            event: 'SalesOrder.Changed',
            interval: '200ms',
            odata: { path: V2_PATH, key: ['SalesOrder'], modifiedField: 'LastChangeDateTime', pageSize: 40 },
          },
        ],
      },
    };
    const count = async () => (await storedMessages(backbone, TOPIC)).length;

    // Killed on what the child reports, not by reading the stream: right after its 50th and (the second
    // child) 70th publish, in the middle of a page of 20.
    const publishes = (p: Poller) => p.lines.filter((l) => l.startsWith('published ') || l.startsWith('duplicate ')).length;
    let poller = await startPoller(spec);
    await waitFor('a first part published', () => publishes(poller) >= 50, 30_000, 1);
    await kill9(poller);
    const afterFirstKill = await count();
    expect(afterFirstKill).toBeLessThan(ROWS);

    poller = await startPoller(spec);
    await waitFor('more published', () => publishes(poller) >= 70, 30_000, 1);
    await kill9(poller);
    const afterSecondKill = await count();
    expect(afterSecondKill).toBeLessThan(ROWS);

    poller = await startPoller(spec);
    await waitFor('every row stored', async () => (await count()) >= ROWS, 60_000);
    await new Promise((r) => setTimeout(r, 800)); // more polls: nothing more may be stored
    await kill9(poller);

    const stored = await storedMessages(backbone, TOPIC);
    const ids = stored.map((m) => m.id);
    expect(ids).toHaveLength(ROWS);
    expect(new Set(ids).size).toBe(ROWS);
    const expected = new Set(
      [...erp.salesOrders.values()].map((r) => {
        const ms = Number(/\d+/.exec(String(r.LastChangeDateTime))![0]);
        return `polled-erp:SalesOrder.Changed:sales-orders/["${String(r.SalesOrder)}"]/${new Date(ms).toISOString()}`;
      }),
    );
    expect(new Set(ids)).toEqual(expected);
    // What a restart published again — the rows of the server page in flight at the kill, which the
    // backbone stored once — is at most one server page (20 rows) per kill.
    const repeated = allLines.flat().filter((l) => l.startsWith('duplicate ')).length;
    expect(repeated).toBeLessThanOrEqual(2 * 20);
    console.log(
      `kill -9 twice: ${ids.length} rows stored once; stored at the kills: ${afterFirstKill}, ${afterSecondKill}; publishes repeated after a restart (absorbed by de-duplication): ${repeated}`,
    );
  },
  120_000,
);

it.skipIf('skip' in nats)(
  'event queue, kill -9 mid-batch, twice: every entry stored once and acknowledged only once stored',
  async () => {
    erp.enqueue(ENTRIES);
    const stored = async () => new Set((await storedMessages(backbone, QUEUE_TOPIC)).map((m) => m.id));
    // The simulated queue checks, at each DELETE, that the entry is already on the backbone.
    const early: string[] = [];
    erp.onAcknowledge = async (id) => {
      if (!(await stored()).has(`polled-erp:BusinessPartner.Changed:events/${id}`)) early.push(id);
    };
    const spec: System['spec'] = {
      type: 'erp',
      hosting: 'on-prem',
      endpoint: { protocol: 'http', url: erp.server.origin },
      sources: {
        poll: [
          {
            name: 'events',
            event: 'BusinessPartner.Changed',
            interval: '200ms',
            queue: { path: QUEUE_PATH, idField: 'id', payloadField: 'data', batchSize: 20, ack: { path: `${QUEUE_PATH}/{id}` } },
          },
        ],
      },
    };
    const publishes = (p: Poller) => p.lines.filter((l) => l.startsWith('published ') || l.startsWith('duplicate ')).length;
    let poller = await startPoller(spec, QUEUE_TOPIC);
    await waitFor('a first part published', () => publishes(poller) >= 30, 30_000, 1);
    await kill9(poller);
    poller = await startPoller(spec, QUEUE_TOPIC);
    await waitFor('more published', () => publishes(poller) >= 50, 30_000, 1);
    await kill9(poller);
    poller = await startPoller(spec, QUEUE_TOPIC);
    await waitFor('the queue drained', () => erp.queue.size === 0, 60_000);
    await new Promise((r) => setTimeout(r, 600));
    await kill9(poller);

    const ids = (await storedMessages(backbone, QUEUE_TOPIC)).map((m) => m.id);
    expect(ids).toHaveLength(ENTRIES);
    expect(new Set(ids).size).toBe(ENTRIES);
    expect(early).toEqual([]);
    expect(new Set(erp.acknowledged).size).toBe(ENTRIES);
    console.log(
      `queue kill -9 twice: ${ids.length} entries stored once, ${erp.acknowledged.length} acknowledgements (${erp.acknowledged.length - ENTRIES} repeated)`,
    );
  },
  120_000,
);
