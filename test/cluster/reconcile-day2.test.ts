// Day-2 controls against the real API server with the controller running as its own process:
// `interlace reconcile` (the reconcile-requested-at annotation: fetch again, gate, apply, and
// status.lastHandledReconcileAt), `interlace get estates` and `interlace events`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder, KubeRest } from '../../controller/apply/index.ts';
import { RECONCILE_REQUESTED_AT } from '../../controller/reconcile/estate-types.ts';
import { runCli } from '../helpers/cli.ts';
import { clusterUnavailable, kubeConfig, kubeconfigPath, useTestNamespace } from './harness/context.ts';
import {
  createEstate,
  estate,
  fixtureFiles,
  installCrds,
  parseTable,
  specRepo,
  startControllerProcess,
  until,
} from './reconcile-support.ts';
import type { ControllerProcess } from './reconcile-support.ts';

interface Shape {
  lastAppliedRevision?: string;
  lastHandledReconcileAt?: string;
  conditions?: { type: string; status: string; reason?: string }[];
}

describe.skipIf(clusterUnavailable())('day-2 controls: interlace reconcile, get, events', () => {
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

  const cli = (args: string[]) => runCli([...args, '--kubeconfig', kubeconfigPath()], process.cwd());
  const status = async () =>
    (await estate({ rest } as never, ns())) as { metadata: { annotations?: Record<string, string> }; status?: Shape };

  it('reconcile fetches a commit the interval would not see for a minute, reports failures, refuses suspended estates; get and events show it', async () => {
    const repo = specRepo();
    try {
      controller = await startControllerProcess(['--namespace', ns(), '--git-cache', `${repo.root}-cache`]);
      await createEstate(rest, ns(), `file://${repo.root}`); // interval 1m, no webhook
      const first = `main@sha1:${repo.git('rev-parse', 'HEAD').trim()}`;
      await until('Estate Ready', async () => {
        const s = (await status()).status;
        return s?.lastAppliedRevision === first && s.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? s : undefined;
      });

      // A new commit: only a reconcile on request finds it within the minute.
      repo.write({
        'specs/wms.yaml':
          'apiVersion: interlace.dev/v1alpha1\nkind: System\nmetadata: { name: wms }\nspec:\n  type: wms\n  hosting: cloud\n  owner: team-wms\n  endpoint: { protocol: http, url: "https://wms.example.com" }\n  auth: { type: none }\n  limits: { rateLimit: { requests: 10, per: 1s }, concurrency: 2 }\n',
      });
      const second = `main@sha1:${repo.commit('add the WMS')}`;
      const started = Date.now();
      const ok = await cli(['reconcile', 'shop', '-n', ns(), '--timeout', '40s']);
      expect(ok.stderr).toContain(`► annotating Estate shop in namespace ${ns()}`);
      expect(ok.stdout).toBe(`✔ applied revision ${second}\n`);
      expect(ok.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(40_000);
      const handled = await status();
      expect(handled.status?.lastHandledReconcileAt).toBe(handled.metadata.annotations?.[RECONCILE_REQUESTED_AT]);
      expect(handled.status?.lastAppliedRevision).toBe(second);

      // A commit the gate rejects: the condition's reason and message, exit 1; the last revision keeps running.
      repo.write({
        'specs/route-api.yaml': fixtureFiles()['specs/route-api.yaml']!.replace(
          'mapping: sap-order-to-order\n      delivery',
          'mapping: nope\n      delivery',
        ),
      });
      const broken = `main@sha1:${repo.commit('break the route')}`;
      const failed = await cli(['reconcile', 'shop', '-n', ns(), '--timeout', '40s']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/✗ reconcile failed: ValidationFailed: Revision main@sha1:[0-9a-f]+ rejected by validate/);
      expect(failed.stderr).toContain(broken.slice(0, 20));
      expect((await status()).status?.lastAppliedRevision).toBe(second);

      // `interlace get estates`: the same truth, one row; -A adds the namespace.
      const got = await cli(['get', 'estates', '-n', ns()]);
      expect(got.code).toBe(0);
      const [row] = parseTable(got.stdout);
      expect(row).toMatchObject({ NAME: 'shop', REVISION: second, SUSPENDED: 'False', READY: 'False' });
      expect(row!.MESSAGE).toContain('rejected by validate');
      expect(row!.AGE).toMatch(/^\d+[smhd]$/);
      const everywhere = await cli(['get', '-A']);
      expect(
        parseTable(everywhere.stdout).find((r) => r.NAMESPACE === ns()),
        everywhere.stdout + everywhere.stderr,
      ).toMatchObject({ NAME: 'shop', REVISION: second });

      // `interlace events shop`: the controller's Events (oldest first) and the Deployment controller's.
      const events = await cli(['events', 'shop', '-n', ns()]);
      expect(events.code).toBe(0);
      const rows = parseTable(events.stdout);
      const reasons = rows.filter((r) => r.OBJECT === 'Estate/shop').map((r) => r.REASON);
      expect(reasons).toContain('ReconciliationSucceeded');
      expect(reasons.at(-1)).toBe('ValidationFailed');
      expect(reasons.indexOf('ReconciliationSucceeded')).toBeLessThan(reasons.lastIndexOf('ValidationFailed'));
      expect(rows.some((r) => r.OBJECT === 'Deployment/route-sap-order-created' && r.REASON === 'ScalingReplicaSet')).toBe(true);
      expect(rows.every((r) => !r.OBJECT!.startsWith('Estate/') || r.OBJECT === 'Estate/shop')).toBe(true);

      // Suspended: refused before anything is annotated (exit 1); an unknown Estate is exit 2.
      await rest.mergePatch(
        { apiVersion: 'interlace.dev/v1alpha1', kind: 'Estate', namespace: ns(), name: 'shop' },
        { spec: { suspend: true } },
      );
      const before = (await status()).metadata.annotations?.[RECONCILE_REQUESTED_AT];
      const suspended = await cli(['reconcile', 'shop', '-n', ns()]);
      expect(suspended.code).toBe(1);
      expect(suspended.stderr).toContain('is suspended');
      expect((await status()).metadata.annotations?.[RECONCILE_REQUESTED_AT]).toBe(before);
      expect(parseTable((await cli(['get', '-n', ns()])).stdout)[0]).toMatchObject({ SUSPENDED: 'True' });
      const missing = await cli(['reconcile', 'nope', '-n', ns()]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('"nope" not found');
    } finally {
      repo.cleanup();
    }
  }, 120_000);

  it('rate-limits Events per object: a burst, then one per refill period; other objects keep theirs', async () => {
    const recorder = new EventRecorder(rest, 'day2-test', { burst: 3, refillMs: 60_000 });
    const at = (name: string) => ({ apiVersion: 'interlace.dev/v1alpha1', kind: 'Estate', namespace: ns(), name });
    for (let i = 0; i < 8; i++)
      expect(
        await recorder.record(at('flapping'), { type: 'Warning', reason: 'HealthCheckFailed', note: `flap ${i}`, action: 'Reconcile' }),
      ).toBeUndefined();
    expect(
      await recorder.record(at('steady'), { type: 'Normal', reason: 'ReconciliationSucceeded', note: 'ok', action: 'Reconcile' }),
    ).toBeUndefined();
    const events = (await rest.list('events.k8s.io/v1', 'Event', ns())) as unknown as { regarding: { name: string }; note: string }[];
    expect(
      events
        .filter((e) => e.regarding.name === 'flapping')
        .map((e) => e.note)
        .sort(),
    ).toEqual(['flap 0', 'flap 1', 'flap 2']);
    expect(events.filter((e) => e.regarding.name === 'steady')).toHaveLength(1);
    expect(recorder.dropped).toBe(5);
  });
});
