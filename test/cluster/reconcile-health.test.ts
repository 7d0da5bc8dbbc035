// Drift and health: a Deployment edited by hand is corrected at the next reconcile (and a field we do
// not set, like replicas, is left alone: no permanent OutOfSync); pods that crash-loop make their spec
// object and the Estate Degraded, never Ready, with a Warning Event, until a fix rolls out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, kubectl, useTestNamespace } from './harness/context.ts';
import {
  CRASHLOOP_IMAGE,
  createEstate,
  estate,
  installCrds,
  kubectlFresh,
  newReconciler,
  parseTable,
  reconcileUntilSettled,
  specRepo,
  until,
  WORKER_IMAGE,
} from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';

type Containers = { spec: { template: { spec: { containers: { name: string; image: string }[] } } } };

describe.skipIf(clusterUnavailable())('reconcile: drift and health', () => {
  const ns = useTestNamespace();
  let h: Harness;
  beforeAll(async () => {
    await installCrds();
    h = newReconciler();
  });
  afterAll(() => h?.cleanup());

  it('corrects a hand-edited Deployment and leaves fields it does not own alone', async () => {
    const repo = specRepo();
    try {
      await createEstate(h.rest, ns(), `file://${repo.root}`);
      await reconcileUntilSettled(h, ns());
      const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns(), name: 'route-sap-order-created' };

      // Scaling is not ours (replicas is left to kubectl scale or an HPA): not drift, no write.
      await kubectl(['-n', ns(), 'scale', 'deployment/route-sap-order-created', '--replicas=2']);
      await until(
        '2 replicas available',
        async () => ((await h.rest.get(ref)).status as { availableReplicas?: number }).availableReplicas === 2 || undefined,
      );
      h.counter.reset();
      const noop = await reconcileUntilSettled(h, ns());
      expect(noop.changes?.every((c) => c.action === 'unchanged')).toBe(true);
      // Only the route's status moves (its workload now has 2 replicas); no object is applied.
      expect(h.counter.writes().map((r) => r.path.split('?')[0])).toEqual([
        `/apis/interlace.dev/v1alpha1/namespaces/${ns()}/eventroutes/sap-order-created/status`,
      ]);
      h.counter.reset();
      await reconcileUntilSettled(h, ns());
      expect(h.counter.writes()).toEqual([]);

      // The image is ours: a hand edit is drift, corrected.
      await kubectl(['-n', ns(), 'set', 'image', 'deployment/route-sap-order-created', 'worker=registry.invalid/someone-else:latest']);
      const fixed = await reconcileUntilSettled(h, ns());
      const change = fixed.allChanges.find((c) => c.key.endsWith('/Deployment/' + ns() + '/route-sap-order-created'));
      expect(change).toMatchObject({ action: 'configured' });
      expect(change?.detail).toContain('spec.template.spec.containers[name=worker].image');
      const after = (await h.rest.get(ref)) as unknown as Containers;
      expect(after.spec.template.spec.containers[0]!.image).toBe(WORKER_IMAGE);
      expect(((await h.rest.get(ref)).spec as { replicas: number }).replicas).toBe(2);
    } finally {
      repo.cleanup();
    }
  });

  it('reports crash-looping pods as Degraded, not Ready, until a fix rolls out', async () => {
    const repo = specRepo();
    try {
      await createEstate(h.rest, ns(), `file://${repo.root}`, { runtimeImage: CRASHLOOP_IMAGE });
      // kwok makes the pods Running, then our stage (test/cluster/harness/kwok-crashloop-stage.yaml) crash-loops them.
      await until('the estate to be Degraded', async () => {
        await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
        return ((await estate(h, ns())).status as { health?: string }).health === 'Degraded' || undefined;
      });
      const route = await h.rest.get({
        apiVersion: 'interlace.dev/v1alpha1',
        kind: 'EventRoute',
        namespace: ns(),
        name: 'sap-order-created',
      });
      const status = route.status as {
        health: string;
        conditions: { type: string; status: string; reason: string; message: string }[];
        workload: { restarts: number; availableReplicas: number };
      };
      expect(status.health).toBe('Degraded');
      expect(status.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'HealthCheckFailed' });
      expect(status.conditions.find((c) => c.type === 'Healthy')).toMatchObject({ status: 'False', reason: 'CrashLoopBackOff' });
      expect(status.conditions.find((c) => c.type === 'Healthy')!.message).toMatch(
        /container worker of pod route-sap-order-created-\S+ is in CrashLoopBackOff \(restarted 5 times\)/,
      );
      expect(status.workload).toMatchObject({ restarts: 5, availableReplicas: 0 });

      const { stdout } = await kubectlFresh(['get', 'eventroute,api,estate', '-n', ns()]);
      const rows = stdout
        .trim()
        .split(/\n(?=NAME )/)
        .flatMap(parseTable);
      for (const row of rows) expect(row, row.NAME).toMatchObject({ READY: 'False', HEALTH: 'Degraded' });
      const est = (await estate(h, ns())).status as { counts: Record<string, number>; conditions: { type: string; reason: string }[] };
      expect(est.counts).toMatchObject({ units: 2, degraded: 2, ready: 6 });
      expect(est.conditions.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'HealthCheckFailed' });
      const warnings = await kubectlFresh([
        'get',
        'events.events.k8s.io',
        '-n',
        ns(),
        '--field-selector',
        'type=Warning',
        '-o',
        'jsonpath={range .items[*]}{.regarding.kind}/{.regarding.name} {.reason}{"\\n"}{end}',
      ]);
      expect(warnings.stdout.trim().split('\n').sort()).toEqual([
        'Api/order-status-v1 HealthCheckFailed',
        'Estate/shop HealthCheckFailed',
        'EventRoute/sap-order-created HealthCheckFailed',
      ]);

      // Resync while still broken: no new Event, no write.
      h.counter.reset();
      await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(h.counter.writes()).toEqual([]);

      // The fix: a working image rolls out; Ready again.
      await kubectl([
        '-n',
        ns(),
        'patch',
        'estate',
        'shop',
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { runtimeImage: WORKER_IMAGE } }),
      ]);
      await until('the estate to be Healthy', async () => {
        await reconcileUntilSettled(h, ns());
        return ((await estate(h, ns())).status as { health?: string }).health === 'Healthy' || undefined;
      });
      const healed = (
        await h.rest.get({ apiVersion: 'interlace.dev/v1alpha1', kind: 'EventRoute', namespace: ns(), name: 'sap-order-created' })
      ).status as typeof status;
      expect(healed.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'ReconciliationSucceeded' });
    } finally {
      repo.cleanup();
    }
  });
});
