// The finalizer: deleting an Estate deletes everything it created, then lets the Estate go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_NAMESPACED_KINDS, estateSelector } from '../../controller/apply/index.ts';
import { clusterUnavailable, kubectl, useTestNamespace } from './harness/context.ts';
import { createEstate, estate, installCrds, newReconciler, reconcileUntilSettled, specRepo } from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';

describe.skipIf(clusterUnavailable())('reconcile: Estate deletion', () => {
  const ns = useTestNamespace();
  let h: Harness;
  beforeAll(async () => {
    await installCrds();
    h = newReconciler();
  });
  afterAll(() => h?.cleanup());

  it('deletes everything the Estate created, then removes its finalizer', async () => {
    const repo = specRepo();
    try {
      await createEstate(h.rest, ns(), `file://${repo.root}`);
      await reconcileUntilSettled(h, ns());
      expect((await estate(h, ns())).metadata.finalizers).toEqual(['interlace.dev/finalizer']);
      const count = async () => {
        let n = 0;
        for (const [apiVersion, kind] of MANAGED_NAMESPACED_KINDS)
          n += (await h.rest.list(apiVersion, kind, ns(), { labelSelector: estateSelector({ name: 'shop', namespace: ns() }) })).length;
        return n;
      };
      expect(await count()).toBe(13); // 8 spec objects, 2 ConfigMaps, 2 Deployments, 1 Service

      await kubectl(['-n', ns(), 'delete', 'estate', 'shop', '--wait=false']);
      const result = await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(result.changes?.filter((c) => c.action === 'deleted')).toHaveLength(13);
      expect(await count()).toBe(0);
      expect(
        await h.rest.getOrUndefined({ apiVersion: 'interlace.dev/v1alpha1', kind: 'Estate', namespace: ns(), name: 'shop' }),
      ).toBeUndefined();
      // The namespace is not the Estate's to delete.
      expect(await h.rest.getOrUndefined({ apiVersion: 'v1', kind: 'Namespace', name: ns() })).toBeDefined();
    } finally {
      repo.cleanup();
    }
  });
});
