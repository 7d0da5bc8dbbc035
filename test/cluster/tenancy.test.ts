// Tenancy in a shared cluster (issue 10, findings 14–16, and finding 9's controller half): an Estate
// cannot read the controller's disk through a file:// source, cannot write outside its namespace
// unless the cluster admin allowed it, reads its Git Secret only from its own namespace, and a gate
// that fails for any reason stalls the revision with a Warning Event instead of throwing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, createNamespace, kubeConfig, useTestNamespace } from './harness/context.ts';
import { createEstate, estate, installCrds, kubectlFresh, newReconciler, specRepo } from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';

interface StatusShape {
  conditions: { type: string; status: string; reason: string; message: string }[];
}

describe.skipIf(clusterUnavailable())('tenancy', () => {
  const ns = useTestNamespace();
  const harnesses: Harness[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    await installCrds();
  });
  afterAll(async () => {
    for (const h of harnesses) h.cleanup();
    for (const c of cleanups) await c();
  });
  const reconciler = (options: Parameters<typeof newReconciler>[0]) => {
    const h = newReconciler(options);
    harnesses.push(h);
    return h;
  };
  const condition = async (h: Harness, type: string) =>
    ((await estate(h, ns())).status as unknown as StatusShape | undefined)?.conditions.find((c) => c.type === type);
  const warnings = async (reason: string) =>
    (
      await kubectlFresh([
        'get',
        'events.events.k8s.io',
        '-n',
        ns(),
        '--field-selector',
        `reason=${reason},type=Warning`,
        '-o',
        'jsonpath={.items[*].note}',
      ])
    ).stdout;

  it('refuses a file:// source by default: Stalled LocalSourceRefused, a Warning Event, no git run, nothing applied', async () => {
    const repo = specRepo();
    try {
      const h = reconciler({ allowLocal: false });
      await createEstate(h.rest, ns(), `file://${repo.root}`);
      const result = await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(result.result).toBe('done');
      expect(await condition(h, 'Stalled')).toMatchObject({ status: 'True', reason: 'LocalSourceRefused' });
      expect((await condition(h, 'Stalled'))?.message).toContain('--allow-local-sources');
      expect(await warnings('LocalSourceRefused')).toContain('file:// sources are refused');
      expect(h.counter.writes().filter((w) => !/\/estates(\/shop)?|\/events$/.test(w.path.split('?')[0]!))).toEqual([]);
    } finally {
      repo.cleanup();
    }
  });

  it('writes only to its own namespace unless the admin allows another: kube-system is refused before anything is fetched', async () => {
    const repo = specRepo();
    const other = await createNamespace(kubeConfig(), 'tenancy-target');
    cleanups.push(other.remove);
    try {
      const h = reconciler({});
      await createEstate(h.rest, ns(), `file://${repo.root}`, { targetNamespace: 'kube-system' });
      expect((await h.reconciler.reconcile({ namespace: ns(), name: 'shop' })).result).toBe('done');
      expect(await condition(h, 'Stalled')).toMatchObject({ status: 'True', reason: 'TargetNamespaceNotAllowed' });
      expect(await warnings('TargetNamespaceNotAllowed')).toContain('targetNamespace "kube-system" is not allowed');
      expect(h.counter.writes().some((w) => w.path.includes('/namespaces/kube-system/'))).toBe(false);

      // Another namespace, allowed by the admin for this Estate namespace only: applied there.
      await h.rest.mergePatch(
        { apiVersion: 'interlace.dev/v1alpha1', kind: 'Estate', namespace: ns(), name: 'shop' },
        { spec: { targetNamespace: other.name } },
      );
      const allowed = reconciler({ allowedTargetNamespaces: [{ from: ns(), to: other.name }] });
      await allowed.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(
        await allowed.rest.getOrUndefined({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: other.name,
          name: 'route-sap-order-created',
        }),
      ).toBeDefined();
      // The same rule does not let Estates of other namespaces target it.
      const elsewhere = reconciler({ allowedTargetNamespaces: [{ from: 'someone-else', to: other.name }] });
      await elsewhere.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(await condition(elsewhere, 'Stalled')).toMatchObject({ status: 'True', reason: 'TargetNamespaceNotAllowed' });
    } finally {
      repo.cleanup();
    }
  });

  it("reads the Git secretRef only from the Estate's own namespace, even when the Estate names another", async () => {
    const repo = specRepo();
    const victim = await createNamespace(kubeConfig(), 'tenancy-victim');
    cleanups.push(victim.remove);
    try {
      const h = reconciler({});
      await h.rest.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'git-credentials', namespace: victim.name },
        stringData: { username: 'victim', password: 'victim-password' },
      } as never);
      // `namespace` is not part of the CRD's secretRef: the API server drops it.
      await createEstate(h.rest, ns(), 'https://git.invalid/specs.git', {});
      await h.rest.mergePatch(
        { apiVersion: 'interlace.dev/v1alpha1', kind: 'Estate', namespace: ns(), name: 'shop' },
        { spec: { source: { secretRef: { name: 'git-credentials', namespace: victim.name } } } },
      );
      const stored = (await estate(h, ns())) as unknown as { spec: { source: { secretRef: Record<string, string> } } };
      expect(stored.spec.source.secretRef).toEqual({ name: 'git-credentials' });
      await h.reconciler.reconcile({ namespace: ns(), name: 'shop' }).catch(() => undefined);
      expect(await condition(h, 'Ready')).toMatchObject({ status: 'False', reason: 'SecretNotFound' });
      expect(h.counter.requests.filter((r) => r.path.includes('/secrets/')).map((r) => r.path.split('?')[0])).toEqual([
        `/api/v1/namespaces/${ns()}/secrets/git-credentials`,
      ]);
    } finally {
      repo.cleanup();
    }
  });

  it('a gate that fails (the worker crashed, timed out, ran out of memory) stalls the revision with a Warning Event; reconcile does not throw', async () => {
    const repo = specRepo();
    try {
      const h = reconciler({
        gate: async () => {
          throw new Error('gate worker exited (SIGKILL) during a gate');
        },
      });
      await createEstate(h.rest, ns(), `file://${repo.root}`);
      const result = await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(result).toMatchObject({ result: 'done' });
      const stalled = await condition(h, 'Stalled');
      expect(stalled).toMatchObject({ status: 'True', reason: 'GateFailed' });
      expect(stalled?.message).toContain('gate worker exited (SIGKILL)');
      expect(await warnings('GateFailed')).toContain('could not be checked');
    } finally {
      repo.cleanup();
    }
  });
});
