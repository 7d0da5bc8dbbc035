// What the running controller process serves (issue 9: one health/metrics server, the one that runs;
// issue 10, finding 17: webhook keys are not read per request).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeRest } from '../../controller/apply/index.ts';
import { clusterUnavailable, kubeConfig, useTestNamespace } from './harness/context.ts';
import { createEstate, installCrds, specRepo, startControllerProcess, until } from './reconcile-support.ts';
import type { ControllerProcess } from './reconcile-support.ts';

describe.skipIf(clusterUnavailable())('the controller process: probes, metrics, webhooks', () => {
  const ns = useTestNamespace();
  let controller: ControllerProcess | undefined;
  let rest: KubeRest;
  beforeAll(async () => {
    await installCrds();
    rest = new KubeRest(kubeConfig());
  });
  afterAll(async () => {
    await controller?.stop('SIGKILL');
  });

  it('/readyz?verbose lists each check, /metrics has the documented metrics, 200 unsigned webhooks cost at most one Secret read', async () => {
    const repo = specRepo();
    try {
      await rest.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'hook', namespace: ns() },
        stringData: { token: 'webhook-key' },
      } as never);
      await createEstate(rest, ns(), `file://${repo.root}`);
      await rest.mergePatch(
        { apiVersion: 'interlace.dev/v1alpha1', kind: 'Estate', namespace: ns(), name: 'shop' },
        { spec: { source: { webhookSecretRef: { name: 'hook' } } } },
      );
      controller = await startControllerProcess([
        '--namespace',
        ns(),
        '--leader-elect',
        '--lease-namespace',
        ns(),
        '--webhook-addr',
        '127.0.0.1:0',
        '--git-cache',
        `${repo.root}-cache`,
      ]);
      const c = controller;
      const verbose = await until('the controller to be ready', async () => {
        const res = await fetch(`${c.metrics}/readyz?verbose`);
        return res.status === 200 ? res.text() : undefined;
      });
      expect(verbose).toBe('[+]ping ok\n[+]informer-sync ok\n[+]leader-election ok\n[+]shutdown ok\nreadyz check passed\n');
      expect(await (await fetch(`${c.metrics}/healthz`)).text()).toBe('ok\n');

      const text = await (await fetch(`${c.metrics}/metrics`)).text();
      for (const name of [
        'interlace_reconcile_total',
        'interlace_reconcile_duration_seconds',
        'interlace_kube_requests_total',
        'interlace_workqueue_depth',
        'interlace_workqueue_work_duration_seconds',
        'interlace_workqueue_retries_total',
        'interlace_leader',
        'interlace_git_operation_duration_seconds',
        'interlace_git_errors_total',
        'interlace_webhook_requests_total',
        'interlace_gate_worker_peak_rss_bytes',
        'process_cpu_seconds_total',
      ])
        expect(text, name).toContain(`# TYPE ${name} `);

      const before = await c.metric('interlace_kube_requests_total', { kind: 'secrets' });
      const answers = await Promise.all(
        Array.from({ length: 200 }, () =>
          fetch(`${c.webhook}/hook/${ns()}/shop`, { method: 'POST', headers: { 'x-github-event': 'push' }, body: '{}' }).then(
            (r) => r.status,
          ),
        ),
      );
      expect(new Set(answers)).toEqual(new Set([401]));
      expect((await c.metric('interlace_kube_requests_total', { kind: 'secrets' })) - before).toBeLessThanOrEqual(1);
      expect(await c.metric('interlace_webhook_requests_total', { outcome: 'unauthorized' })).toBe(200);
    } finally {
      repo.cleanup();
    }
  });
});
