// spec.scale on the real API server (issue 12 part 4): a fixed replicas count reaches the worker
// Deployment; autoscale applies an autoscaling/v2 HorizontalPodAutoscaler and hands the Deployment's
// replicas to it (no drop to one pod, no write that undoes the autoscaler's scaling); removing
// autoscale prunes the HPA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../controller/apply/index.ts';
import type { LiveObject } from '../../controller/apply/index.ts';
import { clusterUnavailable, kubectl, useTestNamespace } from './harness/context.ts';
import { createEstate, fixtureFiles, installCrds, newReconciler, reconcileUntilSettled, until } from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const UNIT = 'route-sap-order-created';
const ROUTE_SOURCE = '  source: { system: legacy-erp, event: SalesOrder.Created';

/** The fixture estate with a `scale` block under the route's spec. */
function withRouteScale(scale: string): Record<string, string> {
  const files = fixtureFiles();
  files['specs/route-api.yaml'] = files['specs/route-api.yaml']!.replace(ROUTE_SOURCE, `${scale}${ROUTE_SOURCE}`);
  return files;
}

describe.skipIf(clusterUnavailable())('reconcile: scale', () => {
  const ns = useTestNamespace();
  let h: Harness;
  beforeAll(async () => {
    await installCrds();
    h = newReconciler();
  });
  afterAll(() => h?.cleanup());

  const deployment = () => h.rest.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns(), name: UNIT });
  const hpa = () => h.rest.get({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: ns(), name: UNIT });
  const replicas = (d: LiveObject) => (d.spec as { replicas: number }).replicas;
  const appliedFields = (d: LiveObject, manager: string) =>
    JSON.stringify(d.metadata.managedFields?.filter((m) => m.manager === manager && m.operation === 'Apply').map((m) => m.fieldsV1) ?? []);

  it('replicas, then autoscale (HPA applied, replicas handed over), then neither (HPA pruned)', async () => {
    const repo = new TempRepo();
    try {
      repo.write(withRouteScale('  scale: { replicas: 3 }\n'));
      repo.commit('three workers');
      await createEstate(h.rest, ns(), `file://${repo.root}`);
      expect((await reconcileUntilSettled(h, ns())).result).toBe('done');
      expect(replicas(await deployment())).toBe(3);
      await expect(hpa()).rejects.toSatisfy(isNotFound);
      expect(appliedFields(await deployment(), 'interlace-controller')).toContain('f:replicas');

      // Autoscale: the HPA is applied; the Deployment stays at 3 (server-side apply alone would have
      // reset the field it stops applying to the default of 1).
      repo.write(withRouteScale('  scale:\n    autoscale: { min: 2, max: 5, cpu: 60 }\n'));
      repo.commit('autoscale 2..5');
      const scaled = await reconcileUntilSettled(h, ns());
      expect(scaled.result).toBe('done');
      expect(scaled.allChanges.find((c) => c.key.endsWith(`HorizontalPodAutoscaler/${ns()}/${UNIT}`))?.action).toBe('created');
      expect((await hpa()).spec).toMatchObject({
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: UNIT },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
      });
      expect(replicas(await deployment())).toBe(3);
      expect(appliedFields(await deployment(), 'interlace-controller')).not.toContain('f:replicas');

      // Someone else scales (what the HPA does, through the scale subresource): the next reconciles
      // leave it alone and send no write for the Deployment.
      await kubectl(['-n', ns(), 'scale', 'deployment', UNIT, '--replicas=4']);
      const resync = await reconcileUntilSettled(h, ns());
      expect(resync.changes?.find((c) => c.key.endsWith(`Deployment/${ns()}/${UNIT}`))?.action).toBe('unchanged');
      expect(replicas(await deployment())).toBe(4);

      // The real HPA controller (kube-controller-manager) owns the field: raising min above the
      // current count makes it scale up by itself, no metrics needed.
      repo.write(withRouteScale('  scale:\n    autoscale: { min: 5, max: 6, cpu: 60 }\n'));
      repo.commit('autoscale 5..6');
      expect((await reconcileUntilSettled(h, ns())).result).toBe('done');
      await until(
        'the HPA to scale the Deployment to its min',
        async () => (replicas(await deployment()) === 5 ? true : undefined),
        60_000,
      );
      const afterHpa = await reconcileUntilSettled(h, ns());
      expect(afterHpa.changes?.find((c) => c.key.endsWith(`Deployment/${ns()}/${UNIT}`))?.action).toBe('unchanged');
      expect(replicas(await deployment())).toBe(5);

      // No scale: the HPA is pruned like any object that left the plan.
      repo.write(fixtureFiles());
      repo.commit('no scale');
      const pruned = await reconcileUntilSettled(h, ns());
      expect(pruned.allChanges.find((c) => c.key.endsWith(`HorizontalPodAutoscaler/${ns()}/${UNIT}`))?.action).toBe('deleted');
      await expect(hpa()).rejects.toSatisfy(isNotFound);
    } finally {
      repo.cleanup();
    }
  }, 180_000);
});
