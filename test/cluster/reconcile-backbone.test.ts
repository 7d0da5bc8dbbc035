// The Estate's backbone Secret (issue 12, bad input): missing or without its keys → Ready False with
// the reason and the Secret's name (never its value), and no worker is created or rolled; once the
// Secret is right, the workers are applied with the credentials by secretKeyRef.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../controller/apply/index.ts';
import { clusterUnavailable, kubectl, useTestNamespace } from './harness/context.ts';
import { createEstate, estate, installCrds, newReconciler, reconcileUntilSettled, specRepo } from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

describe.skipIf(clusterUnavailable())('reconcile: the backbone Secret', () => {
  const ns = useTestNamespace();
  let h: Harness;
  beforeAll(async () => {
    await installCrds();
    h = newReconciler();
  });
  afterAll(() => h?.cleanup());

  const ready = async (): Promise<Condition> =>
    ((await estate(h, ns())).status as { conditions: Condition[] }).conditions.find((c) => c.type === 'Ready')!;
  const deployment = () => h.rest.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns(), name: 'route-sap-order-created' });

  it('missing, then keyless, then right: says which Secret, never rolls workers onto a wrong one, then applies', async () => {
    const repo = specRepo();
    try {
      await createEstate(h.rest, ns(), `file://${repo.root}`, {
        backbone: { url: 'nats://nats.example.svc:4222', credentials: { type: 'token', secretRef: { name: 'nats-token' } } },
      });
      await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(await ready()).toMatchObject({ status: 'False', reason: 'BackboneSecretNotFound' });
      expect((await ready()).message).toContain('"nats-token"');
      await expect(deployment()).rejects.toSatisfy(isNotFound);

      // The Secret exists but holds the wrong key: its value must not reach the status.
      await kubectl(['-n', ns(), 'create', 'secret', 'generic', 'nats-token', '--from-literal=password=do-not-print-me']);
      await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      const invalid = await ready();
      expect(invalid).toMatchObject({ status: 'False', reason: 'BackboneSecretInvalid' });
      expect(invalid.message).toContain('"token"');
      expect(JSON.stringify((await estate(h, ns())).status)).not.toContain('do-not-print-me');
      await expect(deployment()).rejects.toSatisfy(isNotFound);

      await kubectl(['-n', ns(), 'delete', 'secret', 'nats-token']);
      await kubectl(['-n', ns(), 'create', 'secret', 'generic', 'nats-token', '--from-literal=token=t0ken']);
      await reconcileUntilSettled(h, ns());
      const env = (await deployment()) as unknown as { spec: { template: { spec: { containers: { env: { name: string }[] }[] } } } };
      const names = env.spec.template.spec.containers[0]!.env.map((e) => e.name);
      expect(names).toEqual(expect.arrayContaining(['INTERLACE_NATS_URL', 'INTERLACE_NATS_TOKEN']));

      // Deleting the Secret later stops the next reconcile before it touches the running workers.
      const before = ((await deployment()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      await kubectl(['-n', ns(), 'delete', 'secret', 'nats-token']);
      await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(await ready()).toMatchObject({ status: 'False', reason: 'BackboneSecretNotFound' });
      expect(((await deployment()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion).toBe(before);
    } finally {
      repo.cleanup();
    }
  });
});
