// Real pods: the example estate's worker Deployments, as `interlace plan` writes them, run on a real node
// (kubelet + containerd + runc, a CNI bridge network) with the project's own worker image (`build-image.sh
// --flavour worker`, the image `interlace plan` names by default), and become Ready by their real probes.
// kwok cannot show what this shows: that the container starts as user 65532 on a read-only root
// filesystem, finds its bundle, writes its state and answers /readyz on its pod address — and that the
// worker image, with no shell, no git and only the packages the worker loads, holds all it needs.
//
// Needs root, containerd/runc/CNI plugins from Debian, the kubelet (scripts/build-real-node.sh) and the
// worker image (scripts/build-image.sh --flavour worker); both scripts cache, and .ci/run runs them before the tests. A missing
// piece skips this file with the reason, except under INTERLACE_REQUIRE_ALL_TIERS=1, where it fails.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNatsServerBinary, type NatsServer, startNatsServer } from '../broker/harness/nats-server.ts';
import { runCli } from '../helpers/cli.ts';
import { REPO_ROOT } from './harness/binaries.ts';
import { createNamespace, kubeConfig, kubectl } from './harness/context.ts';
import type { RealNode } from './harness/real-node.ts';
import { type NodeWithImage, realPodsSkipReason, startNodeWithImage, until } from './harness/real-pods-setup.ts';

/** The units this test runs: an Api (a Service, views) and an EventRoute (a consumer). */
const UNITS = ['api-order-status-v1', 'route-dealer-order-received'];

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; ownerReferences?: unknown[] };
  spec?: any;
  data?: Record<string, string>;
}

const run = promisify(execFile);
const reason = realPodsSkipReason('real-pods');

describe.skipIf(reason !== undefined)('real pods on a real node (kubelet + containerd)', () => {
  let setup: NodeWithImage | undefined;
  let node: RealNode | undefined;
  let namespace: { name: string; remove: () => Promise<void> } | undefined;
  let image = '';
  let nats: NatsServer | undefined;
  let natsUrl = '';
  const figures: Record<string, string> = {};

  beforeAll(async () => {
    setup = await startNodeWithImage('real-pods', { flavour: 'worker' });
    node = setup.node;
    image = setup.image;
    Object.assign(figures, setup.figures);
    namespace = await createNamespace(kubeConfig(), 'real-pods');
    // The backbone: a real nats-server (JetStream) on the host, which pods reach at the node's address.
    nats = await startNatsServer(await ensureNatsServerBinary(), ['-a', '0.0.0.0']);
    natsUrl = nats.url.replace('127.0.0.1', node.ip);
  }, 20 * 60_000);

  afterAll(async () => {
    // Pods first, by the kubelet (so their sandboxes and network namespaces go the normal way), then the node.
    if (namespace) {
      await kubectl(['delete', 'namespace', namespace.name, '--wait=true', '--timeout=60s']).catch(() => {});
    }
    await setup?.stop();
    await nats?.stop();
    console.log(`[real-pods] figures: ${JSON.stringify(figures)}`);
  }, 120_000);

  it('the example estate’s worker Deployments run the worker image and become Ready by their real probes', async () => {
    const ns = namespace!.name;
    // The workers' backbone, where this version of `interlace plan` takes one (issue 12 part 2).
    const help = await runCli(['plan', '--help'], REPO_ROOT);
    const takesNats = (help.stdout + help.stderr).includes('--nats');
    // The real executable (its own package version), without --image: the plan's default, the worker
    // flavour of this version, must be the image this node holds.
    const planned = await run(
      process.execPath,
      [
        'bin/interlace.mjs',
        'plan',
        'specs',
        '--offline',
        '--namespace',
        ns,
        '--no-crds',
        '--output',
        'json',
        ...(takesNats ? ['--nats', natsUrl] : []),
      ],
      { cwd: REPO_ROOT, maxBuffer: 64 << 20 },
    );
    const all = JSON.parse(planned.stdout) as { items?: Obj[] } | Obj[];
    const objects = Array.isArray(all) ? all : (all.items ?? []);
    const wanted = objects.filter(
      (o) =>
        (o.kind === 'Deployment' && UNITS.includes(o.metadata.name)) ||
        (o.kind === 'ConfigMap' && UNITS.some((u) => o.metadata.name === `${u}-bundle`)),
    );
    expect(wanted.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      UNITS.flatMap((u) => [`ConfigMap/${u}-bundle`, `Deployment/${u}`]).sort(),
    );
    const secrets = new Set<string>();
    for (const o of wanted) {
      // The owners (the Estate's spec objects) are not applied here: nothing else in the plan is needed to run a unit.
      delete o.metadata.ownerReferences;
      if (o.kind !== 'Deployment') continue;
      const pod = o.spec.template.spec;
      expect(pod.containers[0].image).toBe(image);
      // Only the real node: kwok's fake node would report any pod Ready.
      pod.nodeSelector = { 'kubernetes.io/hostname': node!.name };
      pod.containers[0].imagePullPolicy = 'Never';
      for (const e of pod.containers[0].env ?? [])
        if (e.valueFrom?.secretKeyRef) secrets.add(`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
    }
    // The units' credentials, as an operator would create them (values the simulated systems accept).
    const byName = new Map<string, Record<string, string>>();
    for (const ref of secrets) {
      const [name, key] = ref.split('/') as [string, string];
      byName.set(name, { ...byName.get(name), [key]: key.toLowerCase().includes('key') ? 'dealer:test-key' : 'test' });
    }
    const secretObjects = [...byName].map(([name, data]) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data }));
    const started = Date.now();
    await kubectl(['apply', '--server-side', '--field-manager=interlace-test', '-n', ns, '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...secretObjects, ...wanted] }),
    });

    const describePods = async () =>
      (await kubectl(['get', 'pods,events', '-n', ns, '-o', 'wide']).catch((e) => ({ stdout: String(e) }))).stdout;
    const pods = await until(
      `${UNITS.length} pods Running and Ready on ${node!.name}`,
      async () => {
        const { stdout } = await kubectl(['get', 'pods', '-n', ns, '-o', 'json']);
        const items = JSON.parse(stdout).items as any[];
        const ready = items.filter(
          (p) => p.status?.phase === 'Running' && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === UNITS.length ? ready : undefined;
      },
      180_000,
      describePods,
    );
    figures.podsReady = `${((Date.now() - started) / 1000).toFixed(1)} s`;

    for (const pod of pods) {
      expect(pod.spec.nodeName).toBe(node!.name);
      const status = pod.status.containerStatuses[0];
      // A real container: containerd ran it from the imported image, and it did not restart.
      expect(status.containerID).toMatch(/^containerd:\/\//);
      expect(status.imageID).toMatch(/sha256:[0-9a-f]{64}/);
      expect(status.restartCount).toBe(0);
      // A real pod network: an address from the node's bridge range, reachable from the host.
      expect(pod.status.podIP).toMatch(/^10\.88\./);
      const res = await fetch(`http://${pod.status.podIP}:8080/readyz`);
      expect(res.status).toBe(200);
    }
  }, 300_000);
});
