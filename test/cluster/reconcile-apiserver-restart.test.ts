// The API server restarted in the middle of a reconcile: the controller's requests fail, the work
// queue backs off, and it converges — everything applied once, Ready — when the API server is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeRest, MANAGED_NAMESPACED_KINDS, estateSelector } from '../../controller/apply/index.ts';
import { clusterUnavailable, kubeConfig, restartApiServer, useTestNamespace } from './harness/context.ts';
import { createEstate, estate, installCrds, specRepo, startControllerProcess, until } from './reconcile-support.ts';
import type { ControllerProcess } from './reconcile-support.ts';

describe.skipIf(clusterUnavailable())('reconcile: API server restart', () => {
  const ns = useTestNamespace();
  let rest: KubeRest;
  let controller: ControllerProcess | undefined;
  beforeAll(async () => {
    await installCrds();
    rest = new KubeRest(kubeConfig());
  });
  afterAll(async () => {
    await controller?.stop('SIGKILL');
  });

  it('converges when the API server restarts mid-reconcile', async () => {
    const repo = specRepo();
    try {
      // 10 requests a second: the first reconcile takes a few seconds, so the restart lands inside it.
      controller = await startControllerProcess([
        '--namespace',
        ns(),
        '--git-cache',
        `${repo.root}-cache`,
        '--kube-api-qps',
        '10',
        '--kube-api-burst',
        '1',
      ]);
      await createEstate(rest, ns(), `file://${repo.root}`);
      await until(
        'the first spec object',
        async () => ((await rest.list('interlace.dev/v1alpha1', 'DataContract', ns())).length > 0 ? true : undefined),
        30_000,
      );
      const { downMs } = await restartApiServer();
      expect(downMs).toBeGreaterThan(0);

      const revision = `main@sha1:${repo.git('rev-parse', 'HEAD').trim()}`;
      const status = await until(
        'the Estate Ready after the restart',
        async () => {
          const s = (await estate({ rest } as never, ns())).status as
            | { lastAppliedRevision?: string; conditions?: { type: string; status: string }[]; counts?: Record<string, number> }
            | undefined;
          return s?.lastAppliedRevision === revision && s.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? s : undefined;
        },
        90_000,
      );
      expect(status.counts).toMatchObject({ specs: 8, units: 2, ready: 8, degraded: 0 });
      // The reconcile in flight failed and was retried with backoff.
      expect(controller.logs()).toContain('"reconcile failed; retrying"');
      let objects = 0;
      for (const [apiVersion, kind] of MANAGED_NAMESPACED_KINDS)
        objects += (await rest.list(apiVersion, kind, ns(), { labelSelector: estateSelector({ name: 'shop', namespace: ns() }) })).length;
      expect(objects).toBe(13);
      await until(
        'one pod per unit',
        async () => ((await rest.list('v1', 'Pod', ns())).filter((p) => !p.metadata.deletionTimestamp).length === 2 ? true : undefined),
        30_000,
      );
    } finally {
      repo.cleanup();
    }
  });
});
