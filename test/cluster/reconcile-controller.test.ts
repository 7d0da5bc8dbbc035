// The controller as a process: it reconciles an Estate from Git on its own; killed with SIGKILL in the
// middle of applying a new revision and started again, it converges with no duplicates and no orphans;
// with two replicas and leader election only the leader writes, and the other takes over when it stops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_NAMESPACED_KINDS, estateSelector, KubeRest } from '../../controller/apply/index.ts';
import { clusterUnavailable, kubeConfig, kubectl, useTestNamespace } from './harness/context.ts';
import {
  createEstate,
  estate,
  installCrds,
  REMOVALS_ALLOWED_POLICY,
  specRepo,
  startControllerProcess,
  until,
} from './reconcile-support.ts';
import type { ControllerProcess } from './reconcile-support.ts';

interface EstateStatusShape {
  lastAppliedRevision?: string;
  conditions?: { type: string; status: string }[];
  inventory?: { entries: { kind: string; name: string }[] };
}

describe.skipIf(clusterUnavailable())('reconcile: the controller process', () => {
  const ns = useTestNamespace();
  let rest: KubeRest;
  const running: ControllerProcess[] = [];
  beforeAll(async () => {
    await installCrds();
    rest = new KubeRest(kubeConfig());
  });
  afterAll(async () => {
    for (const c of running) await c.stop('SIGKILL');
  });

  const readyAt = (revision: string) =>
    until(
      `Estate Ready at ${revision}`,
      async () => {
        const s = (await estate({ rest } as never, ns())).status as EstateStatusShape | undefined;
        return s?.lastAppliedRevision === revision && s.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? s : undefined;
      },
      45_000,
    ).catch((error: Error) => {
      const s = running.map((c, i) => `--- controller ${i} ---\n${c.logs().split('\n').slice(-15).join('\n')}`).join('\n');
      throw new Error(`${error.message}\n${s}`);
    });

  const labelled = async () => {
    const out: string[] = [];
    for (const [apiVersion, kind] of MANAGED_NAMESPACED_KINDS) {
      for (const o of await rest.list(apiVersion, kind, ns(), { labelSelector: estateSelector({ name: 'shop', namespace: ns() }) }))
        out.push(`${kind}/${o.metadata.name}`);
    }
    return out.sort();
  };

  it('converges after being killed in the middle of applying a revision: no duplicates, no orphans', async () => {
    const repo = specRepo();
    try {
      // Rate-limited to 10 requests a second (client-side, like client-go's QPS), so one reconcile of a
      // revision takes a couple of seconds and the kill below lands inside it.
      const first = await startControllerProcess([
        '--namespace',
        ns(),
        '--git-cache',
        `${repo.root}-cache-1`,
        '--kube-api-qps',
        '10',
        '--kube-api-burst',
        '1',
      ]);
      running.push(first);
      await createEstate(rest, ns(), `file://${repo.root}`);
      await readyAt(`main@sha1:${repo.git('rev-parse', 'HEAD').trim()}`);
      expect(await first.metric('interlace_reconcile_total')).toBeGreaterThan(0);

      // Next revision: the Api leaves, a System arrives. Nudge the controller, and kill it as soon as
      // the first object of the new revision shows up — before it has pruned or written the inventory.
      // The removal is judged against the applied revision: the Policy lowers removal-needs-sunset.
      const routeApi = repo.git('show', 'HEAD:specs/route-api.yaml');
      repo.write({
        'specs/policy.yaml': REMOVALS_ALLOWED_POLICY,
        'specs/route-api.yaml': routeApi.slice(0, routeApi.indexOf('---\napiVersion: interlace.dev/v1alpha1\nkind: Api')),
        'specs/wms.yaml':
          'apiVersion: interlace.dev/v1alpha1\nkind: System\nmetadata: { name: wms }\nspec:\n  type: wms\n  hosting: cloud\n  owner: team-wms\n  endpoint: { protocol: http, url: "https://wms.example.com" }\n  auth: { type: none }\n  limits: { rateLimit: { requests: 10, per: 1s }, concurrency: 2 }\n',
      });
      const second = repo.commit('drop the API, add the WMS');
      await kubectl(['-n', ns(), 'annotate', 'estate', 'shop', `interlace.dev/reconcile-requested-at=${Date.now()}`, '--overwrite']);
      await until(
        'the new System to be applied',
        async () =>
          (await rest.getOrUndefined({ apiVersion: 'interlace.dev/v1alpha1', kind: 'System', namespace: ns(), name: 'wms' })) ?? undefined,
        30_000,
      );
      await first.stop('SIGKILL');
      const between = (await estate({ rest } as never, ns())).status as EstateStatusShape;

      // A new process with an empty Git cache (a new pod) picks up where the old one died.
      const restarted = await startControllerProcess(['--namespace', ns(), '--git-cache', `${repo.root}-cache-2`]);
      running.push(restarted);
      const status = await readyAt(`main@sha1:${second}`);
      expect(between.lastAppliedRevision === `main@sha1:${second}`).toBe(false); // it really died mid-way
      expect(await labelled()).toEqual([
        'ConfigMap/route-sap-order-created-bundle',
        'DataContract/order-v2',
        'DataContract/sap-order-v1',
        'DataContract/x12-850-v1',
        'Deployment/route-sap-order-created',
        'EventRoute/sap-order-created',
        'Mapping/sap-order-to-order',
        'Mapping/x12-850-to-order',
        'Policy/removals-allowed',
        'System/legacy-erp',
        'System/wms',
      ]);
      expect(status.inventory?.entries.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(
        [...(await labelled()), `Namespace/${ns()}`].sort(),
      );
      // No duplicate workload: one ReplicaSet with pods per Deployment, one pod.
      const replicaSets = (await rest.list('apps/v1', 'ReplicaSet', ns())).filter(
        (r) => ((r.spec as { replicas?: number }).replicas ?? 0) > 0,
      );
      expect(replicaSets.map((r) => r.metadata.ownerReferences?.[0]?.name)).toEqual(['route-sap-order-created']);
      await until('exactly one pod', async () =>
        (await rest.list('v1', 'Pod', ns())).filter((p) => !p.metadata.deletionTimestamp).length === 1 ? true : undefined,
      );
      await restarted.stop();
    } finally {
      repo.cleanup();
    }
  });

  it('with two replicas only the leader writes; the other takes over when the leader stops', async () => {
    const repo = specRepo();
    try {
      const lease = ['--leader-elect', '--lease-namespace', ns(), '--namespace', ns()];
      const a = await startControllerProcess([...lease, '--identity', 'replica-a', '--git-cache', `${repo.root}-cache-a`]);
      running.push(a);
      await until('replica-a to lead', async () => ((await a.metric('interlace_leader')) === 1 ? true : undefined), 20_000);
      const b = await startControllerProcess([...lease, '--identity', 'replica-b', '--git-cache', `${repo.root}-cache-b`]);
      running.push(b);
      await createEstate(rest, ns(), `file://${repo.root}`);
      await readyAt(`main@sha1:${repo.git('rev-parse', 'HEAD').trim()}`);

      expect(await a.metric('interlace_leader')).toBe(1);
      expect(await b.metric('interlace_leader')).toBe(0);
      expect(await a.metric('interlace_kube_requests_total', { write: 'true' })).toBeGreaterThan(0);
      expect(await b.metric('interlace_kube_requests_total', { write: 'true' })).toBe(0);
      expect(await b.metric('interlace_reconcile_total')).toBe(0);

      // The leader stops (SIGTERM: it releases the Lease); the other replica leads and applies the next commit.
      expect(await a.stop()).toBe(0);
      await until('replica-b to lead', async () => ((await b.metric('interlace_leader')) === 1 ? true : undefined), 30_000);
      const lease2 = await rest.get({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        namespace: ns(),
        name: 'interlace-controller-leader',
      });
      expect((lease2.spec as { holderIdentity: string }).holderIdentity).toBe('replica-b');
      repo.write({
        'specs/wms.yaml':
          'apiVersion: interlace.dev/v1alpha1\nkind: System\nmetadata: { name: wms }\nspec:\n  type: wms\n  hosting: cloud\n  owner: team-wms\n  endpoint: { protocol: http, url: "https://wms.example.com" }\n  auth: { type: none }\n  limits: { rateLimit: { requests: 10, per: 1s }, concurrency: 2 }\n',
      });
      const next = repo.commit('add the WMS');
      await kubectl(['-n', ns(), 'annotate', 'estate', 'shop', `interlace.dev/reconcile-requested-at=${Date.now()}`, '--overwrite']);
      await readyAt(`main@sha1:${next}`);
      expect(await b.metric('interlace_kube_requests_total', { write: 'true', kind: 'systems' })).toBeGreaterThan(0);
      await b.stop();
    } finally {
      repo.cleanup();
    }
  });
});
