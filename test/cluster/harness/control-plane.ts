// Starts a real Kubernetes control plane for tests on free loopback ports: kube-apiserver backed by etcd
// 3.6, kube-controller-manager, kube-scheduler and kwok (fake node + fake kubelet), so that Deployments roll
// out and their pods become Ready. Writes a kubeconfig that @kubernetes/client-node and kubectl both read.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Binaries, Launcher } from './binaries.ts';
import { logTail, onAbnormalExit, startComponent, stopComponents, type Component } from './processes.ts';

export interface ControlPlaneOptions {
  /** Start kube-controller-manager, kube-scheduler and kwok (default: whenever the binaries have them). */
  readonly workloads?: boolean;
  /** Keep the temp folder (logs, kubeconfig) after stop, for debugging. Default: env INTERLACE_KEEP_CLUSTER=1. */
  readonly keepTempDir?: boolean;
  readonly log?: (line: string) => void;
}

export interface ControlPlane {
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly token: string;
  readonly tempDir: string;
  readonly logDir: string;
  /** Kubernetes server version as the API reports it (GET /version). */
  readonly version: string;
  /** Controller-manager, scheduler and kwok are running: Deployments roll out, pods become Ready. */
  readonly workloads: boolean;
  /** Name of the fake node that kwok manages (when workloads). */
  readonly nodeName: string | undefined;
  /** Milliseconds from the first process start to ready (apiserver + default namespace, and node Ready with workloads). */
  readonly startupMs: number;
  /**
   * Stops kube-apiserver (SIGTERM; with the built binary its embedded etcd stops with it) and starts it
   * again with the same flags, port, certificates and data; resolves when /readyz answers 200 again.
   * For tests of clients that must ride out an API server restart.
   */
  restartApiServer(): Promise<{ downMs: number }>;
  stop(): Promise<void>;
}

export const FAKE_NODE = 'kwok-node-0';

/** A free TCP port on 127.0.0.1 (the kernel picks one; closed again before use: a tiny race we accept). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

interface HttpResult {
  readonly status: number;
  readonly body: string;
}

/** One HTTPS request to a loopback component. TLS is checked against `ca` when given. */
function httpsRequest(
  url: string,
  opts: { token?: string; ca?: string; method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        headers,
        ...(opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }),
        timeout: opts.timeoutMs ?? 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** Polls `check` until it returns true; fails early if a component died, with its log tail. */
async function waitFor(what: string, check: () => Promise<boolean>, components: readonly Component[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    const dead = components.find((c) => c.exitStatus !== undefined);
    if (dead) throw new StartupError(`${dead.name} exited (${dead.exitStatus ?? '?'}) while waiting for ${what}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new StartupError(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function args(l: Launcher, own: readonly string[]): string[] {
  return [...l.prefix, ...own];
}

const TEMP_PREFIX = 'interlace-cp-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp folders of earlier runs whose Node process is gone (killed outright, so no teardown ran;
 * its components stop by themselves: they watch INTERLACE_PARENT_PID).
 */
function removeStaleTempDirs(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(TEMP_PREFIX)) continue;
    const dir = join(tmpdir(), entry);
    try {
      const owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
      if (owner > 0 && !alive(owner)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // no owner.pid (not ours, or being created): leave it
    }
  }
}

export async function startControlPlane(bins: Binaries, options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[control-plane] ${line}\n`));
  const keep = options.keepTempDir ?? process.env.INTERLACE_KEEP_CLUSTER === '1';
  const wantWorkloads = options.workloads ?? true;
  const haveWorkloads = Boolean(bins.controllerManager && bins.scheduler && bins.kwok && bins.kwokStages);
  const workloads = wantWorkloads && haveWorkloads;
  if (wantWorkloads && !haveWorkloads) {
    log(
      `${bins.dir} lacks kube-controller-manager, kube-scheduler, kwok or kwok-stages.yaml: starting the API server only (Deployments will not roll out)`,
    );
  }

  removeStaleTempDirs();
  const tempDir = mkdtempSync(join(tmpdir(), TEMP_PREFIX));
  writeFileSync(join(tempDir, 'owner.pid'), String(process.pid));
  const logDir = join(tempDir, 'logs');
  const certDir = join(tempDir, 'certs');
  mkdirSync(logDir);
  mkdirSync(certDir);
  const components: Component[] = [];
  let stopped = false;
  const removeTemp = (): void => {
    if (!keep) rmSync(tempDir, { recursive: true, force: true });
  };
  const unhook = onAbnormalExit(removeTemp);
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Clients first, the API server (with its embedded etcd) last.
    await stopComponents(
      components.filter((c) => c.name !== 'kube-apiserver' && c.name !== 'etcd'),
      5_000,
    );
    await stopComponents(
      components.filter((c) => c.name === 'kube-apiserver'),
      10_000,
    );
    await stopComponents(
      components.filter((c) => c.name === 'etcd'),
      5_000,
    );
    unhook();
    if (keep) log(`kept ${tempDir} (INTERLACE_KEEP_CLUSTER=1)`);
    removeTemp();
  };

  const started = Date.now();
  let apiserverArgs: string[] = [];
  try {
    // Credentials: a static token for a system:masters user, and a service-account signing key pair.
    const token = randomBytes(24).toString('hex');
    const tokenFile = join(tempDir, 'tokens.csv');
    writeFileSync(tokenFile, `${token},interlace-test-admin,interlace-test-admin,"system:masters"\n`, { mode: 0o600 });
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    const saPub = join(tempDir, 'sa.pub');
    const saKey = join(tempDir, 'sa.key');
    writeFileSync(saPub, publicKey);
    writeFileSync(saKey, privateKey, { mode: 0o600 });

    const [apiPort, etcdClientPort, etcdPeerPort, kcmPort, schedPort, kwokPort] = (await Promise.all(
      [0, 1, 2, 3, 4, 5].map(() => freePort()),
    )) as [number, number, number, number, number, number];
    const server = `https://127.0.0.1:${apiPort}`;
    const etcdURL = `http://127.0.0.1:${etcdClientPort}`;
    const etcdPeer = `http://127.0.0.1:${etcdPeerPort}`;
    const etcdDir = join(tempDir, 'etcd');

    const apiserverFlags = [
      `--etcd-servers=${etcdURL}`,
      `--cert-dir=${certDir}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // The `kubernetes` Service's endpoints may not be a loopback address: don't reconcile them (nothing
      // runs in-cluster here) instead of logging "Endpoints kubernetes is invalid" every 10s.
      '--endpoint-reconciler-type=none',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      `--token-auth-file=${tokenFile}`,
      // Pods are created before the ServiceAccount controller has made `default` in a fresh namespace;
      // envtest turns this admission plugin off too, and kwok's fake kubelet mounts nothing anyway.
      '--disable-admission-plugins=ServiceAccount',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--profiling=false',
      '--v=1',
    ];

    if (bins.kind === 'built') {
      apiserverArgs = args(bins.apiserver, [
        `--etcd-data-dir=${etcdDir}`,
        `--etcd-client-url=${etcdURL}`,
        `--etcd-peer-url=${etcdPeer}`,
        '--',
        ...apiserverFlags,
      ]);
      components.push(startComponent('kube-apiserver', bins.apiserver.command, apiserverArgs, join(logDir, 'kube-apiserver.log')));
    } else {
      const etcd = bins.etcd;
      if (!etcd) throw new Error('no etcd binary');
      components.push(
        startComponent(
          'etcd',
          etcd.command,
          args(etcd, [
            '--name=interlace-test',
            `--data-dir=${etcdDir}`,
            `--listen-client-urls=${etcdURL}`,
            `--advertise-client-urls=${etcdURL}`,
            `--listen-peer-urls=${etcdPeer}`,
            `--initial-advertise-peer-urls=${etcdPeer}`,
            `--initial-cluster=interlace-test=${etcdPeer}`,
            '--unsafe-no-fsync=true',
            '--log-level=warn',
          ]),
          join(logDir, 'etcd.log'),
        ),
      );
      apiserverArgs = args(bins.apiserver, apiserverFlags);
      components.push(startComponent('kube-apiserver', bins.apiserver.command, apiserverArgs, join(logDir, 'kube-apiserver.log')));
    }

    await waitFor(
      'kube-apiserver /readyz',
      async () => (await httpsRequest(`${server}/readyz`, { token })).status === 200,
      components,
      120_000,
    );
    // The serving certificate the apiserver made for itself (cert + its self-signed CA) is the kubeconfig's CA.
    const certFile = join(certDir, 'apiserver.crt');
    if (!existsSync(certFile)) throw new StartupError(`kube-apiserver wrote no ${certFile}`);
    const ca = readFileSync(certFile, 'utf8');
    await waitFor(
      'namespace default',
      async () => (await httpsRequest(`${server}/api/v1/namespaces/default`, { token, ca })).status === 200,
      components,
      60_000,
    );
    const versionInfo = JSON.parse((await httpsRequest(`${server}/version`, { token, ca })).body) as { gitVersion?: string };

    const kubeconfigPath = join(tempDir, 'kubeconfig');
    writeFileSync(
      kubeconfigPath,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'interlace-test', cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
        users: [{ name: 'interlace-test-admin', user: { token } }],
        contexts: [{ name: 'interlace-test', context: { cluster: 'interlace-test', user: 'interlace-test-admin', namespace: 'default' } }],
        'current-context': 'interlace-test',
        preferences: {},
      }),
      { mode: 0o600 },
    );

    let nodeName: string | undefined;
    if (workloads && bins.controllerManager && bins.scheduler && bins.kwok && bins.kwokStages) {
      const kcm = startComponent(
        'kube-controller-manager',
        bins.controllerManager.command,
        args(bins.controllerManager, [
          `--kubeconfig=${kubeconfigPath}`,
          `--authentication-kubeconfig=${kubeconfigPath}`,
          `--authorization-kubeconfig=${kubeconfigPath}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${kcmPort}`,
          '--leader-elect=false',
          '--use-service-account-credentials=false',
          `--service-account-private-key-file=${saKey}`,
          `--root-ca-file=${certFile}`,
          '--cluster-name=interlace-test',
          '--concurrent-deployment-syncs=5',
          '--v=1',
        ]),
        join(logDir, 'kube-controller-manager.log'),
      );
      const sched = startComponent(
        'kube-scheduler',
        bins.scheduler.command,
        args(bins.scheduler, [
          `--kubeconfig=${kubeconfigPath}`,
          `--authentication-kubeconfig=${kubeconfigPath}`,
          `--authorization-kubeconfig=${kubeconfigPath}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${schedPort}`,
          '--leader-elect=false',
          '--v=1',
        ]),
        join(logDir, 'kube-scheduler.log'),
      );
      const kwok = startComponent(
        'kwok',
        bins.kwok.command,
        args(bins.kwok, [
          `--kubeconfig=${kubeconfigPath}`,
          // kwok's "fast" stages: node-initialize, node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete.
          `--config=${bins.kwokStages}`,
          // Plus the tier's own stage: pods of one test image crash-loop (reconcile-health tests).
          `--config=${fileURLToPath(new URL('kwok-crashloop-stage.yaml', import.meta.url))}`,
          // Only the fake node (annotated below): a real node (harness/real-node.ts) must keep its own
          // kubelet's pods and status; with --manage-all-nodes kwok would fake them Ready.
          '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
          // Renew a Lease per node in kube-node-lease (what a kubelet does). Without it kwok's
          // heartbeat-with-lease stage updates the node status only now and then, the node lifecycle
          // controller marks the node NotReady after its grace period, and every pod on it turns
          // Ready=False for good (kwok's pod-ready stage only handles Pending pods).
          '--node-lease-duration-seconds=40',
          `--server-address=127.0.0.1:${kwokPort}`,
          '--cidr=10.244.0.1/16',
          '--node-ip=127.0.0.1',
        ]),
        join(logDir, 'kwok.log'),
      );
      components.push(kcm, sched, kwok);

      nodeName = FAKE_NODE;
      const capacity = { cpu: '32', memory: '256Gi', pods: '110' };
      const created = await httpsRequest(`${server}/api/v1/nodes`, {
        token,
        ca,
        method: 'POST',
        body: {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name: nodeName,
            annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
            labels: { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
          },
          status: {
            allocatable: capacity,
            capacity,
            nodeInfo: { kubeletVersion: 'fake', operatingSystem: 'linux', architecture: 'amd64' },
          },
        },
      });
      if (created.status !== 201) throw new StartupError(`creating node ${nodeName}: HTTP ${created.status} ${created.body}`);

      await waitFor(
        'kube-controller-manager and kube-scheduler /healthz',
        async () => {
          const [a, b] = await Promise.all([
            httpsRequest(`https://127.0.0.1:${kcmPort}/healthz`),
            httpsRequest(`https://127.0.0.1:${schedPort}/healthz`),
          ]);
          return a.status === 200 && b.status === 200;
        },
        components,
        120_000,
      );
      await waitFor(
        `node ${nodeName} Ready (kwok)`,
        async () => {
          const res = await httpsRequest(`${server}/api/v1/nodes/${nodeName}`, { token, ca });
          const node = JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } };
          return Boolean(node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        },
        components,
        60_000,
      );
    }

    const startupMs = Date.now() - started;
    log(
      `ready in ${(startupMs / 1000).toFixed(1)}s: ${versionInfo.gitVersion ?? '?'} at ${server}${workloads ? ` with controller-manager, scheduler, kwok node ${nodeName ?? ''}` : ' (API server only)'}; kubeconfig ${kubeconfigPath}`,
    );
    const restartApiServer = async (): Promise<{ downMs: number }> => {
      const old = components.find((c) => c.name === 'kube-apiserver' && c.exitStatus === undefined);
      const down = Date.now();
      if (old) {
        await stopComponents([old], 10_000);
        components.splice(components.indexOf(old), 1);
      }
      const fresh = startComponent('kube-apiserver', bins.apiserver.command, apiserverArgs, join(logDir, 'kube-apiserver.log'));
      components.push(fresh);
      await waitFor(
        'kube-apiserver /readyz after a restart',
        async () => (await httpsRequest(`${server}/readyz`, { token, ca })).status === 200,
        [fresh],
        120_000,
      );
      log(`kube-apiserver restarted; down for ${Date.now() - down} ms`);
      return { downMs: Date.now() - down };
    };
    return {
      kubeconfigPath,
      server,
      token,
      tempDir,
      logDir,
      version: versionInfo.gitVersion ?? '',
      workloads,
      nodeName,
      startupMs,
      restartApiServer,
      stop,
    };
  } catch (err) {
    const tails = components
      .map(
        (c) =>
          `----- ${c.name} (${c.exitStatus === undefined ? 'running' : `exited ${c.exitStatus}`}), last lines of ${c.logFile} -----\n${logTail(c)}`,
      )
      .join('\n');
    process.stderr.write(`[control-plane] startup failed: ${(err as Error).message}\n${tails}\n`);
    await stop();
    throw err;
  }
}
