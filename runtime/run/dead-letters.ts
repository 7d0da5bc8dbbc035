/**
 * Dead letters of a run, for `interlace dlq` and the run's own replay consumers. A dead letter is
 * named `<route>/<target>#<sequence>` (its position in the target's dead-letter topic).
 *
 * Replay: the original message is published, with its original message id, key and headers, on the
 * target's replay topic `replay.<route>.<target>`. The run consumes that topic with the same route
 * target pipeline and the same idempotency store as the unit itself, and the replayed message carries
 * the idempotency key of the original delivery (header `interlace-idempotency-key`, also when the original
 * had no message id and its key came from the payload's hash): delivered once if it never was, suppressed as a duplicate if
 * it was (replaying twice causes one effect; a second publish within the dedupe window is not even
 * stored). Only the failed target sees the replay — the route's other targets, which succeeded, do
 * not. The dead letter is then acknowledged for the `dlq-replay` consumer, whose backlog is the
 * dead-letter depth the metrics show.
 */
import type { Backbone, Message } from '../backbone/backbone.ts';
import { DLQ_REPLAY_CONSUMER, IDEMPOTENCY_KEY_HEADER } from '../delivery/dead-letter.ts';
import type { DeadLetter } from '../delivery/dead-letter.ts';
import { deliveryPolicyOf } from '../delivery/policy.ts';
import type { WorkerEstate } from '../worker/estate.ts';
import { replayTopic } from '../delivery/replay.ts';

export { replayRuntime, replayTopic } from '../delivery/replay.ts';

export interface DeadLetterTopic {
  route: string;
  target: string;
  topic: string;
}

export interface StoredDeadLetter {
  id: string;
  topic: string;
  sequence: number;
  letter: DeadLetter;
  /** Already replayed (a replay of it is on the replay topic). */
  replayed: boolean;
}

export const REPLAY_HEADER = 'interlace-replay-of';

/** Every route target's dead-letter topic, as the worker derives it. */
export function deadLetterTopics(estate: WorkerEstate, routeFilter?: string): DeadLetterTopic[] {
  const out: DeadLetterTopic[] = [];
  for (const route of estate.routes) {
    if (routeFilter && route.metadata.name !== routeFilter) continue;
    for (const target of route.spec.targets) {
      out.push({
        route: route.metadata.name,
        target: target.name,
        topic: deliveryPolicyOf(route.metadata.name, target.name, target.delivery).deadLetterTopic,
      });
    }
  }
  return out;
}

export function parseDeadLetterId(id: string): { route: string; target: string; sequence: number } | undefined {
  const m = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9-]*)#([0-9]+)$/.exec(id.trim());
  return m ? { route: m[1]!, target: m[2]!, sequence: Number(m[3]) } : undefined;
}

async function readAll(backbone: Backbone, topic: string): Promise<Message[]> {
  const out: Message[] = [];
  let from = 1;
  for (;;) {
    let batch: Message[];
    try {
      batch = await backbone.read(topic, from, 500);
    } catch {
      return out; // a topic never created has no dead letters
    }
    if (batch.length === 0) return out;
    out.push(...batch);
    from = batch[batch.length - 1]!.sequence + 1;
    if (batch.length < 500) return out;
  }
}

/** The dead letters stored for the estate's route targets (optionally one route), oldest first per target. */
export async function listDeadLetters(backbone: Backbone, estate: WorkerEstate, routeFilter?: string): Promise<StoredDeadLetter[]> {
  const out: StoredDeadLetter[] = [];
  for (const t of deadLetterTopics(estate, routeFilter)) {
    const letters = await readAll(backbone, t.topic);
    if (letters.length === 0) continue;
    const replays = new Set((await readAll(backbone, replayTopic(t.route, t.target))).map((m) => m.headers[REPLAY_HEADER]).filter(Boolean));
    for (const m of letters) {
      let letter: DeadLetter;
      try {
        letter = JSON.parse(Buffer.from(m.payload).toString('utf8')) as DeadLetter;
      } catch {
        continue;
      }
      const id = `${t.route}/${t.target}#${m.sequence}`;
      out.push({ id, topic: t.topic, sequence: m.sequence, letter, replayed: replays.has(id) });
    }
  }
  return out;
}

export async function showDeadLetter(backbone: Backbone, estate: WorkerEstate, id: string): Promise<StoredDeadLetter | undefined> {
  const parsed = parseDeadLetterId(id);
  if (!parsed) return undefined;
  const letters = await listDeadLetters(backbone, estate, parsed.route);
  return letters.find((l) => l.id === `${parsed.route}/${parsed.target}#${parsed.sequence}`);
}

/** Which stored dead letters `interlace dlq purge` removes (the route filter is listDeadLetters'). */
export interface PurgeFilter {
  /** Only dead letters dead-lettered more than this long before `now`. */
  olderThanMs?: number;
  /** Only dead letters already replayed. */
  replayedOnly?: boolean;
  now: number;
}

/** The dead letters a purge with this filter removes, oldest first per topic. */
export function selectForPurge(letters: readonly StoredDeadLetter[], filter: PurgeFilter): StoredDeadLetter[] {
  return letters.filter((l) => {
    if (filter.replayedOnly && !l.replayed) return false;
    if (filter.olderThanMs === undefined) return true;
    const at = Date.parse(l.letter.deadLetteredAt);
    // A letter whose time does not parse is never judged old: purge only what it can date.
    return Number.isFinite(at) && at < filter.now - filter.olderThanMs;
  });
}

/**
 * Deletes dead letters from their topics (JetStream; the embedded store has no deleteMessages and is
 * refused by the CLI first). Returns how many were deleted; one already gone is not counted.
 */
export async function purgeDeadLetters(backbone: Backbone, letters: readonly StoredDeadLetter[]): Promise<number> {
  if (!backbone.deleteMessages) throw new Error('this backbone cannot delete messages');
  const byTopic = new Map<string, number[]>();
  for (const l of letters) byTopic.set(l.topic, [...(byTopic.get(l.topic) ?? []), l.sequence]);
  let deleted = 0;
  for (const [topic, sequences] of byTopic) deleted += await backbone.deleteMessages(topic, [...new Set(sequences)]);
  return deleted;
}

/** Publishes the dead letter's original message on its replay topic; returns whether it was stored anew. */
export async function replayDeadLetter(backbone: Backbone, stored: StoredDeadLetter): Promise<{ stored: boolean }> {
  const { letter } = stored;
  const topic = replayTopic(letter.route, letter.target);
  await backbone.ensureTopic(topic);
  const payload =
    letter.message.payloadBase64 !== undefined
      ? Buffer.from(letter.message.payloadBase64, 'base64')
      : Buffer.from(JSON.stringify(letter.message.payload));
  const result = await backbone.publish(topic, payload, {
    ...(letter.message.key !== undefined ? { key: letter.message.key } : {}),
    // The backbone's de-duplication: replaying the same dead letter twice stores it once.
    messageId: letter.message.messageId ?? `replay:${stored.id}`,
    // The idempotency key of the original delivery travels with it, so the replay is the same effect
    // (also for a message published without an id, whose key came from the original payload's hash).
    headers: {
      ...letter.message.headers,
      [REPLAY_HEADER]: stored.id,
      ...(letter.idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: letter.idempotencyKey } : {}),
    },
  });
  return { stored: !result.duplicate };
}

/** Marks dead letters as handled for the `dlq-replay` consumer (the dead-letter depth). */
export async function acknowledgeDeadLetters(backbone: Backbone, topic: string, sequences: ReadonlySet<number>): Promise<number> {
  if (sequences.size === 0) return 0;
  let acked = 0;
  const others: { nak(delayMs?: number): Promise<void> }[] = [];
  const max = Math.max(...sequences);
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const subscription = await backbone.subscribe(
    topic,
    DLQ_REPLAY_CONSUMER,
    async (delivery) => {
      if (sequences.has(delivery.sequence)) {
        await delivery.ack();
        acked++;
      } else {
        others.push(delivery);
      }
      if (acked === sequences.size || delivery.sequence >= max) done();
    },
    { maxInFlight: 1_000, ackWaitMs: 5_000 },
  );
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
  await subscription.stop();
  // Dead letters not replayed stay pending (they are the depth), available at once to the next replay.
  for (const other of others) await other.nak(0).catch(() => {});
  return acked;
}
