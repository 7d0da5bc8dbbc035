// The backbone contract: ONE suite that every Backbone implementation must pass (runtime/backbone/
// backbone.ts states the semantics). test/broker/jetstream.test.ts runs it against a real nats-server,
// test/broker/sqlite.test.ts against the embedded store. Each test uses its own topic, so tests share one
// storage per file without seeing each other's messages.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone, Delivery, DeliveryHandler, Message, SubscribeOptions, Subscription } from '../../runtime/backbone/backbone.ts';

export interface BackboneFixture {
  /** Opens a backbone on this fixture's storage (every call sees the same stored messages). */
  open(): Promise<Backbone>;
  /**
   * Restarts what holds the messages, mid-stream: the JetStream fixture restarts nats-server (the same
   * backbone object must reconnect by itself and is returned); the embedded fixture closes the backbone and
   * opens the file again (returning the new one).
   */
  restart(current: Backbone): Promise<Backbone>;
  /** Tears everything down. */
  close(): Promise<void>;
}

export interface ContractOptions {
  /** When set, every test is skipped and this reason printed (a missing prerequisite on a user's machine). */
  skip?: string | undefined;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (m: Message): string => dec.decode(m.payload);

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` until it holds or `timeoutMs` passes (then fails with `what`). */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

let topicCounter = 0;
/** A topic no other test uses. */
export function freshTopic(label: string): string {
  topicCounter += 1;
  return `test-${label}.t${topicCounter}-${randomUUID().slice(0, 8)}`;
}

export function describeBackbone(name: string, makeFixture: () => Promise<BackboneFixture>, options: ContractOptions = {}): void {
  const suite = options.skip ? describe.skip : describe;
  if (options.skip) console.warn(`[backbone contract] skipping ${name}: ${options.skip}`);

  suite(`backbone contract: ${name}`, () => {
    let fixture: BackboneFixture;
    let bb: Backbone;
    const subs: Subscription[] = [];
    const extraBackbones: Backbone[] = [];

    beforeAll(async () => {
      fixture = await makeFixture();
      bb = await fixture.open();
    });
    afterEach(async () => {
      for (const s of subs.splice(0)) await s.stop();
      for (const b of extraBackbones.splice(0)) await b.close().catch(() => {});
    });
    afterAll(async () => {
      await bb?.close().catch(() => {});
      await fixture?.close();
    });

    async function topicWith(label: string, count: number, prefix = 'm'): Promise<string> {
      const topic = freshTopic(label);
      await bb.ensureTopic(topic);
      for (let i = 1; i <= count; i++) await bb.publish(topic, enc.encode(`${prefix}${i}`));
      return topic;
    }

    async function subscribe(
      b: Backbone,
      topic: string,
      consumer: string,
      handler: DeliveryHandler,
      opts?: SubscribeOptions,
    ): Promise<Subscription> {
      const s = await b.subscribe(topic, consumer, handler, opts);
      subs.push(s);
      return s;
    }

    /** Subscribes, acking everything, and collects the deliveries. */
    async function collect(b: Backbone, topic: string, consumer: string, opts?: SubscribeOptions) {
      const got: Delivery[] = [];
      const sub = await subscribe(
        b,
        topic,
        consumer,
        async (d) => {
          got.push(d);
          await d.ack();
        },
        opts,
      );
      return { got, sub };
    }

    it('publishes durably and delivers in publish order with key, headers, messageId and payload intact', async () => {
      const topic = freshTopic('order');
      await bb.ensureTopic(topic);
      await bb.ensureTopic(topic); // idempotent
      const before = Date.now();
      const results = [];
      for (let i = 1; i <= 20; i++) {
        results.push(
          await bb.publish(topic, enc.encode(`m${i}`), {
            key: `k${i % 3}`,
            headers: { 'x-trace': `t${i}`, 'X-Mixed-Case': 'v' },
            messageId: `id-${i}`,
          }),
        );
      }
      expect(results.map((r) => r.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(results.every((r) => !r.duplicate)).toBe(true);
      const { got } = await collect(bb, topic, 'c1', { maxInFlight: 1 });
      await waitFor('20 deliveries', () => got.length === 20);
      expect(got.map(text)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 1}`));
      const first = got[0]!;
      expect(first.topic).toBe(topic);
      expect(first.sequence).toBe(1);
      expect(first.key).toBe('k1');
      expect(first.messageId).toBe('id-1');
      expect(first.headers).toEqual({ 'x-trace': 't1', 'X-Mixed-Case': 'v' });
      expect(first.deliveryCount).toBe(1);
      expect(first.publishedAt).toBeGreaterThanOrEqual(before - 1_000);
      expect(first.publishedAt).toBeLessThanOrEqual(Date.now() + 1_000);
    });

    it('leaves key and messageId undefined and headers empty when not given', async () => {
      const topic = await topicWith('bare', 1);
      const [m] = await bb.read(topic, 1, 10);
      expect(m).toBeDefined();
      expect(m!.key).toBeUndefined();
      expect(m!.messageId).toBeUndefined();
      expect(m!.headers).toEqual({});
      expect(text(m!)).toBe('m1');
    });

    it('rejects a publish to a topic that was never created, and invalid names', async () => {
      await expect(bb.publish(freshTopic('missing'), enc.encode('x'))).rejects.toThrow(/does not exist|ensureTopic/);
      await expect(bb.ensureTopic('Bad Topic')).rejects.toThrow(/invalid topic/);
      const topic = await topicWith('names', 0);
      await expect(bb.subscribe(topic, 'has.dot', async () => {})).rejects.toThrow(/invalid consumer/);
    });

    it('ack stops redelivery', async () => {
      const topic = await topicWith('ack', 3);
      const { got } = await collect(bb, topic, 'c', { ackWaitMs: 500 });
      await waitFor('3 deliveries', () => got.length === 3);
      await sleep(1_300);
      expect(got.length).toBe(3);
      expect(await bb.pending(topic, 'c')).toBe(0);
    });

    it('nak redelivers, after the requested delay, with a higher deliveryCount', async () => {
      const topic = await topicWith('nak', 1);
      const seen: Array<{ count: number; at: number }> = [];
      await subscribe(
        bb,
        topic,
        'c',
        async (d) => {
          seen.push({ count: d.deliveryCount, at: Date.now() });
          if (d.deliveryCount === 1) await d.nak(600);
          else await d.ack();
        },
        { ackWaitMs: 10_000 },
      );
      await waitFor('redelivery after nak', () => seen.length === 2);
      expect(seen.map((s) => s.count)).toEqual([1, 2]);
      expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(500);
      // well before ackWait: the nak, not the deadline, caused it
      expect(seen[1]!.at - seen[0]!.at).toBeLessThan(5_000);
      await sleep(300);
      expect(seen.length).toBe(2);
    });

    it('nak without delay redelivers at once; a handler that throws counts as a nak', async () => {
      const topic = await topicWith('throw', 1);
      const counts: number[] = [];
      await subscribe(
        bb,
        topic,
        'c',
        async (d) => {
          counts.push(d.deliveryCount);
          if (d.deliveryCount === 1) await d.nak();
          else if (d.deliveryCount === 2) throw new Error('boom');
          else await d.ack();
        },
        { ackWaitMs: 20_000 },
      );
      await waitFor('third delivery', () => counts.length === 3, 5_000);
      expect(counts).toEqual([1, 2, 3]);
    });

    it('redelivers when the ack deadline (ackWait) passes', async () => {
      const topic = await topicWith('ackwait', 1);
      const seen: Array<{ count: number; at: number }> = [];
      await subscribe(
        bb,
        topic,
        'c',
        async (d) => {
          seen.push({ count: d.deliveryCount, at: Date.now() });
          if (d.deliveryCount >= 2) await d.ack();
          // first delivery: never settled
        },
        { ackWaitMs: 800 },
      );
      await waitFor('redelivery after ackWait', () => seen.length === 2, 10_000);
      expect(seen[1]!.count).toBe(2);
      expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(700);
    });

    it('working() pushes the ack deadline out', async () => {
      const topic = await topicWith('working', 1);
      const counts: number[] = [];
      await subscribe(
        bb,
        topic,
        'c',
        async (d) => {
          counts.push(d.deliveryCount);
          for (let i = 0; i < 4; i++) {
            await sleep(400);
            await d.working();
          }
          await d.ack(); // 1.6 s after delivery, with ackWait 1 s
        },
        { ackWaitMs: 1_000 },
      );
      await waitFor('first delivery', () => counts.length === 1);
      await sleep(2_500);
      expect(counts).toEqual([1]);
      expect(await bb.pending(topic, 'c')).toBe(0);
    });

    it('term stops redelivery for good', async () => {
      const topic = await topicWith('term', 2);
      const seen: string[] = [];
      await subscribe(
        bb,
        topic,
        'c',
        async (d) => {
          seen.push(`${text(d)}#${d.deliveryCount}`);
          if (text(d) === 'm1') await d.term();
          else await d.ack();
        },
        { ackWaitMs: 500 },
      );
      await waitFor('two deliveries', () => seen.length === 2);
      await sleep(1_300);
      expect(seen.sort()).toEqual(['m1#1', 'm2#1']);
      expect(await bb.pending(topic, 'c')).toBe(0);
    });

    it('stops after maxDeliver deliveries', async () => {
      const topic = await topicWith('maxdeliver', 1);
      const counts: number[] = [];
      await subscribe(
        bb,
        topic,
        'c',
        async (d) => {
          counts.push(d.deliveryCount);
          await d.nak();
        },
        { maxDeliver: 3, ackWaitMs: 500 },
      );
      await waitFor('three deliveries', () => counts.length === 3);
      await sleep(1_500);
      expect(counts).toEqual([1, 2, 3]);
    });

    it('de-duplicates publishes by messageId', async () => {
      const topic = freshTopic('dedupe');
      await bb.ensureTopic(topic);
      const a = await bb.publish(topic, enc.encode('first'), { messageId: 'order-42' });
      const b = await bb.publish(topic, enc.encode('second'), { messageId: 'order-42' });
      const c = await bb.publish(topic, enc.encode('other'), { messageId: 'order-43' });
      // the same id on another topic is not a duplicate
      const otherTopic = freshTopic('dedupe');
      await bb.ensureTopic(otherTopic);
      const d = await bb.publish(otherTopic, enc.encode('first'), { messageId: 'order-42' });
      expect(a).toEqual({ sequence: 1, duplicate: false });
      expect(b).toEqual({ sequence: 1, duplicate: true });
      expect(c).toEqual({ sequence: 2, duplicate: false });
      expect(d.duplicate).toBe(false);
      const stored = await bb.read(topic, 1, 10);
      expect(stored.map(text)).toEqual(['first', 'other']);
      const { got } = await collect(bb, topic, 'c');
      await waitFor('two deliveries', () => got.length === 2);
      await sleep(200);
      expect(got.map(text)).toEqual(['first', 'other']);
    });

    it('concurrent publishes with the same messageId store one message', async () => {
      const topic = freshTopic('dedupe-race');
      await bb.ensureTopic(topic);
      const results = await Promise.all(Array.from({ length: 20 }, () => bb.publish(topic, enc.encode('x'), { messageId: 'same' })));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.sequence))).toEqual(new Set([1]));
      expect(await bb.pending(topic, 'nobody')).toBe(1);
    });

    it('a durable consumer resumes where it left off after close and reopen', async () => {
      const topic = await topicWith('resume', 10);
      const first = await fixture.open();
      extraBackbones.push(first);
      const got1: string[] = [];
      const sub = await first.subscribe(
        topic,
        'durable',
        async (d) => {
          if (got1.length < 5) {
            got1.push(text(d));
            await d.ack();
          } else {
            await d.nak(); // not ours to take: must come back after reopening
          }
        },
        { maxInFlight: 1, ackWaitMs: 2_000 },
      );
      await waitFor('5 acked', () => got1.length === 5);
      await sub.stop();
      await sleep(100);
      await first.close();
      expect(await bb.pending(topic, 'durable')).toBe(5);

      const second = await fixture.open();
      extraBackbones.push(second);
      // A delivery that was on the wire when the first subscription stopped comes back at its ack
      // deadline (JetStream cannot recall it), hence the short ackWait.
      const { got } = await collect(second, topic, 'durable', { maxInFlight: 1, ackWaitMs: 2_000 });
      await waitFor('m6..m10 after reopen', () => got.length >= 5, 15_000);
      await sleep(300);
      expect(got1).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(got.map(text)).toEqual(['m6', 'm7', 'm8', 'm9', 'm10']);
      expect(await second.pending(topic, 'durable')).toBe(0);
    });

    it('a reopened consumer gets its unacked messages again', async () => {
      const topic = await topicWith('resume-unacked', 6);
      const first = await fixture.open();
      extraBackbones.push(first);
      const got1: string[] = [];
      const sub = await first.subscribe(
        topic,
        'durable',
        async (d) => {
          got1.push(text(d));
          if (got1.length <= 3) await d.ack();
          // the 4th is left unsettled when the process "goes away"
        },
        { maxInFlight: 1, ackWaitMs: 1_000 },
      );
      await waitFor('4 delivered', () => got1.length === 4);
      await sub.stop();
      await first.close();

      const second = await fixture.open();
      extraBackbones.push(second);
      const { got } = await collect(second, topic, 'durable', { maxInFlight: 1, ackWaitMs: 1_000 });
      await waitFor('m4..m6 after reopen', () => got.length >= 3, 10_000);
      await sleep(300);
      expect(got.map(text)).toEqual(['m4', 'm5', 'm6']);
      expect(got[0]!.deliveryCount).toBe(2);
      expect(await second.pending(topic, 'durable')).toBe(0);
    });

    it('loses nothing stored or acked across a restart mid-stream', { timeout: 90_000 }, async () => {
      const topic = freshTopic('restart');
      let current = await fixture.open();
      extraBackbones.push(current);
      await current.ensureTopic(topic);
      const total = 600;
      for (let i = 1; i <= 300; i++) await current.publish(topic, enc.encode(`m${i}`), { messageId: `r${i}` });
      const acked = new Set<string>();
      let deliveries = 0;
      const handler: DeliveryHandler = async (d) => {
        deliveries++;
        await sleep(10); // slow enough that the restart lands mid-stream
        try {
          await d.ack();
          acked.add(text(d));
        } catch {
          /* the ack may fail while the broker is down: the message comes again */
        }
      };
      let sub = await current.subscribe(topic, 'restart', handler, { maxInFlight: 4, ackWaitMs: 2_000 });
      await waitFor('some acked', () => acked.size >= 30);
      // publishes racing the restart must either fail or be stored — never "stored" and then lost
      const stored = new Set<string>();
      const racing = (async () => {
        for (let i = 301; i <= total; i++) {
          for (;;) {
            try {
              await current.publish(topic, enc.encode(`m${i}`), { messageId: `r${i}` });
              stored.add(`m${i}`);
              break;
            } catch {
              await sleep(50); // broker down: retry with the same messageId (de-duplicated)
            }
          }
        }
      })();
      const restarted = await fixture.restart(current);
      const ackedAtRestart = acked.size;
      if (restarted !== current) {
        current = restarted;
        extraBackbones.push(restarted);
        sub = await restarted.subscribe(topic, 'restart', handler, { maxInFlight: 4, ackWaitMs: 2_000 });
      }
      subs.push(sub);
      await racing;
      await waitFor(`all ${total} acked`, () => acked.size === total, 60_000);
      expect(ackedAtRestart).toBeLessThan(300); // the restart really landed mid-stream
      expect(stored.size).toBe(300);
      const all = await current.read(topic, 1, total + 10);
      expect(all.map(text)).toEqual(Array.from({ length: total }, (_, i) => `m${i + 1}`));
      await waitFor('pending 0', async () => (await current.pending(topic, 'restart')) === 0, 10_000);
      expect(deliveries).toBeGreaterThanOrEqual(total);
    });

    it('two consumers each get every message', async () => {
      const topic = await topicWith('fanout', 50);
      const a = await collect(bb, topic, 'a');
      const b = await collect(bb, topic, 'b', { maxInFlight: 1 });
      await waitFor('both got 50', () => a.got.length === 50 && b.got.length === 50);
      expect(new Set(a.got.map(text)).size).toBe(50);
      expect(b.got.map(text)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i + 1}`));
    });

    it('two subscriptions on one durable consumer share its messages', async () => {
      const topic = await topicWith('shared', 40);
      const a = await collect(bb, topic, 'shared', { maxInFlight: 4 });
      const b = await collect(bb, topic, 'shared', { maxInFlight: 4 });
      await waitFor('40 delivered', () => a.got.length + b.got.length >= 40);
      await sleep(300);
      const all = [...a.got, ...b.got].map(text);
      expect(all.length).toBe(40);
      expect(new Set(all).size).toBe(40);
    });

    it('startAt new skips what was stored before the consumer existed', async () => {
      const topic = await topicWith('startnew', 3);
      const { got } = await collect(bb, topic, 'late', { startAt: 'new' });
      await sleep(300);
      await bb.publish(topic, enc.encode('after'));
      await waitFor('one delivery', () => got.length === 1);
      await sleep(200);
      expect(got.map(text)).toEqual(['after']);
    });

    it('pending() counts what the consumer has not acked, including in-flight deliveries', async () => {
      const topic = await topicWith('pending', 10);
      expect(await bb.pending(topic, 'p')).toBe(10); // not created yet: acked nothing
      const held: Delivery[] = [];
      await subscribe(
        bb,
        topic,
        'p',
        async (d) => {
          if (held.length < 3) held.push(d);
          else await d.ack();
        },
        { maxInFlight: 1, ackWaitMs: 30_000 },
      );
      await waitFor('first held', () => held.length === 1);
      expect(await bb.pending(topic, 'p')).toBe(10); // one in flight, nine waiting
      await held[0]!.ack();
      await waitFor('second held', () => held.length === 2);
      await waitFor('pending 9', async () => (await bb.pending(topic, 'p')) === 9);
      await held[1]!.ack();
      await waitFor('third held', () => held.length === 3);
      await held[2]!.ack();
      await waitFor('pending 0', async () => (await bb.pending(topic, 'p')) === 0);
      await expect(bb.pending(freshTopic('nope'), 'p')).rejects.toThrow(/does not exist/);
    });

    it('read() pages through stored messages without consuming them', async () => {
      const topic = await topicWith('read', 7);
      const page1 = await bb.read(topic, 1, 3);
      expect(page1.map(text)).toEqual(['m1', 'm2', 'm3']);
      const page2 = await bb.read(topic, page1.at(-1)!.sequence + 1, 3);
      expect(page2.map(text)).toEqual(['m4', 'm5', 'm6']);
      const page3 = await bb.read(topic, page2.at(-1)!.sequence + 1, 3);
      expect(page3.map(text)).toEqual(['m7']);
      expect(await bb.read(topic, 8, 3)).toEqual([]);
      expect((await bb.read(topic, 5, 1)).map((m) => m.sequence)).toEqual([5]);
      expect(await bb.pending(topic, 'reader')).toBe(7);
    });

    it('never has more than maxInFlight deliveries unsettled at once', async () => {
      const topic = await topicWith('inflight', 40);
      let now = 0;
      let peak = 0;
      let done = 0;
      await subscribe(
        bb,
        topic,
        'c',
        async (d) => {
          now++;
          peak = Math.max(peak, now);
          await sleep(20);
          now--;
          await d.ack();
          done++;
        },
        { maxInFlight: 4 },
      );
      await waitFor('40 done', () => done === 40);
      expect(peak).toBe(4);
    });

    it('with maxInFlight 1, deliveries complete in publish order', async () => {
      const topic = await topicWith('serial', 30);
      const order: string[] = [];
      await subscribe(
        bb,
        topic,
        'c',
        async (d) => {
          await sleep(Math.random() * 3);
          order.push(text(d));
          await d.ack();
        },
        { maxInFlight: 1 },
      );
      await waitFor('30 done', () => order.length === 30);
      expect(order).toEqual(Array.from({ length: 30 }, (_, i) => `m${i + 1}`));
    });

    it('delivers 10,000 messages exactly once each when every one is acked', { timeout: 120_000 }, async () => {
      const topic = freshTopic('bulk');
      await bb.ensureTopic(topic);
      const n = 10_000;
      for (let start = 0; start < n; start += 500) {
        await Promise.all(Array.from({ length: 500 }, (_, j) => bb.publish(topic, enc.encode(`m${start + j + 1}`))));
      }
      const counts = new Map<number, number>();
      let total = 0;
      await subscribe(
        bb,
        topic,
        'bulk',
        async (d) => {
          counts.set(d.sequence, (counts.get(d.sequence) ?? 0) + 1);
          total++;
          await d.ack();
        },
        { maxInFlight: 256, ackWaitMs: 60_000 },
      );
      await waitFor('10,000 delivered', () => total >= n, 100_000);
      await sleep(500);
      expect(total).toBe(n);
      expect(counts.size).toBe(n);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
      await waitFor('pending 0', async () => (await bb.pending(topic, 'bulk')) === 0, 10_000);
    });
  });
}

export { enc, text };
