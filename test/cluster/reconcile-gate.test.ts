// The gate: an invalid commit is never applied. The Estate goes Stalled with the first diagnostics
// (file:line) in its status, lastAttemptedRevision moves, lastAppliedRevision and every applied
// object stay as they were, and only the Estate's status and one Event are written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
} from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';

interface StatusShape {
  conditions: { type: string; status: string; reason: string; message: string; lastTransitionTime: string }[];
  lastAppliedRevision: string;
  lastAttemptedRevision: string;
  diagnostics?: { file: string; line: number; code: string; message: string }[];
  diagnosticsTotal?: number;
}

describe.skipIf(clusterUnavailable())('reconcile: the gate', () => {
  const ns = useTestNamespace();
  let h: Harness;
  beforeAll(async () => {
    await installCrds();
    h = newReconciler();
  });
  afterAll(() => h?.cleanup());

  it('rejects an invalid commit: Stalled with file:line, nothing applied, the last good revision keeps running', async () => {
    const repo = specRepo();
    try {
      const good = repo.git('rev-parse', 'HEAD').trim();
      await createEstate(h.rest, ns(), `file://${repo.root}`);
      await reconcileUntilSettled(h, ns());
      const deploymentBefore = await h.rest.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: ns(),
        name: 'route-sap-order-created',
      });

      // A typo in a reference, and a new spec in the same commit: neither may reach the cluster.
      const routeApi = repo.git('show', 'HEAD:specs/route-api.yaml');
      repo.write({
        'specs/route-api.yaml': routeApi.replace(
          'mapping: sap-order-to-order\n      delivery',
          'mapping: sap-order-to-ordr\n      delivery',
        ),
        'specs/extra.yaml':
          'apiVersion: interlace.dev/v1alpha1\nkind: System\nmetadata: { name: wms }\nspec:\n  type: wms\n  hosting: cloud\n  owner: team-wms\n  endpoint: { protocol: http, url: "https://wms.example.com" }\n  auth: { type: none }\n  limits: { rateLimit: { requests: 10, per: 1s }, concurrency: 2 }\n',
      });
      const bad = repo.commit('typo');
      h.counter.reset();
      const result = await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(result.result).toBe('done');

      const status = (await estate(h, ns())).status as unknown as StatusShape;
      expect(status.lastAttemptedRevision).toBe(`main@sha1:${bad}`);
      expect(status.lastAppliedRevision).toBe(`main@sha1:${good}`);
      expect(status.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'ValidationFailed' });
      const ready = status.conditions.find((c) => c.type === 'Ready')!;
      expect(ready).toMatchObject({ status: 'False', reason: 'ValidationFailed' });
      expect(ready.message).toContain(`main@sha1:${good} keeps running`);
      expect(ready.message).toMatch(/specs\/route-api\.yaml:\d+ /);
      expect(status.diagnostics?.[0]).toMatchObject({ file: 'specs/route-api.yaml', severity: 'error' });
      expect(status.diagnostics?.[0]?.line).toBeGreaterThan(1);
      expect(status.diagnostics?.[0]?.message).toContain('sap-order-to-ordr');
      expect(status.diagnosticsTotal).toBeGreaterThanOrEqual(1);

      // Only the Estate's status and an Event were written; nothing was applied or pruned.
      const writes = h.counter.writes().map((r) => `${r.method} ${r.path.split('?')[0]}`);
      expect(writes).toEqual([
        `PATCH /apis/interlace.dev/v1alpha1/namespaces/${ns()}/estates/shop/status`,
        `POST /apis/events.k8s.io/v1/namespaces/${ns()}/events`,
      ]);
      expect(
        await h.rest.getOrUndefined({ apiVersion: 'interlace.dev/v1alpha1', kind: 'System', namespace: ns(), name: 'wms' }),
      ).toBeUndefined();
      const deploymentAfter = await h.rest.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: ns(),
        name: 'route-sap-order-created',
      });
      expect(deploymentAfter.metadata.resourceVersion).toBe(deploymentBefore.metadata.resourceVersion);

      // kubectl shows it: READY False, the applied revision still the good one, the reason in STATUS.
      const { stdout } = await kubectlFresh(['get', 'estate', 'shop', '-n', ns()]);
      const [row] = parseTable(stdout);
      expect(row).toMatchObject({ READY: 'False', REVISION: `main@sha1:${good}` });
      expect(row!.STATUS).toMatch(/^Revision main@sha1:[0-9a-f]{40} rejected by validate/);
      const events = await kubectlFresh([
        'get',
        'events.events.k8s.io',
        '-n',
        ns(),
        '--field-selector',
        'reason=ValidationFailed',
        '-o',
        'jsonpath={.items[*].note}',
      ]);
      expect(events.stdout).toContain('specs/route-api.yaml:');

      // Resyncing the same bad commit writes nothing and repeats no Event.
      h.counter.reset();
      await h.reconciler.reconcile({ namespace: ns(), name: 'shop' });
      expect(h.counter.writes()).toEqual([]);

      // The fix: applied, Stalled gone, Ready again; the transition time of Ready moved.
      repo.write({ 'specs/route-api.yaml': routeApi });
      const fixed = repo.commit('fix the typo');
      await reconcileUntilSettled(h, ns());
      const after = (await estate(h, ns())).status as unknown as StatusShape;
      expect(after.lastAppliedRevision).toBe(`main@sha1:${fixed}`);
      // MonitoringReady (False here: no Prometheus Operator CRDs) is about the cluster, not the revision.
      expect(after.conditions.map((c) => c.type)).toEqual(['Ready', 'MonitoringReady']);
      expect(after.conditions[0]).toMatchObject({ status: 'True', reason: 'ReconciliationSucceeded' });
      expect(after.diagnostics).toBeUndefined();
      expect(
        await h.rest.getOrUndefined({ apiVersion: 'interlace.dev/v1alpha1', kind: 'System', namespace: ns(), name: 'wms' }),
      ).toBeDefined();
    } finally {
      repo.cleanup();
    }
  });
});
