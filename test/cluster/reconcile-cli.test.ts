// `interlace apply` (one pass from a working tree, the change set printed) and `interlace status`
// (the same truth as `kubectl get interlace`), against the real API server.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempTree } from '../helpers/temp-tree.ts';
import { clusterUnavailable, kubeconfigPath, useTestNamespace } from './harness/context.ts';
import { fixtureFiles, installCrds, kubectlFresh, parseTable } from './reconcile-support.ts';

describe.skipIf(clusterUnavailable())('reconcile: interlace apply and interlace status', () => {
  const ns = useTestNamespace();
  beforeAll(async () => {
    await installCrds();
  });

  it('applies a working tree, prints the change set, is idempotent, and status agrees with kubectl', async () => {
    const tree = tempTree(fixtureFiles());
    try {
      const args = (extra: string[] = []) => [
        'apply',
        'specs',
        '--namespace',
        ns(),
        '--no-crds',
        '--kubeconfig',
        kubeconfigPath(),
        '--image',
        'registry.invalid/interlace/worker:test',
        '--nats',
        'nats://nats.interlace-system:4222',
        ...extra,
      ];
      const first = await runCli(args(), tree.root);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('EventRoute/' + ns() + '/sap-order-created created');
      expect(first.stdout).toContain('Deployment/' + ns() + '/route-sap-order-created created');
      expect(first.stdout).toMatch(/^13 created, 1 configured$/m); // the namespace existed: labelled (configured)

      // Again while the Deployments roll out: nothing applied; only the spec objects' statuses move.
      let again = await runCli(args(), tree.root);
      expect(again.stdout).toMatch(/^14 unchanged$/m);
      for (let i = 0; i < 40 && !again.stdout.includes('(2 healthy'); i++) {
        await new Promise((r) => setTimeout(r, 250));
        again = await runCli(args(), tree.root);
      }
      expect(again.stdout).toContain('health: Healthy; 8 specs, 2 units (2 healthy, 0 rolling out, 0 degraded)');
      // Once healthy, a pass writes nothing at all.
      again = await runCli(args(), tree.root);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^14 unchanged$/m);
      expect(again.stdout).toMatch(/^writes: 0 of \d+ requests$/m);

      // A spec that does not validate: exit 1, diagnostics with file:line, nothing applied.
      writeFileSync(
        join(tree.root, 'specs/route-api.yaml'),
        fixtureFiles()['specs/route-api.yaml']!.replace('mapping: sap-order-to-order\n      delivery', 'mapping: nope\n      delivery'),
      );
      const rejected = await runCli(args(), tree.root);
      expect(rejected.code).toBe(1);
      expect(rejected.stdout).toMatch(/specs\/route-api\.yaml/);
      expect(rejected.stderr).toContain('nothing was applied');

      // `interlace status` and `kubectl get interlace` say the same per object.
      const status = await runCli(['status', '--namespace', ns(), '--kubeconfig', kubeconfigPath()], tree.root);
      const { stdout } = await kubectlFresh(['get', 'interlace', '-n', ns()]);
      const kubectlRows = stdout
        .trim()
        .split(/\n(?=NAME )/)
        .flatMap(parseTable);
      const ours = parseTable(
        status.stdout.split('\n\n').at(-1) ??
          status.stdout
            .split('\n')
            .slice(status.stdout.split('\n').findIndex((l) => l.startsWith('NAME')))
            .join('\n'),
      );
      expect(ours.length).toBe(kubectlRows.length);
      for (const row of kubectlRows) {
        const [resource, name] = row.NAME!.split('/') as [string, string];
        const mine = ours.find((r) => r.NAME === `${resource.split('.')[0]}/${name}`);
        expect(mine, row.NAME).toBeDefined();
        expect({ READY: mine!.READY, SYNCED: mine!.SYNCED, HEALTH: mine!.HEALTH, REVISION: mine!.REVISION }).toEqual({
          READY: row.READY,
          SYNCED: row.SYNCED,
          HEALTH: row.HEALTH,
          REVISION: row.REVISION,
        });
      }
      expect(status.code).toBe(0);
    } finally {
      tree.cleanup();
    }
  });
});
