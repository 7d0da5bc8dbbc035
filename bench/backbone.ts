/**
 * `npm run bench -- backbone` (or `node bench/backbone.ts [messages]`): publish rate and consume+ack rate
 * of both backbones, against the floor — a bare JetStream publish loop and consume-and-ack loop with the
 * same client and payloads. Starts its own nats-server (scripts/build-nats-server.sh) on free ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Backbone } from '../runtime/backbone/backbone.ts';
import { openJetStreamBackbone } from '../runtime/backbone/jetstream-backbone.ts';
import { openSqliteBackbone } from '../runtime/backbone/sqlite-backbone.ts';
import { ensureNatsServerBinary, startNatsServer } from '../test/broker/harness/nats-server.ts';

const WINDOW = 1_000; // publishes in flight at once
const MAX_IN_FLIGHT = 256;

function payload(i: number): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      orderNumber: `SO-${100000 + i}`,
      dealer: 'D-0042',
      warehouse: 'WH-EAST',
      lines: [
        { sku: 'PUMP-200', quantity: 3, unitPrice: '412.50' },
        { sku: 'SEAL-KIT-7', quantity: 12, unitPrice: '9.90' },
      ],
      requestedDate: '2026-03-14',
      currency: 'EUR',
    }),
  );
}

interface Rates {
  publish: number;
  consume: number;
}

function rate(n: number, ms: number): number {
  return Math.round((n / ms) * 1000);
}

async function publishAll(n: number, publish: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i += WINDOW) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + WINDOW); j++) batch.push(publish(j));
    await Promise.all(batch);
  }
  return rate(n, performance.now() - start);
}

async function measureBackbone(bb: Backbone, n: number): Promise<Rates> {
  const topic = `bench.t${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await bb.ensureTopic(topic);
  const publish = await publishAll(n, (i) => bb.publish(topic, payload(i), { key: `SO-${i}` }));
  let done = 0;
  const start = performance.now();
  const finished = new Promise<void>((resolve) => {
    void bb
      .subscribe(
        topic,
        'bench',
        async (d) => {
          await d.ack();
          if (++done === n) resolve();
        },
        { maxInFlight: MAX_IN_FLIGHT, ackWaitMs: 60_000 },
      )
      .then((s) => finished.then(() => s.stop()));
  });
  await finished;
  return { publish, consume: rate(n, performance.now() - start) };
}

/** The floor: the same client, no backbone layer, fire-and-forget acks. */
async function measureBareJetStream(url: string, n: number): Promise<Rates> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = `BARE_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await jsm.streams.add({ name: stream, subjects: [`bare.${stream}`] });
  const publish = await publishAll(n, (i) => js.publish(`bare.${stream}`, payload(i)));
  await jsm.consumers.add(stream, { durable_name: 'bench', ack_policy: AckPolicy.Explicit, max_ack_pending: MAX_IN_FLIGHT });
  const consumer = await js.consumers.get(stream, 'bench');
  const start = performance.now();
  const messages = await consumer.consume({ max_messages: MAX_IN_FLIGHT });
  let done = 0;
  for await (const m of messages) {
    m.ack();
    if (++done === n) break;
  }
  const consume = rate(n, performance.now() - start);
  await nc.drain();
  return { publish, consume };
}

export async function run(): Promise<void> {
  const n = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20_000);
  const binary = await ensureNatsServerBinary();
  const server = await startNatsServer(binary);
  const dir = mkdtempSync(join(tmpdir(), 'interlace-bench-backbone-'));
  try {
    // Three rounds, interleaved, best of each: the first round also warms up the JIT and the server.
    const best = (a: Rates | undefined, b: Rates): Rates =>
      a ? { publish: Math.max(a.publish, b.publish), consume: Math.max(a.consume, b.consume) } : b;
    let floor: Rates | undefined;
    let jsRates: Rates | undefined;
    let sqliteRates: Rates | undefined;
    for (let round = 0; round < 3; round++) {
      floor = best(floor, await measureBareJetStream(server.url, n));
      const js = await openJetStreamBackbone({ servers: server.url });
      jsRates = best(jsRates, await measureBackbone(js, n));
      await js.close();
      const sqlite = await openSqliteBackbone({ path: join(dir, `bench-${round}.db`) });
      sqliteRates = best(sqliteRates, await measureBackbone(sqlite, n));
      await sqlite.close();
    }
    if (!floor || !jsRates || !sqliteRates) return;
    const f = floor;

    const row = (name: string, r: Rates) =>
      `${name.padEnd(28)} publish ${String(r.publish).padStart(7)}/s (${(r.publish / f.publish).toFixed(2)}× floor)` +
      `   consume+ack ${String(r.consume).padStart(7)}/s (${(r.consume / f.consume).toFixed(2)}× floor)`;
    console.log(`backbone: ${n} messages of ${payload(0).length} bytes, ${WINDOW} publishes in flight, maxInFlight ${MAX_IN_FLIGHT}`);
    console.log(row('floor: bare JetStream loop', f));
    console.log(row('JetStreamBackbone', jsRates));
    console.log(row('SqliteBackbone (embedded)', sqliteRates));
    console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();
