// The Prometheus Operator's objects, found out at reconcile time: without its CRDs the Estate is Ready
// and says MonitoringReady=False (CRDsNotInstalled, naming them) and nothing of monitoring.coreos.com is
// applied; `interlace plan` shows them as skipped. Once the CRDs are installed (test/fixtures/
// prometheus-operator-crds.yaml) the next reconcile applies the PrometheusRule and the PodMonitor with
// the Estate's labels, records them in the inventory, says MonitoringReady=True, resyncs without a
// write, and prunes the PrometheusRule when the last SLO leaves Git. The CRDs are removed afterwards
// (the control plane is shared by the test files that follow).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveObject } from '../../controller/apply/index.ts';
import { POD_MONITOR_NAME } from '../../controller/plan/index.ts';
import { runCli } from '../helpers/cli.ts';
import { clusterUnavailable, kubeconfigPath, kubectl, useTestNamespace } from './harness/context.ts';
import {
  TEST_NATS_URL,
  WORKER_IMAGE,
  createEstate,
  estate,
  fixtureFiles,
  installCrds,
  newReconciler,
  reconcileUntilSettled,
} from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const MONITORING_CRDS = fileURLToPath(new URL('../fixtures/prometheus-operator-crds.yaml', import.meta.url));
const CRD_NAMES = ['prometheusrules.monitoring.coreos.com', 'podmonitors.monitoring.coreos.com'];
const SOURCE_LINE = '  source: { system: legacy-erp, event: SalesOrder.Created, contract: sap-order@1 }\n';

/** The fixture estate with a dead-letter objective on its route: the generator then makes one rule group. */
function withSlo(): Record<string, string> {
  const files = fixtureFiles();
  const routeApi = files['specs/route-api.yaml']!;
  expect(routeApi).toContain(SOURCE_LINE);
  files['specs/route-api.yaml'] = routeApi.replace(SOURCE_LINE, `${SOURCE_LINE}  slo:\n    deadLetters: { objective: 99.9% }\n`);
  return files;
}

type Condition = { type: string; status: string; reason: string; message: string };
const conditionOf = (object: LiveObject, type: string) => ((object.status?.conditions ?? []) as Condition[]).find((c) => c.type === type);
const inventoryKinds = (object: LiveObject) =>
  ((object.status?.inventory as { entries?: { kind: string }[] } | undefined)?.entries ?? []).map((e) => e.kind);

describe.skipIf(clusterUnavailable())('reconcile: PrometheusRule and PodMonitor where the Prometheus Operator is installed', () => {
  const ns = useTestNamespace();
  let h: Harness;
  beforeAll(async () => {
    await installCrds();
    h = newReconciler();
  });
  afterAll(async () => {
    h?.cleanup();
    await kubectl(['delete', '--ignore-not-found', '--wait=true', '-f', MONITORING_CRDS]);
  });

  it('says CRDsNotInstalled without the CRDs, applies both once they exist, resyncs without writing, prunes', {
    timeout: 180_000,
  }, async () => {
    const repo = new TempRepo();
    try {
      repo.write(withSlo());
      repo.commit('estate with an SLO');
      await createEstate(h.rest, ns(), `file://${repo.root}`);
      const plan = () =>
        runCli(
          [
            'plan',
            'specs',
            '--namespace',
            ns(),
            '--estate',
            'shop',
            '--image',
            WORKER_IMAGE,
            '--no-crds',
            '--nats',
            TEST_NATS_URL,
            '--kubeconfig',
            kubeconfigPath(),
          ],
          repo.root,
        );
      const ruleKey = `monitoring.coreos.com/v1/PrometheusRule/${ns()}/interlace-slos`;
      const podMonitorKey = `monitoring.coreos.com/v1/PodMonitor/${ns()}/${POD_MONITOR_NAME}`;

      // 1. No CRDs: Ready, MonitoringReady=False naming both, nothing of the group applied or inventoried.
      expect((await reconcileUntilSettled(h, ns())).result).toBe('done');
      let shop = await estate(h, ns());
      expect(conditionOf(shop, 'Ready')).toMatchObject({ status: 'True', reason: 'ReconciliationSucceeded' });
      const missing = conditionOf(shop, 'MonitoringReady')!;
      expect(missing).toMatchObject({ status: 'False', reason: 'CRDsNotInstalled' });
      for (const crd of CRD_NAMES) expect(missing.message).toContain(crd);
      expect(missing.message).toContain(`PodMonitor ${ns()}/${POD_MONITOR_NAME}, PrometheusRule ${ns()}/interlace-slos not applied`);
      expect(inventoryKinds(shop)).not.toContain('PrometheusRule');
      expect(inventoryKinds(shop)).not.toContain('PodMonitor');
      const skipped = await plan();
      expect(skipped.stdout).toContain(`  skip   ${ruleKey}\n      not applied: the cluster has no ${CRD_NAMES.join(', ')}`);
      expect(skipped.stdout).toContain(`  skip   ${podMonitorKey}\n`);
      expect(skipped.stdout).toMatch(/, 2 skipped\n/);

      // 2. The CRDs installed: the next reconcile applies both, labelled as the Estate's, in its inventory.
      await kubectl(['apply', '--server-side', '-f', MONITORING_CRDS]);
      await kubectl(['wait', '--for=condition=Established', '--timeout=30s', ...CRD_NAMES.map((n) => `crd/${n}`)]);
      const applied = await reconcileUntilSettled(h, ns());
      expect(applied.result).toBe('done');
      expect(applied.allChanges.filter((c) => c.action === 'created').map((c) => c.key)).toEqual([podMonitorKey, ruleKey]);
      shop = await estate(h, ns());
      expect(conditionOf(shop, 'Ready')).toMatchObject({ status: 'True' });
      expect(conditionOf(shop, 'MonitoringReady')).toMatchObject({
        status: 'True',
        reason: 'Applied',
        message: `Applied PodMonitor ${ns()}/${POD_MONITOR_NAME}, PrometheusRule ${ns()}/interlace-slos`,
      });
      expect(inventoryKinds(shop)).toEqual(expect.arrayContaining(['PrometheusRule', 'PodMonitor']));
      const estateLabels = {
        'app.kubernetes.io/managed-by': 'interlace',
        'interlace.dev/estate': 'shop',
        'interlace.dev/estate-namespace': ns(),
      };
      const rule = await h.rest.get({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        namespace: ns(),
        name: 'interlace-slos',
      });
      expect(rule.metadata.labels).toMatchObject(estateLabels);
      const groups = (rule.spec as { groups: { name: string; rules: { record?: string; alert?: string }[] }[] }).groups;
      expect(groups.map((g) => g.name)).toEqual(['interlace-slo-route-sap-order-created']);
      expect(groups[0]!.rules.filter((r) => r.alert).length).toBe(4);
      const podMonitor = await h.rest.get({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        namespace: ns(),
        name: POD_MONITOR_NAME,
      });
      expect(podMonitor.metadata.labels).toMatchObject(estateLabels);
      // Its selector picks exactly the Estate's worker pods, one per unit here.
      const selector = (podMonitor.spec as { selector: { matchLabels: Record<string, string> } }).selector;
      const selected = await h.rest.list('v1', 'Pod', ns(), {
        labelSelector: [...Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`), 'interlace.dev/unit'].join(','),
      });
      expect(new Set(selected.map((p) => p.metadata.labels?.['interlace.dev/unit']))).toEqual(
        new Set(['route-sap-order-created', 'api-order-status-v1']),
      );
      const planned = await plan();
      expect(planned.stdout).not.toContain('skip');
      expect(planned.stdout).toMatch(/^0 to create, 0 to update, 0 to delete \(prune\), \d+ unchanged$/m);

      // 3. A resync writes nothing.
      h.counter.reset();
      expect((await h.reconciler.reconcile({ namespace: ns(), name: 'shop' })).result).toBe('done');
      expect(h.counter.writes()).toEqual([]);

      // 4. The SLO leaves Git: its PrometheusRule is pruned, the PodMonitor stays.
      repo.write(fixtureFiles());
      repo.commit('no SLO');
      const pruned = await reconcileUntilSettled(h, ns());
      expect(pruned.allChanges.filter((c) => c.action === 'deleted').map((c) => c.key)).toEqual([ruleKey]);
      expect(
        await h.rest.getOrUndefined({
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          namespace: ns(),
          name: 'interlace-slos',
        }),
      ).toBeUndefined();
      shop = await estate(h, ns());
      expect(inventoryKinds(shop)).not.toContain('PrometheusRule');
      expect(conditionOf(shop, 'MonitoringReady')).toMatchObject({
        status: 'True',
        message: `Applied PodMonitor ${ns()}/${POD_MONITOR_NAME}`,
      });
    } finally {
      repo.cleanup();
    }
  });
});
