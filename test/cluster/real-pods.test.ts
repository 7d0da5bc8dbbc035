// Real pods: the example estate's worker Deployments, as `interlace plan` writes them, run on a real node
// (kubelet + containerd + runc, a CNI bridge network) with the project's own worker image (`build-image.sh
// --flavour worker`, the image `interlace plan` names by default), and become Ready by their real probes.
// kwok cannot show what this shows: that the container starts as user 65532 on a read-only root
// filesystem, finds its bundle, writes its state and answers /readyz on its pod address — and that the
// worker image, with no shell, no git and only the packages the worker loads, holds all it needs. And
// that the plan's Service for an Api works: the node's kube-proxy (nftables) sends its ClusterIP to the
// Ready pod, from the host and from another pod, as the EndpointSlice lists it.
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
import { hasKubeProxyRules } from './harness/kube-proxy.ts';
import type { RealNode } from './harness/real-node.ts';
import { type NodeWithImage, realPodsSkipReason, startNodeWithImage, until } from './harness/real-pods-setup.ts';

/** The units this test runs: an Api (a Service, views) and an EventRoute (a consumer). */
const UNITS = ['api-order-status-v1', 'route-dealer-order-received'];
/** The Api's Service, as the plan writes it (port 80 → the worker's `http` port). */
const SERVICE = 'api-order-status-v1';

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
  let apiPodIp: string | undefined;
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
    // The node's stop ran kube-proxy --cleanup: no rules may be left for the next run to trip over.
    if (setup) expect(await hasKubeProxyRules()).toBe(false);
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
        (o.kind === 'Service' && o.metadata.name === SERVICE) ||
        (o.kind === 'ConfigMap' && UNITS.some((u) => o.metadata.name === `${u}-bundle`)),
    );
    expect(wanted.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [...UNITS.flatMap((u) => [`ConfigMap/${u}-bundle`, `Deployment/${u}`]), `Service/${SERVICE}`].sort(),
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
    apiPodIp = pods.find((p) => p.metadata.name.startsWith(`${SERVICE}-`))?.status.podIP;
    expect(apiPodIp).toMatch(/^10\.88\./);
  }, 300_000);

  it('the Api’s Service reaches its Ready pod by ClusterIP, from the host and from another pod (kube-proxy, nftables)', async () => {
    const ns = namespace!.name;
    expect(apiPodIp, 'the first test ran the pods').toBeDefined();
    expect(await node!.hasServiceRules()).toBe(true);
    const svc = JSON.parse((await kubectl(['get', 'service', SERVICE, '-n', ns, '-o', 'json'])).stdout);
    const clusterIp = svc.spec.clusterIP as string;
    // The API server's --service-cluster-ip-range, apart from the pod network (10.88.0.0/16).
    expect(clusterIp).toMatch(/^10\.0\.0\.\d+$/);

    // The EndpointSlice controller lists exactly the Api's Ready pod, on the worker's http port.
    const slice = await until(
      `an EndpointSlice of Service ${SERVICE} with a ready endpoint`,
      async () => {
        const { stdout } = await kubectl(['get', 'endpointslices', '-n', ns, '-l', `kubernetes.io/service-name=${SERVICE}`, '-o', 'json']);
        const items = JSON.parse(stdout).items as any[];
        return items.find((s) => (s.endpoints ?? []).some((e: any) => e.conditions?.ready === true));
      },
      60_000,
    );
    expect(slice.endpoints.map((e: any) => ({ addresses: e.addresses, ready: e.conditions.ready, node: e.nodeName }))).toEqual([
      { addresses: [apiPodIp], ready: true, node: node!.name },
    ]);
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);

    // From the host: port 80 of the ClusterIP, which nothing listens on, answers as the worker's 8080.
    const started = Date.now();
    const fromHost = await until(
      `http://${clusterIp}/readyz from the host`,
      async () => {
        const res = await fetch(`http://${clusterIp}/readyz`, { signal: AbortSignal.timeout(3_000) });
        return res.status === 200 ? ((await res.json()) as { status: string }) : undefined;
      },
      60_000,
      async () => (await run('nft', ['list', 'table', 'ip', 'kube-proxy']).catch((e) => ({ stdout: String(e) }))).stdout,
    );
    expect(fromHost.status).toBe('ready');
    figures.serviceFromHost = `${((Date.now() - started) / 1000).toFixed(1)} s`;

    // From another pod on the bridge: a one-shot pod of the worker image (node, no shell) fetches the
    // ClusterIP and leaves what it got as its termination message.
    const probe = `(async () => {
      const deadline = Date.now() + 60000; let last = '';
      for (;;) {
        try { const r = await fetch(process.env.TARGET, { signal: AbortSignal.timeout(3000) }); last = r.status + ' ' + (await r.text()); if (r.status === 200) break; }
        catch (e) { last = String(e.cause ?? e); }
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      require('node:fs').writeFileSync('/dev/termination-log', last);
      process.exit(last.startsWith('200 ') ? 0 : 1);
    })();`;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'service-probe' },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': node!.name },
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: { runAsUser: 65532, runAsNonRoot: true },
        containers: [
          {
            name: 'probe',
            image,
            imagePullPolicy: 'Never',
            command: ['/usr/local/bin/node', '-e', probe],
            env: [{ name: 'TARGET', value: `http://${clusterIp}/readyz` }],
          },
        ],
      },
    };
    await kubectl(['apply', '--server-side', '--field-manager=interlace-test', '-n', ns, '-f', '-'], { input: JSON.stringify(pod) });
    const done = await until(
      'pod service-probe finished',
      async () => {
        const { stdout } = await kubectl(['get', 'pod', 'service-probe', '-n', ns, '-o', 'json']);
        const p = JSON.parse(stdout);
        return ['Succeeded', 'Failed'].includes(p.status?.phase) ? p : undefined;
      },
      120_000,
    );
    const terminated = done.status.containerStatuses[0].state.terminated;
    expect(done.status.podIP).toMatch(/^10\.88\./);
    expect(terminated.message).toMatch(/^200 /);
    expect(JSON.parse(terminated.message.slice(4)).status).toBe('ready');
    expect({ phase: done.status.phase, exitCode: terminated.exitCode }).toEqual({ phase: 'Succeeded', exitCode: 0 });
  }, 300_000);
});
