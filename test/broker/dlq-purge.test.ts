// Dead-letter retention and `interlace dlq purge` on NATS (issue 12 part 6): a worker applies its route
// targets' deadLetter.retention and maxMessages to the dead-letter streams; `dlq purge --nats` with
// the worker's credential options selects by route, age and replayed, deletes nothing without --yes,
// and what it deletes leaves the list and the dead-letter depth.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../lib/log.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { DLQ_REPLAY_CONSUMER } from '../../runtime/delivery/dead-letter.ts';
import { estateFromBundles, loadBundles } from '../../runtime/worker/bundle.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import type { Worker } from '../../runtime/worker/start-worker.ts';
import { runCli } from '../helpers/cli.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { REPO } from './scenario-support.ts';
import { eventually, startTargetServer } from './worker-fixtures.ts';
import type { TargetServer } from './worker-fixtures.ts';

const nats = await natsServerOrSkipReason();
const UNIT = 'route-order-status-changed';
const DLQ = 'dlq.order-status-changed.crm';
const AUTH = { user: 'ops', password: 'ops-secret' };

describe.skipIf('skip' in nats)('dead-letter retention and dlq purge (NATS backbone)', () => {
  let server: NatsServer | undefined;
  let backbone: JetStreamBackbone | undefined;
  let worker: Worker | undefined;
  let crm: TargetServer | undefined;
  let stateDir: string | undefined;
  const password = process.env.INTERLACE_NATS_PASSWORD;
  afterAll(async () => {
    await worker?.close(500);
    await backbone?.close();
    await crm?.close();
    await server?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    if (password === undefined) delete process.env.INTERLACE_NATS_PASSWORD;
    else process.env.INTERLACE_NATS_PASSWORD = password;
  });

  /** The dead-letter stream's limits as nats-server holds them. */
  async function streamLimits(topic: string): Promise<{ maxAgeMs: number; maxMessages: number; messages: number }> {
    const nc = await connect({ servers: server!.url, user: AUTH.user, pass: AUTH.password });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(`INTERLACE_${topic.replaceAll('.', '_')}`);
      return { maxAgeMs: info.config.max_age / 1e6, maxMessages: info.config.max_msgs, messages: info.state.messages };
    } finally {
      await nc.close();
    }
  }

  const publishOrders = async (orders: string[]) => {
    for (const order of orders)
      await backbone!.publish(
        'orders.status',
        Buffer.from(JSON.stringify({ orderNumber: order, status: 'shipped', statusAt: '2026-03-02T10:00:00Z' })),
        { messageId: `${order}-shipped` },
      );
  };
  const dlq = (...args: string[]) => runCli(['dlq', ...args, '--nats', server!.url, '--nats-user', 'ops', '--json'], REPO);
  const ids = async () => (JSON.parse((await dlq('list', '--route', 'order-status-changed')).stdout) as { id: string }[]).map((l) => l.id);

  it('applies retention to the dead-letter stream; purge selects, dry-runs, deletes', { timeout: 240_000 }, async () => {
    if ('skip' in nats) return;
    server = await startNatsServer(nats.binary, ['--user', AUTH.user, '--pass', AUTH.password]);
    crm = await startTargetServer(() => ({ status: 422 }));
    backbone = await openJetStreamBackbone({ servers: server.url, name: 'worker', auth: AUTH });
    stateDir = mkdtempSync(join(tmpdir(), 'interlace-dlq-purge-'));
    const estate = estateFromBundles(await loadBundles(join(REPO, 'generated/bundles'), [UNIT]));
    const system = estate.systems.find((s) => s.metadata.name === 'crm')!;
    system.spec.endpoint.url = crm.url;
    system.spec.auth = { type: 'none' };
    const target = estate.routes.find((r) => r.metadata.name === 'order-status-changed')!.spec.targets.find((t) => t.name === 'crm')!;
    target.delivery = { ...target.delivery, deadLetter: { topic: DLQ, retention: '2h', maxMessages: 500 } };
    worker = await startWorker({
      bundleDir: join(REPO, 'generated/bundles'),
      units: [UNIT],
      backbone,
      estate,
      stateDir,
      port: 0,
      logger: memoryLogger('error').logger,
    });
    // The worker applied the route target's limits to its dead-letter stream.
    expect(await streamLimits(DLQ)).toMatchObject({ maxAgeMs: 2 * 3_600_000, maxMessages: 500 });

    process.env.INTERLACE_NATS_PASSWORD = AUTH.password;
    await publishOrders(['DP-2026-800001', 'DP-2026-800002', 'DP-2026-800003', 'DP-2026-800004']);
    await eventually(async () => (await ids()).length === 4, 'four dead letters', 60_000);
    const first = await ids();
    await new Promise((r) => setTimeout(r, 4_000));
    await publishOrders(['DP-2026-800005', 'DP-2026-800006']);
    await eventually(async () => (await ids()).length === 6, 'six dead letters', 60_000);
    expect(await backbone.pending(DLQ, DLQ_REPLAY_CONSUMER)).toBe(6);
    const listed = JSON.parse((await dlq('list')).stdout) as { id: string; deadLetteredAt: string }[];
    const secondAt = Date.parse(listed.find((l) => !first.includes(l.id))!.deadLetteredAt);
    // An age between the two batches' (they are 4 s apart), as of the next command's start.
    const betweenBatches = () => `${Date.now() - secondAt + 2_000}ms`;

    // Without --yes nothing is deleted; --older-than picks the first four.
    const dry = await dlq('purge', '--older-than', betweenBatches());
    expect({ code: dry.code, out: JSON.parse(dry.stdout) }).toEqual({ code: 0, out: { dryRun: true, selected: first, purged: 0 } });
    expect((await ids()).length).toBe(6);
    // Another route's filter selects none of them.
    expect(JSON.parse((await dlq('purge', '--route', 'order-confirmed')).stdout).selected).toEqual([]);

    const purged = await dlq('purge', '--older-than', betweenBatches(), '--yes');
    expect(JSON.parse(purged.stdout)).toEqual({ dryRun: false, selected: first, purged: 4 });
    const rest = await ids();
    expect(rest).toHaveLength(2);
    expect(rest.some((id) => first.includes(id))).toBe(false);
    // Purged letters are gone from the depth too (the dlq-replay consumer's backlog).
    expect(await backbone.pending(DLQ, DLQ_REPLAY_CONSUMER)).toBe(2);
    expect((await streamLimits(DLQ)).messages).toBe(2);

    // --replayed: replay one (the CRM accepts it now, so the replay adds no dead letter), purge only replayed ones.
    crm.answer = () => ({ status: 200 });
    expect((await dlq('replay', rest[0]!)).code).toBe(0);
    await eventually(() => crm!.effects.size === 1, 'the worker to deliver the replay', 30_000);
    const replayedOnly = await dlq('purge', '--replayed', '--yes');
    expect(JSON.parse(replayedOnly.stdout)).toEqual({ dryRun: false, selected: [rest[0]], purged: 1 });
    expect(await ids()).toEqual([rest[1]]);

    // Human output of a dry run says that nothing was deleted.
    const human = await runCli(['dlq', 'purge', '--nats', server.url, '--nats-user', 'ops'], REPO);
    expect(human.stdout).toContain('1 dead letter(s) would be purged; nothing was deleted (pass --yes to delete them)');

    // Mistakes are usage errors; without the password the server refuses (exit 2).
    expect((await runCli(['dlq', 'purge', '--older-than', '7 days', '--nats', server.url], REPO)).code).toBe(2);
    expect((await runCli(['dlq', 'list', '--yes', '--nats', server.url], REPO)).code).toBe(2);
    expect((await runCli(['dlq', 'purge'], REPO)).stderr).toContain('needs --nats');
    delete process.env.INTERLACE_NATS_PASSWORD;
    expect((await dlq('purge', '--yes')).code).toBe(2);
    expect(await ids().catch(() => [])).toEqual([]); // (refused too: no password)
  });

  it('topic limits: max messages and max age drop the oldest; given limits are applied to an existing stream, absent ones lifted', {
    timeout: 60_000,
  }, async () => {
    if ('skip' in nats) return;
    server ??= await startNatsServer(nats.binary, ['--user', AUTH.user, '--pass', AUTH.password]);
    const bb = await openJetStreamBackbone({ servers: server.url, name: 'limits', auth: AUTH });
    try {
      const topic = 'dlq.limits-test';
      await bb.ensureTopic(topic);
      expect(await streamLimits(topic)).toMatchObject({ maxAgeMs: 0, maxMessages: -1 });
      await bb.ensureTopic(topic, { maxAgeMs: 1_000, maxMessages: 3 });
      for (let i = 1; i <= 5; i++) await bb.publish(topic, Buffer.from(String(i)));
      expect((await bb.read(topic, 1, 10)).map((m) => m.sequence)).toEqual([3, 4, 5]);
      await eventually(async () => (await bb.read(topic, 1, 10)).length === 0, 'max age to drop the rest', 10_000);
      // Without limits an existing stream keeps what it has; an empty limits object lifts them.
      await bb.ensureTopic(topic);
      expect(await streamLimits(topic)).toMatchObject({ maxAgeMs: 1_000, maxMessages: 3 });
      await bb.ensureTopic(topic, {});
      expect(await streamLimits(topic)).toMatchObject({ maxAgeMs: 0, maxMessages: -1 });
    } finally {
      await bb.close();
    }
  });
});
