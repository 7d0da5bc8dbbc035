// The JetStream backbone against a real nats-server (built by scripts/build-nats-server.sh, started per
// file by test/broker/harness/nats-server.ts): the shared contract, plus what only a broker has — a
// publish while the server is down waits for it and is stored once, and the stream/consumer mapping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJetStreamBackbone, type JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { describeBackbone, enc, freshTopic, text, waitFor } from './backbone-contract.ts';
import { natsServerOrSkipReason, startNatsServer, type NatsServer } from './harness/nats-server.ts';

const prerequisite = await natsServerOrSkipReason();
const skip = 'skip' in prerequisite ? prerequisite.skip : undefined;
const binary = 'binary' in prerequisite ? prerequisite.binary : '';

describeBackbone(
  'jetstream (nats-server)',
  async () => {
    const server = await startNatsServer(binary);
    return {
      open: () => openJetStreamBackbone({ servers: server.url, name: 'contract' }),
      restart: async (current) => {
        await server.restart({ downMs: 500 });
        return current; // the same connection must reconnect by itself
      },
      close: () => server.stop(),
    };
  },
  { skip },
);

// Skipped only on a developer machine that cannot build the server (no Go), with the reason printed;
// under INTERLACE_REQUIRE_ALL_TIERS=1 (.ci/run) the harness throws instead, so CI never skips this.
describe.skipIf(skip !== undefined)('jetstream backbone: broker specifics', () => {
  let server: NatsServer;
  let bb: JetStreamBackbone;
  beforeAll(async () => {
    server = await startNatsServer(binary);
    bb = await openJetStreamBackbone({ servers: server.url, publishTimeoutMs: 20_000 });
  });
  afterAll(async () => {
    await bb?.close();
    await server?.stop();
  });

  it('maps a topic to its own stream and subject', async () => {
    expect(bb.subject('orders.canonical')).toBe('interlace.orders.canonical');
    expect(bb.stream('dlq.order-fulfilment.crm')).toBe('INTERLACE_dlq_order-fulfilment_crm');
  });

  it('a publish made while nats-server is down resolves once it is back, stored exactly once', { timeout: 60_000 }, async () => {
    const topic = freshTopic('down');
    await bb.ensureTopic(topic);
    await bb.publish(topic, enc.encode('before'));
    const restarting = server.restart({ downMs: 1_500, kill: true });
    await new Promise((r) => setTimeout(r, 200)); // server is down now
    const during = bb.publish(topic, enc.encode('during'), { messageId: 'during-1' });
    await restarting;
    const result = await during;
    expect(result.duplicate).toBe(false);
    await waitFor('stored', async () => (await bb.read(topic, 1, 10)).length === 2, 10_000);
    expect((await bb.read(topic, 1, 10)).map(text)).toEqual(['before', 'during']);
  });
});
