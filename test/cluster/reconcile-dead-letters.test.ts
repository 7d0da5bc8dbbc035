// Dead letters in the Estate's status (issue 12 part 6), on the real API server and a real nats-server:
// the controller reads the backlog of each route's dead-letter topics from the estate's backbone, with
// the credentials of the backbone Secret, and shows it as status.deadLetters, status.deadLetterCount,
// the DLQ printer column and in `kubectl describe`; a purge lowers it; with the backbone away the
// reconcile still finishes and the last counts stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsDeadLetterCounter } from '../../controller/reconcile/dead-letter-counts.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { natsServerOrSkipReason, startNatsServer } from '../broker/harness/nats-server.ts';
import type { NatsServer } from '../broker/harness/nats-server.ts';
import { clusterUnavailable, kubectl, useTestNamespace } from './harness/context.ts';
import {
  createEstate,
  estate,
  installCrds,
  kubectlFresh,
  newReconciler,
  parseTable,
  reconcileUntilSettled,
  specRepo,
} from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';

const nats = clusterUnavailable() ? { skip: 'no cluster' } : await natsServerOrSkipReason();
const DLQ = 'dlq.sap-order-created'; // both targets of the fixture's route share it
const AUTH = { user: 'ops', password: 'ops-secret' };

describe.skipIf(clusterUnavailable() || 'skip' in nats)('reconcile: dead letters in the Estate status', () => {
  const ns = useTestNamespace();
  let h: Harness;
  let counter: NatsDeadLetterCounter;
  let server: NatsServer | undefined;
  let backbone: JetStreamBackbone | undefined;
  beforeAll(async () => {
    await installCrds();
    const plain = newReconciler();
    counter = new NatsDeadLetterCounter(plain.rest, { timeoutMs: 3_000 });
    plain.cleanup();
    h = newReconciler({ deadLetters: counter });
  });
  afterAll(async () => {
    await counter?.close();
    await backbone?.close().catch(() => {});
    await server?.stop();
    h?.cleanup();
  });

  type Status = { deadLetters?: { route: string; count: number }[]; deadLetterCount?: number };
  const status = async () => (await estate(h, ns())).status as Status;

  it('counts waiting dead letters per route with the Secret credentials; a purge lowers it; NATS away keeps the last counts', {
    timeout: 120_000,
  }, async () => {
    if ('skip' in nats) return;
    server = await startNatsServer(nats.binary, ['--user', AUTH.user, '--pass', AUTH.password]);
    backbone = await openJetStreamBackbone({ servers: server.url, name: 'test', auth: AUTH });
    await backbone.ensureTopic(DLQ);
    for (let i = 1; i <= 3; i++) await backbone.publish(DLQ, Buffer.from(JSON.stringify({ version: 1, route: 'sap-order-created', n: i })));

    await kubectl([
      '-n',
      ns(),
      'create',
      'secret',
      'generic',
      'nats-auth',
      `--from-literal=username=${AUTH.user}`,
      `--from-literal=password=${AUTH.password}`,
    ]);
    const repo = specRepo();
    try {
      await createEstate(h.rest, ns(), `file://${repo.root}`, {
        backbone: { url: server.url, credentials: { type: 'userPassword', secretRef: { name: 'nats-auth' } } },
      });
      expect((await reconcileUntilSettled(h, ns())).result).toBe('done');
      expect(await status()).toMatchObject({ deadLetters: [{ route: 'sap-order-created', count: 3 }], deadLetterCount: 3 });

      // What an operator sees.
      const row = parseTable((await kubectlFresh(['-n', ns(), 'get', 'estate', 'shop'])).stdout)[0]!;
      expect(row['DLQ']).toBe('3');
      const described = (await kubectlFresh(['-n', ns(), 'describe', 'estate', 'shop'])).stdout;
      expect(described).toMatch(/Dead Letter Count:\s+3/);
      expect(described).toMatch(/Route:\s+sap-order-created/);
      expect(described).not.toContain(AUTH.password);

      // A purge (what `interlace dlq purge --yes` does) lowers the count at the next reconcile.
      expect(await backbone.deleteMessages(DLQ, [1])).toBe(1);
      await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(await status()).toMatchObject({ deadLetters: [{ route: 'sap-order-created', count: 2 }], deadLetterCount: 2 });

      // A resync with nothing new writes nothing (the counts are part of the compared status).
      const before = (await estate(h, ns())).metadata.resourceVersion;
      await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect((await estate(h, ns())).metadata.resourceVersion).toBe(before);

      // NATS away: the reconcile still finishes (bounded by the counter's timeout) and the counts stay.
      await backbone.close();
      await server.stop();
      server = undefined;
      const started = Date.now();
      const result = await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(result.result).toBe('done');
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await status()).toMatchObject({ deadLetterCount: 2 });
    } finally {
      repo.cleanup();
    }
  });
});
