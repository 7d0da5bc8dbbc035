// Shared by the scenario and fault tests: the two backbones (the embedded store in a temp folder, a
// real nats-server from the broker harness), an EstateRun of the example estate against them with
// the simulated systems, and the balance check every test ends with: for each route target, the
// distinct messages on its source (and replay) topic = delivered + dead-lettered + filtered (+ parked);
// redeliveries suppressed as duplicates are counted apart, and no simulated
// system saw an effect twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { EstateRun } from '../../runtime/run/estate-run.ts';
import type { EstateRunOptions } from '../../runtime/run/estate-run.ts';
import { sourceTopicOf } from '../../runtime/worker/estate.ts';
import { replayTopic } from '../../runtime/run/dead-letters.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';

export const REPO = resolve(import.meta.dirname, '../..');

export interface BackboneUnderTest {
  name: 'embedded' | 'jetstream';
  backbone: Backbone;
  /** The nats-server (jetstream only). */
  nats?: NatsServer;
  dir: string;
  close(): Promise<void>;
}

export type BackboneFactory = { name: 'embedded' | 'jetstream'; open(): Promise<BackboneUnderTest>; skip?: string };

/** Both backbones; jetstream carries a skip reason when nats-server cannot be built (never in CI). */
export async function backboneFactories(): Promise<BackboneFactory[]> {
  const nats = await natsServerOrSkipReason();
  const embedded: BackboneFactory = {
    name: 'embedded',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'interlace-scenario-'));
      const backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db'), pollIntervalMs: 50 });
      return {
        name: 'embedded',
        backbone,
        dir,
        close: async () => {
          await backbone.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
  const jetstream: BackboneFactory = {
    name: 'jetstream',
    ...('skip' in nats ? { skip: nats.skip } : {}),
    async open() {
      if ('skip' in nats) throw new Error(nats.skip);
      const dir = mkdtempSync(join(tmpdir(), 'interlace-scenario-'));
      const server = await startNatsServer(nats.binary);
      const backbone = await openJetStreamBackbone({ servers: server.url, name: 'interlace-scenario' });
      return {
        name: 'jetstream',
        backbone,
        nats: server,
        dir,
        close: async () => {
          await backbone.close();
          await server.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
  return [embedded, jetstream];
}

/** The runs' info log lines (attempt failures, redeliveries, suppressed duplicates), for duplicateDetail. */
const runLogs = new WeakMap<EstateRun, string[]>();
const MAX_LOG_LINES = 200_000;

/** The example estate, run against `bb` with fast simulated systems and retries scaled down 100×. */
export async function startEstate(bb: BackboneUnderTest, options: Partial<EstateRunOptions> = {}): Promise<EstateRun> {
  const lines: string[] = [];
  const run = await EstateRun.start({
    logLevel: 'info',
    logSink: (line) => {
      if (lines.length < MAX_LOG_LINES) lines.push(line);
    },
    paths: ['specs'],
    cwd: REPO,
    runDir: join(bb.dir, 'run'),
    backbone: bb.backbone,
    portBase: 0,
    deliveryScale: 0.01,
    // Backoffs shrink 100×, attempt timeouts stay long. Every simulator shares this one process with
    // 30 units: after a broker restart the redelivery burst can starve a simulator's answer past 5 s
    // on a saturated machine, and the retry of that ambiguous attempt repeats an effect the strict
    // simulators count (a target honouring Idempotency-Key would not). That is at-least-once against a
    // non-idempotent target, not the fault these tests are about (fault-targets kept 5 s once, and at
    // load 15 its CRM saw 15 such repeats besides the three requests it holds on purpose).
    minAttemptTimeoutMs: 20_000,
    ackWaitMs: 5_000,
    ...options,
  });
  runLogs.set(run, lines);
  return run;
}

/** Distinct messages on a topic (a message stored twice under one message id counts once). */
async function countTopic(backbone: Backbone, topic: string): Promise<number> {
  const ids = new Set<string>();
  let from = 1;
  for (;;) {
    const batch = await backbone.read(topic, from, 1_000).catch(() => []);
    for (const m of batch) ids.add(m.messageId ?? `#${m.sequence}`);
    if (batch.length < 1_000) return ids.size;
    from = batch[batch.length - 1]!.sequence + 1;
  }
}

export interface Balance {
  route: string;
  target: string;
  received: number;
  delivered: number;
  deadLettered: number;
  filtered: number;
  /** Deliveries of a message whose effect was already made (suppressed). */
  duplicates: number;
}

/** received (stored on the source topic) vs what the route target did with them. */
export async function balances(run: EstateRun): Promise<Balance[]> {
  const out: Balance[] = [];
  const value = (route: string, target: string, outcome: string) =>
    run.metrics.value('interlace_route_messages_total', { route, target, outcome });
  for (const route of run.estate.routes) {
    const received = await countTopic(run.backbone, sourceTopicOf(route));
    for (const target of route.spec.targets) {
      const name = route.metadata.name;
      // Replayed dead letters arrive a second time, on the target's replay topic.
      const replayed = await countTopic(run.backbone, replayTopic(name, target.name));
      out.push({
        route: name,
        target: target.name,
        received: received + replayed,
        delivered: await value(name, target.name, 'delivered'),
        deadLettered: (await value(name, target.name, 'dead_lettered')) + (await value(name, target.name, 'parked')),
        filtered: await value(name, target.name, 'filtered'),
        duplicates: await value(name, target.name, 'duplicate'),
      });
    }
  }
  return out;
}

/** Route targets whose count does not balance (empty when all do). */
export async function unbalanced(run: EstateRun): Promise<Balance[]> {
  // Redeliveries and stored copies of one message are `duplicates`, counted apart from the balance.
  return (await balances(run)).filter((b) => b.received !== b.delivered + b.deadLettered + b.filtered);
}

/** The duplicate effect keys per system, as a failure message that says which effects came twice. */
export function duplicateDetail(run: EstateRun | undefined): string {
  const sim = run?.simulation;
  if (!sim) return 'no simulation';
  const out: Record<string, { count: number; keys: string[]; afterMs: number[] }> = {};
  for (const s of sim.systems)
    if (s.ledger.duplicates > 0)
      out[s.name] = { count: s.ledger.duplicates, keys: [...s.ledger.duplicateKeys], afterMs: [...s.ledger.duplicateDelaysMs] };
  // What the workers said about the first few duplicated entities: the attempts that failed and why,
  // redeliveries (with their count), suppressed duplicates, errors. An effect key's entity is its last
  // `/`- or `:`-separated part before the event id (`order:route/target/DP-1/evt` → DP-1).
  const lines = (run && runLogs.get(run)) ?? [];
  const told: string[] = [];
  for (const name of Object.keys(out).slice(0, 3)) {
    for (const key of out[name]!.keys.slice(0, 3)) {
      const parts = key.split(/[/:]/).filter((p) => p !== '');
      const entity = parts.length >= 5 ? parts[parts.length - 2]! : parts[parts.length - 1]!;
      told.push(`--- ${name} ${key}`, ...lines.filter((l) => l.includes(entity)).slice(0, 15));
    }
  }
  const counts: Record<string, number> = {};
  for (const l of lines) {
    const msg = /"msg":"([^"]*)"/.exec(l)?.[1] ?? '?';
    const reason = /"reason":"([^"]*)"/.exec(l)?.[1];
    const label = reason ? `${msg} (${reason})` : msg;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return `duplicate effects: ${JSON.stringify(out)}\nlog lines by message: ${JSON.stringify(counts)}\n${told.join('\n')}`;
}
