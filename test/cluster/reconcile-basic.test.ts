// Commit → applied → Ready, seen through `kubectl get interlace`; a no-op resync writes nothing
// (counted); a spec change rolls the Deployment (new bundle hash); a spec removed from Git is pruned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveObject } from '../../controller/apply/index.ts';
import { clusterUnavailable, useTestNamespace } from './harness/context.ts';
import {
  createEstate,
  estate,
  installCrds,
  kubectlFresh,
  newReconciler,
  parseTable,
  reconcileUntilSettled,
  specRepo,
  until,
  REMOVALS_ALLOWED_POLICY,
} from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';

const BUNDLE_HASH = 'interlace.dev/bundle-hash';

describe.skipIf(clusterUnavailable())('reconcile: commit → applied → Ready → changed → pruned', () => {
  const ns = useTestNamespace();
  let h: Harness;
  beforeAll(async () => {
    await installCrds();
    h = newReconciler();
  });
  afterAll(() => h?.cleanup());

  it('applies, resyncs without writing, rolls on a change, prunes a removed spec', async () => {
    const repo = specRepo();
    try {
      const first = repo.git('rev-parse', 'HEAD').trim();
      await createEstate(h.rest, ns(), `file://${repo.root}`);
      expect((await reconcileUntilSettled(h, ns())).result).toBe('done');

      // What an operator sees: every spec object with READY, SYNCED, HEALTH, REVISION, AGE.
      const { stdout } = await kubectlFresh(['get', 'interlace', '-n', ns(), '--no-headers=false']);
      const tables = stdout
        .trim()
        .split(/\n(?=NAME )/)
        .map(parseTable);
      const rows = tables.flat();
      const byName = new Map(rows.map((r) => [r.NAME!, r]));
      expect([...byName.keys()].sort()).toEqual([
        'api.interlace.dev/order-status-v1',
        'datacontract.interlace.dev/order-v2',
        'datacontract.interlace.dev/sap-order-v1',
        'datacontract.interlace.dev/x12-850-v1',
        'estate.interlace.dev/shop',
        'eventroute.interlace.dev/sap-order-created',
        'mapping.interlace.dev/sap-order-to-order',
        'mapping.interlace.dev/x12-850-to-order',
        'system.interlace.dev/legacy-erp',
      ]);
      for (const row of rows) {
        expect(row.READY, row.NAME).toBe('True');
        expect(row.REVISION, row.NAME).toBe(`main@sha1:${first}`);
      }
      expect(byName.get('eventroute.interlace.dev/sap-order-created')).toMatchObject({
        SYNCED: 'True',
        HEALTH: 'Healthy',
        SOURCE: 'legacy-erp',
      });
      expect(byName.get('api.interlace.dev/order-status-v1')).toMatchObject({ SYNCED: 'True', HEALTH: 'Healthy', VERSION: '1.2.0' });
      expect(byName.get('datacontract.interlace.dev/order-v2')).toMatchObject({ HEALTH: 'None', VERSION: '2.0.0' });
      expect(byName.get('estate.interlace.dev/shop')!.STATUS).toMatch(/^Applied revision main@sha1:[0-9a-f]{40}: 8 specs, 2 units ready$/);

      const est = await estate(h, ns());
      const status = est.status as { inventory: { entries: unknown[] }; counts: Record<string, number>; observedGeneration: number };
      expect(status.counts).toEqual({ specs: 8, units: 2, objects: 14, ready: 8, progressing: 0, degraded: 0 });
      expect(status.inventory.entries).toHaveLength(14);
      expect(status.observedGeneration).toBe(est.metadata.generation);

      // A resync of the same commit: reads only.
      h.counter.reset();
      expect((await h.reconciler.reconcile({ namespace: ns(), name: 'shop' })).result).toBe('done');
      expect(h.counter.writes()).toEqual([]);
      expect(h.counter.total()).toBeGreaterThan(0);

      // A change to the mapping both units bundle: both Deployments roll; the contracts are untouched.
      const deployment = () => h.rest.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns(), name: 'route-sap-order-created' });
      const before = await deployment();
      const contractBefore = await h.rest.get({
        apiVersion: 'interlace.dev/v1alpha1',
        kind: 'DataContract',
        namespace: ns(),
        name: 'order-v2',
      });
      const mapping = repo
        .git('show', 'HEAD:specs/mapping.yaml')
        .replace('{ target: customer.source, value: sap }', '{ target: customer.source, value: sap-s4 }');
      repo.write({
        'specs/mapping.yaml': mapping
          .replace('customer: { id: "10100001", source: sap }', 'customer: { id: "10100001", source: sap-s4 }')
          .replace('customer: { id: C-1, source: sap }', 'customer: { id: C-1, source: sap-s4 }'),
      });
      const second = repo.commit('mapping: source sap-s4');
      h.counter.reset();
      const changed = await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      const actions = new Map(
        (changed.changes ?? []).filter((c) => c.action !== 'unchanged').map((c) => [`${c.ref.kind}/${c.ref.name}`, c.action]),
      );
      expect(Object.fromEntries(actions)).toEqual({
        'Mapping/sap-order-to-order': 'configured',
        'ConfigMap/route-sap-order-created-bundle': 'configured',
        'Deployment/route-sap-order-created': 'configured',
        'ConfigMap/api-order-status-v1-bundle': 'configured',
        'Deployment/api-order-status-v1': 'configured',
      });
      const after = await deployment();
      const hashOf = (d: LiveObject) =>
        (d.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations[BUNDLE_HASH];
      expect(hashOf(after)).not.toBe(hashOf(before));
      expect(after.metadata.annotations?.['interlace.dev/revision']).toBe(`main@sha1:${second}`);
      // Unchanged objects keep the revision they last changed in, and were not written.
      const contractAfter = await h.rest.get({
        apiVersion: 'interlace.dev/v1alpha1',
        kind: 'DataContract',
        namespace: ns(),
        name: 'order-v2',
      });
      expect(contractAfter.metadata.resourceVersion).toBe(contractBefore.metadata.resourceVersion);
      expect(h.counter.writes((r) => r.path.includes('/datacontracts/'))).toEqual([]);
      await reconcileUntilSettled(h, ns());
      await until('the rolled Deployment is fully available', async () => {
        const d = await deployment();
        const s = d.status as { updatedReplicas?: number; availableReplicas?: number; replicas?: number };
        return s.updatedReplicas === 1 && s.availableReplicas === 1 && s.replicas === 1 ? d : undefined;
      });
      expect(((await estate(h, ns())).status as { lastAppliedRevision: string }).lastAppliedRevision).toBe(`main@sha1:${second}`);

      // The Api leaves Git. The gate compares with the applied revision (status.lastAppliedRevision),
      // where removing a major that was never deprecated is `removal-needs-sunset`: rejected, nothing pruned.
      const routeApi = repo.git('show', 'HEAD:specs/route-api.yaml');
      repo.write({ 'specs/route-api.yaml': routeApi.slice(0, routeApi.indexOf('---\napiVersion: interlace.dev/v1alpha1\nkind: Api')) });
      repo.commit('remove the order-status API');
      const refused = await reconcileUntilSettled(h, ns());
      expect(refused.allChanges.filter((c) => c.action === 'deleted')).toEqual([]);
      const refusedStatus = (await estate(h, ns())).status as { lastAppliedRevision: string; diagnostics?: { code: string }[] };
      expect(refusedStatus.lastAppliedRevision).toBe(`main@sha1:${second}`);
      expect(refusedStatus.diagnostics?.map((d) => d.code)).toEqual(['removal-needs-sunset']);

      // With a Policy that lowers the rule (pruning is the subject here), its custom resource and its
      // runtime objects are pruned, runtime objects first.
      repo.write({ 'specs/policy.yaml': REMOVALS_ALLOWED_POLICY });
      repo.commit('allow removals');
      const pruned = await reconcileUntilSettled(h, ns());
      const deleted = pruned.allChanges.filter((c) => c.action === 'deleted').map((c) => `${c.ref.kind}/${c.ref.name}`);
      expect(deleted).toEqual([
        'Service/api-order-status-v1',
        'Deployment/api-order-status-v1',
        'ConfigMap/api-order-status-v1-bundle',
        'Api/order-status-v1',
      ]);
      for (const [apiVersion, kind, name] of [
        ['apps/v1', 'Deployment', 'api-order-status-v1'],
        ['v1', 'Service', 'api-order-status-v1'],
        ['interlace.dev/v1alpha1', 'Api', 'order-status-v1'],
      ] as const) {
        expect(await h.rest.getOrUndefined({ apiVersion, kind, namespace: ns(), name })).toBeUndefined();
      }
      const events = await kubectlFresh([
        'get',
        'events.events.k8s.io',
        '-n',
        ns(),
        '-o',
        'jsonpath={range .items[*]}{.reason}{"\\n"}{end}',
      ]);
      expect(events.stdout.split('\n')).toEqual(expect.arrayContaining(['ReconciliationSucceeded', 'Pruned']));
      const final = (await estate(h, ns())).status as { counts: Record<string, number>; inventory: { entries: unknown[] } };
      // 7 specs after the Api left, plus the Policy that came with the removal.
      expect(final.counts).toMatchObject({ specs: 8, units: 1 });
      expect(final.inventory.entries).toHaveLength(11);
    } finally {
      repo.cleanup();
    }
  });
});
