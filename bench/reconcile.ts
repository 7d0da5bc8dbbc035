/**
 * `npm run bench -- reconcile` (or `node bench/reconcile.ts [specs]`): the controller against a real
 * control plane (the cluster tier's: kube-apiserver + etcd, controller-manager, scheduler, kwok), with
 * an estate of 500 specs (bench/reconcile-estate.ts: 125 units, 808 objects) in a Git repository served
 * from a temp folder.
 *   - cold start: Estate created → every object applied and every unit's Deployment available (Ready);
 *   - a no-op resync (nothing changed in Git or the cluster): write requests counted — must be 0;
 *   - commit-to-applied latency of a one-spec change, delivered by a signed GitHub push webhook: p50, max;
 *   - the controller process's peak RSS (VmHWM of /proc/<pid>/status);
 *   - then, on a real node (bench/reconcile-real-pods.ts): commit → a Ready pod serving the new bundle, p50.
 *     `BENCH_RECONCILE_REAL_PODS=0` leaves that section out (it needs root, containerd and the image).
 * Flux's published figures (v2.6, 500 Kustomizations) are printed beside ours; they measure a different
 * workload (kustomize builds of plain manifests, no validation or code generation), so read them as the
 * bar a GitOps controller is held to, not as a like-for-like race.
 */
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../controller/apply/index.ts';
import { ensureBinaries } from '../test/cluster/harness/binaries.ts';
import { startControlPlane } from '../test/cluster/harness/control-plane.ts';
import { TempRepo } from '../test/helpers/git-repo.ts';
import { reconcileEstateFiles } from './reconcile-estate.ts';
import { measureRealPodRollouts } from './reconcile-real-pods.ts';

/**
 * V8 limits the controller runs with (the Helm chart should set the same NODE_OPTIONS): a small young
 * generation and an old-space cap make V8 collect before growing, so RSS follows the live set.
 */
const CONTROLLER_NODE_OPTIONS = process.env.BENCH_CONTROLLER_NODE_OPTIONS ?? '--max-semi-space-size=4 --max-old-space-size=256';
const FLUX = { specs: 500, coldStartSeconds: 122, peakMiB: 122 };
/** realPodServingP50S: a rollout pulls nothing (the image is on the node), so a pod serves within seconds. */
const TARGET = { latencyP50Ms: 2000, peakMiB: 250, realPodServingP50S: 15 };
const ROOT = fileURLToPath(new URL('..', import.meta.url));

let controllerLog = () => '';
const lastLines = (text: string, n: number) => text.trimEnd().split('\n').slice(-n).join('\n');

export async function run(): Promise<void> {
  const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 500);
  const log = (line: string) => process.stderr.write(`[bench reconcile] ${line}\n`);
  const cp = await startControlPlane(await ensureBinaries(), { workloads: true, log });
  const repo = new TempRepo();
  let controller: ReturnType<typeof spawn> | undefined;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const rest = new KubeRest(kc);
    // kwok's node holds 110 pods; 125 units need a second node (kwok manages every node it sees).
    for (const name of ['kwok-node-1', 'kwok-node-2']) {
      const capacity = { cpu: '32', memory: '256Gi', pods: '110' };
      await rest.create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
          labels: { 'kubernetes.io/hostname': name, type: 'kwok' },
        },
        status: { allocatable: capacity, capacity },
      } as never);
    }
    await kubectl(cp.kubeconfigPath, ['apply', '--server-side', '--field-manager=helm', '-f', `${ROOT}charts/interlace/crds/`]);
    await kubectl(cp.kubeconfigPath, ['wait', '--for=condition=Established', 'crd', '-l', 'app.kubernetes.io/part-of=interlace']);

    repo.write(reconcileEstateFiles(count));
    let commit = repo.commit(`estate of ${count} specs`);
    const namespace = 'bench';
    await rest.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const token = randomBytes(16).toString('hex');
    await rest.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'webhook', namespace }, stringData: { token } } as never);

    // The controller, as its own process.
    controller = spawn(
      `${ROOT}node_modules/.bin/node`,
      [
        `${ROOT}bin/interlace.mjs`,
        'controller',
        '--kubeconfig',
        cp.kubeconfigPath,
        '--metrics-addr',
        '127.0.0.1:0',
        '--webhook-addr',
        '127.0.0.1:0',
        '--runtime-image',
        'registry.invalid/interlace/worker:bench',
        // kwok pods never dial it; an estate with routes is refused without a backbone.
        '--nats-url',
        'nats://nats.invalid:4222',
        '--git-cache',
        `${repo.root}-cache`,
        // The bench serves its specs by file:// (refused by default).
        '--allow-local-sources',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: CONTROLLER_NODE_OPTIONS } },
    );
    let stderr = '';
    controller.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    controllerLog = () => `${stderr}\n(exit: ${controller?.exitCode ?? 'running'} ${controller?.signalCode ?? ''})`;
    if (process.env.BENCH_CONTROLLER_LOG)
      controller.stderr!.on('data', (d: Buffer) => appendFileSync(process.env.BENCH_CONTROLLER_LOG!, d));
    const pid = controller.pid!;
    const metricsUrl = await waitFor(
      'controller metrics',
      async () => {
        const line = stderr.split('\n').find((l) => l.includes('"controller started"'));
        return line ? (JSON.parse(line) as { metrics: string; webhook: string }) : undefined;
      },
      30_000,
    ).catch(async () => {
      throw new Error(`the controller did not start:\n${stderr}`);
    });
    const metric = async (name: string, labels: Record<string, string> = {}) => {
      const text = await (await fetch(`${metricsUrl.metrics}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^([a-zA-Z_:]+)(\{[^}]*\})? ([0-9.eE+-]+)$/.exec(line);
        if (m && m[1] === name && Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
      }
      return sum;
    };

    // 1. Cold start: Estate created → all applied and every unit available.
    const started = performance.now();
    await rest.create({
      apiVersion: 'interlace.dev/v1alpha1',
      kind: 'Estate',
      metadata: { name: 'shop', namespace },
      spec: {
        source: {
          url: `file://${repo.root}`,
          ref: { branch: 'main' },
          path: 'specs',
          interval: '10m',
          webhookSecretRef: { name: 'webhook' },
        },
      },
    } as never);
    const estateRef = { apiVersion: 'interlace.dev/v1alpha1', kind: 'Estate', namespace, name: 'shop' };
    type S = {
      lastAppliedRevision?: string;
      conditions?: { type: string; status: string; reason: string }[];
      counts?: Record<string, number>;
    };
    const status = async () => ((await rest.get(estateRef)).status ?? {}) as S;
    const applied = await waitFor(
      'the first revision applied',
      async () => ((await status()).lastAppliedRevision?.endsWith(commit) ? performance.now() : undefined),
      600_000,
      100,
    );
    const ready = await waitFor(
      'every unit Ready',
      async () => {
        const s = await status();
        return s.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? { at: performance.now(), counts: s.counts } : undefined;
      },
      600_000,
      250,
    );
    const coldAppliedS = (applied - started) / 1000;
    const coldReadyS = (ready.at - started) / 1000;
    log(`cold start: applied in ${coldAppliedS.toFixed(1)} s, all Ready in ${coldReadyS.toFixed(1)} s (${JSON.stringify(ready.counts)})`);

    // 2. No-op resync: nudge the Estate (an annotation: a new resync of the same commit), count writes.
    const reconcilesBefore = await metric('interlace_reconcile_total');
    const writesBefore = await metric('interlace_kube_requests_total', { write: 'true' });
    // The one write a requested resync must make: the Estate's status records the request as handled
    // (status.lastHandledReconcileAt, as Flux does, so `interlace reconcile` can wait for it).
    const estateStatusWritesBefore = await metric('interlace_kube_requests_total', { write: 'true', kind: 'estates/status' });
    const readsBefore = await metric('interlace_kube_requests_total', { write: 'false' });
    const resyncStart = performance.now();
    await kubectl(cp.kubeconfigPath, [
      '-n',
      namespace,
      'annotate',
      'estate',
      'shop',
      `interlace.dev/reconcile-requested-at=${Date.now()}`,
      '--overwrite',
    ]);
    await waitFor(
      'the resync',
      async () => ((await metric('interlace_reconcile_total')) > reconcilesBefore ? true : undefined),
      60_000,
      20,
    );
    const resyncMs = performance.now() - resyncStart;
    const handledWrites =
      (await metric('interlace_kube_requests_total', { write: 'true', kind: 'estates/status' })) - estateStatusWritesBefore;
    const noopWrites = (await metric('interlace_kube_requests_total', { write: 'true' })) - writesBefore - Math.min(handledWrites, 1);
    if (noopWrites > 0)
      log(
        `writes by resource so far:\n${(await (await fetch(`${metricsUrl.metrics}/metrics`)).text())
          .split('\n')
          .filter((l) => l.startsWith('interlace_kube_requests_total') && l.includes('write="true"'))
          .join('\n')}`,
      );
    const noopReads = (await metric('interlace_kube_requests_total', { write: 'false' })) - readsBefore;
    log(
      `no-op resync: ${noopWrites} writes beyond the Estate status' lastHandledReconcileAt, ${noopReads} reads, ${resyncMs.toFixed(0)} ms`,
    );

    // 3. Commit-to-applied latency of a one-spec change, via a signed GitHub push webhook.
    const latencies: number[] = [];
    for (let variant = 1; variant <= 7; variant++) {
      const files = reconcileEstateFiles(count, variant);
      repo.write({ 'specs/mappings/mapping-0.yaml': files['specs/mappings/mapping-0.yaml']! });
      commit = repo.commit(`mapping-0 variant ${variant}`);
      const t0 = performance.now();
      const body = JSON.stringify({ ref: 'refs/heads/main', after: commit, repository: { clone_url: `file://${repo.root}` } });
      const response = await fetch(`${metricsUrl.webhook}/hook/${namespace}/shop`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': randomBytes(8).toString('hex'),
          'x-hub-signature-256': `sha256=${createHmac('sha256', token).update(body).digest('hex')}`,
        },
      });
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
      const at = await waitFor(
        'the change applied',
        async () => ((await status()).lastAppliedRevision?.endsWith(commit) ? performance.now() : undefined),
        120_000,
        20,
      );
      latencies.push(at - t0);
      await waitFor(
        'Ready again',
        async () => ((await status()).conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined),
        120_000,
        100,
      ).catch(async (error) => {
        const s = await status();
        throw new Error(`${(error as Error).message}; the Estate says: ${JSON.stringify(s.conditions)}`);
      });
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length / 2)]!;
    log(`commit-to-applied (webhook): ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);

    const peakKiB = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    const peakMiB = peakKiB / 1024;
    const gatePeakMiB = (await metric('interlace_gate_worker_peak_rss_bytes')) / 1024 / 1024;

    const rows: [string, string, string, string][] = [
      ['', 'interlace', 'target', `Flux v2.6 (${FLUX.specs} Kustomizations)`],
      [
        `cold start to all Ready (${count} specs)`,
        `${coldReadyS.toFixed(1)} s (applied ${coldAppliedS.toFixed(1)} s)`,
        '',
        `${FLUX.coldStartSeconds} s (2m2s)`,
      ],
      ['no-op resync: writes (+1 status ack)', `${noopWrites} (${noopReads} reads, ${resyncMs.toFixed(0)} ms)`, '0', 'n/a'],
      [
        'commit-to-applied, one spec, webhook: p50',
        `${(p50 / 1000).toFixed(2)} s (max ${(latencies.at(-1)! / 1000).toFixed(2)} s, n=${latencies.length})`,
        `≤ ${TARGET.latencyP50Ms / 1000} s`,
        'n/a',
      ],
      ['controller peak RSS (main process)', `${peakMiB.toFixed(0)} MiB`, `≤ ${TARGET.peakMiB} MiB`, `${FLUX.peakMiB} MiB`],
      [
        'gate worker peak RSS (validate…generate, own process)',
        `${gatePeakMiB.toFixed(0)} MiB (exits after 10 idle min)`,
        '',
        'n/a (Flux runs no generator)',
      ],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    console.log(
      rows
        .map((r) =>
          r
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd(),
        )
        .join('\n'),
    );
    console.log(`controller NODE_OPTIONS: ${CONTROLLER_NODE_OPTIONS || '(none)'}`);
    console.log(
      `ratios: cold start ${(coldReadyS / FLUX.coldStartSeconds).toFixed(2)}× Flux's time; peak RSS ${(peakMiB / FLUX.peakMiB).toFixed(2)}× Flux's, ${(peakMiB / TARGET.peakMiB).toFixed(2)}× the target; latency p50 ${(p50 / TARGET.latencyP50Ms).toFixed(2)}× the target`,
    );
  } catch (error) {
    process.stderr.write(`controller log (last lines):\n${lastLines(controllerLog(), 40)}\n`);
    throw error;
  } finally {
    if (controller && controller.exitCode === null) {
      controller.kill('SIGTERM');
      await new Promise((r) => controller!.once('exit', r));
    }
    repo.cleanup();
    await cp.stop();
  }
  // After the kwok control plane is gone: the real-pod file starts its own.
  if (process.env.BENCH_RECONCILE_REAL_PODS === '0') {
    console.log('commit → real pod serving the new bundle: not measured (BENCH_RECONCILE_REAL_PODS=0)');
    return;
  }
  const pods = await measureRealPodRollouts(log);
  const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]! / 1000;
  console.log(
    `commit → a Ready real pod serving the new bundle: p50 ${p50(pods.servedMs).toFixed(1)} s (${pods.servedMs.map((m) => (m / 1000).toFixed(1)).join(', ')} s); → rollout complete (Estate Ready): p50 ${p50(pods.settledMs).toFixed(1)} s; target ≤ ${TARGET.realPodServingP50S} s (${(p50(pods.servedMs) / TARGET.realPodServingP50S).toFixed(2)}×)`,
  );
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(' ')}: ${out}`))));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
