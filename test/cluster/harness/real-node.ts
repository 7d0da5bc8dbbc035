// A real node for the cluster tier: the kubelet built from the control plane's Kubernetes release, on
// Debian's containerd and runc, with a real pod network (CNI bridge + host-local: every pod gets its own
// network namespace and address on a bridge; the kubelet probes it there). Pods run the project's own
// image, imported from the OCI archive that scripts/build-image.sh builds. kwok keeps its fake node for the
// scale tests and does not touch this one (it manages only nodes annotated kwok.x-k8s.io/node=fake).
//
// kube-proxy (nftables mode, test/cluster/harness/kube-proxy.ts) makes Services' ClusterIPs reach the pods.
//
// Started by the test that needs it (test/cluster/real-pods.test.ts), not by the global setup: it needs
// root, takes host paths that only one such node per machine may hold (/var/log/containers links, the
// kubelet's device-plugins folder, the interlace0 bridge), and costs ~10 s to start plus the image import.
//
// Settings this kind of machine needs (no systemd, hybrid cgroups v1, no CAP_SYS_RESOURCE): see
// docs/testing.md's "Real pods" section; each is commented where it is set.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startKubeProxy, type KubeProxy } from './kube-proxy.ts';
import { logTail, startComponent, stopComponents, type Component } from './processes.ts';

const run = promisify(execFile);

/** The folder scripts/build-real-node.sh prints: bin/kubelet, bin/kube-proxy and pause.oci.tar. */
export interface RealNodeBinaries {
  dir: string;
}

export interface RealNode {
  readonly name: string;
  readonly ip: string;
  readonly podCidr: string;
  readonly logDir: string;
  /** Seconds from the node's Ready to kube-proxy's first sync of the Services' rules. */
  readonly kubeProxyReadySeconds: number;
  /** Whether kube-proxy's nftables table is in the kernel (false again after `stop()`). */
  hasServiceRules(): Promise<boolean>;
  /** `ctr images import`s an OCI archive into the node's image store; returns the seconds it took. */
  importImage(archive: string): Promise<number>;
  /**
   * SIGKILLs a container's processes, as the kernel's OOM killer or a crash would (no SIGTERM, no
   * grace): `containerID` as the pod status gives it (`containerd://<id>`). The kubelet restarts it.
   */
  killContainer(containerID: string): Promise<void>;
  stop(): Promise<void>;
}

/** What the node needs from the machine; a missing piece is named with the way to get it. */
export function missingRealNodePrerequisites(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (the kubelet and containerd need it)');
  for (const [path, pkg] of [
    ['/usr/bin/containerd', 'containerd'],
    ['/usr/bin/ctr', 'containerd'],
    ['/usr/sbin/runc', 'runc'],
    ['/usr/lib/cni/bridge', 'containernetworking-plugins'],
    ['/usr/lib/cni/host-local', 'containernetworking-plugins'],
    ['/usr/lib/cni/loopback', 'containernetworking-plugins'],
    ['/usr/sbin/nft', 'nftables'],
  ] as const) {
    if (!existsSync(path)) missing.push(`${path} (apt-get install ${pkg})`);
  }
  return [...new Set(missing)];
}

/** The machine's first non-loopback IPv4 address: the kubelet refuses a loopback node IP. */
function hostIp(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('no non-loopback IPv4 address on this machine (the kubelet needs one as its node IP)');
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, components: Component[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = components.find((c) => c.exitStatus !== undefined);
    if (dead) throw new Error(`${what}: ${dead.name} exited ${dead.exitStatus}\n${logTail(dead)}`);
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s\n${components.map((c) => `--- ${c.name}\n${logTail(c, 20)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Pids of processes whose command line mentions `needle` (our own containerd's shims, found by its socket path). */
function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** Unmounts whatever is still mounted under `dir` (container root filesystems, pod volumes), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m]).catch(() => {});
}

/** The machine-wide lock: one real node at a time (fixed host paths, the bridge's name). */
const NODE_LOCK = '/run/interlace-real-node.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Takes the machine-wide lock (a folder holding the owner's pid; a dead owner's lock is taken over). */
async function lockMachine(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(NODE_LOCK);
      writeFileSync(join(NODE_LOCK, 'pid'), String(process.pid));
      return () => rmSync(NODE_LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(join(NODE_LOCK, 'pid'), 'utf8'));
    } catch {
      /* being written or removed */
    }
    if (owner > 0 && !alive(owner)) rmSync(NODE_LOCK, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`another real node (pid ${owner}) holds ${NODE_LOCK} for over ${timeoutMs / 1000} s`);
    else await new Promise((r) => setTimeout(r, 1_000));
  }
}

/**
 * Starts containerd and a kubelet that registers node `name` with the API server of `kubeconfigPath`.
 * Resolves once the node is Ready; `stop()` removes what it started (processes, mounts, the bridge).
 */
export async function startRealNode(options: {
  bins: RealNodeBinaries;
  kubeconfigPath: string;
  workDir: string;
  name?: string;
  /** Called with the node object's JSON until it returns true (e.g. Ready). */
  nodeReady: () => Promise<boolean>;
}): Promise<RealNode> {
  const unlock = await lockMachine(10 * 60_000);
  const name = options.name ?? 'real-node-0';
  const dir = options.workDir;
  const logDir = join(dir, 'logs');
  const ip = hostIp();
  // A pod network of our own, unlikely to collide with the machine's; the bridge is ours to delete.
  const podCidr = '10.88.0.0/16';
  const bridge = 'interlace0';
  for (const d of ['containerd/root', 'containerd/state', 'cni/conf', 'cni/ipam', 'kubelet/root', 'kubelet/certs', 'pod-logs', 'logs']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  const socket = join(dir, 'containerd/containerd.sock');
  writeFileSync(
    join(dir, 'containerd/config.toml'),
    `version = 2
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  # Local, built by scripts/build-real-node.sh: no registry is reachable here.
  sandbox_image = "interlace.local/pause:1"
  # Without it every sandbox fails with "can't get final child's PID from pipe: EOF" (no CAP_SYS_RESOURCE).
  restrict_oom_score_adj = true
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # No systemd here: cgroupfs, as the kubelet's cgroupDriver.
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni/conf"
`,
  );
  writeFileSync(
    join(dir, 'cni/conf/10-interlace.conflist'),
    JSON.stringify({
      cniVersion: '0.4.0',
      name: 'interlace-pods',
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          // No masquerading: pods talk to the host (probes, loopback-bound test servers via the gateway)
          // and to each other; nothing needs to leave the machine, and iptables stays untouched.
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: podCidr }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: `${dir}/cni/ipam` },
        },
        { type: 'loopback' },
      ],
    }),
  );
  const kubeletPort = 10250 + Math.floor(Math.random() * 1000);
  writeFileSync(
    join(dir, 'kubelet/config.yaml'),
    JSON.stringify({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      address: ip,
      port: kubeletPort,
      readOnlyPort: 0,
      healthzPort: 0,
      authentication: { anonymous: { enabled: false }, webhook: { enabled: false } },
      authorization: { mode: 'AlwaysAllow' },
      containerRuntimeEndpoint: `unix://${socket}`,
      // This machine: no systemd, hybrid cgroups (v1 controllers), no swap accounting wanted.
      cgroupDriver: 'cgroupfs',
      failCgroupV1: false,
      cgroupsPerQOS: false,
      enforceNodeAllocatable: [],
      failSwapOn: false,
      makeIPTablesUtilChains: false,
      podLogsDir: join(dir, 'pod-logs'),
      // A test node: evict only when really out of room (the shared disk is far from empty but busy).
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      podCIDR: podCidr,
      resolvConf: '/etc/resolv.conf',
      serializeImagePulls: false,
      registerNode: true,
      nodeStatusReportFrequency: '10s',
      syncFrequency: '10s',
      fileCheckFrequency: '10s',
    }),
  );

  const components: Component[] = [];
  let kubeProxyReadySeconds = 0;
  const containerd = startComponent(
    'containerd',
    '/usr/bin/containerd',
    ['--config', join(dir, 'containerd/config.toml')],
    join(logDir, 'containerd.log'),
  );
  components.push(containerd);
  const ctr = (args: string[]) => run('/usr/bin/ctr', ['--address', socket, '--namespace', 'k8s.io', ...args], { maxBuffer: 16 << 20 });

  let kubeProxy: KubeProxy | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // kube-proxy first, and its rules with it (they would outlive the process and catch the next run's ClusterIPs).
    if (kubeProxy) {
      await stopComponents([kubeProxy.component], 10_000);
      await kubeProxy.cleanup().catch((err) => console.warn(`[real-node] ${(err as Error).message}`));
    }
    const kubelet = components.find((c) => c.name === 'kubelet');
    if (kubelet) await stopComponents([kubelet], 10_000);
    // Containers the kubelet left: kill their tasks so the shims exit, then containerd.
    try {
      const { stdout } = await ctr(['tasks', 'ls', '-q']);
      for (const id of stdout.split('\n').filter(Boolean)) await ctr(['tasks', 'kill', '-s', 'SIGKILL', id]).catch(() => {});
    } catch {
      /* containerd already gone */
    }
    await stopComponents([containerd], 10_000);
    for (const pid of pidsMentioning(socket)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await unmountUnder(dir);
    await run('ip', ['link', 'delete', bridge]).catch(() => {});
    // Network namespaces of our sandboxes that containerd could not remove after a kill.
    for (const ns of existsSync('/var/run/netns') ? readdirSync('/var/run/netns') : []) {
      if (ns.startsWith('cni-')) await run('ip', ['netns', 'delete', ns]).catch(() => {});
    }
    unlock();
    // (The kubelet also creates /var/lib/kubelet/device-plugins and /var/log/containers: empty, left alone.)
  };

  try {
    await waitUntil('containerd socket', () => existsSync(socket), components, 30_000);
    await waitUntil('containerd answers', async () => (await ctr(['version'])).stdout.includes('Server'), components, 30_000);
    await ctr(['images', 'import', join(options.bins.dir, 'pause.oci.tar')]);

    const kubelet = startComponent(
      'kubelet',
      join(options.bins.dir, 'bin/kubelet'),
      [
        `--kubeconfig=${options.kubeconfigPath}`,
        `--config=${join(dir, 'kubelet/config.yaml')}`,
        `--root-dir=${join(dir, 'kubelet/root')}`,
        `--cert-dir=${join(dir, 'kubelet/certs')}`,
        `--hostname-override=${name}`,
        `--node-ip=${ip}`,
        '--node-labels=interlace.dev/real-node=true',
        '--v=1',
      ],
      join(logDir, 'kubelet.log'),
    );
    components.push(kubelet);
    await waitUntil(`node ${name} Ready (kubelet)`, options.nodeReady, components, 90_000);

    const proxyStarted = Date.now();
    kubeProxy = await startKubeProxy({
      bin: join(options.bins.dir, 'bin/kube-proxy'),
      kubeconfigPath: options.kubeconfigPath,
      nodeName: name,
      nodeIp: ip,
      podCidr,
      logDir,
    });
    components.push(kubeProxy.component);
    const proxy = kubeProxy;
    await waitUntil(
      'kube-proxy synced its rules (healthz 200, table ip kube-proxy)',
      async () => (await fetch(proxy.healthzUrl)).status === 200 && (await proxy.hasRules()),
      components,
      60_000,
    );
    kubeProxyReadySeconds = (Date.now() - proxyStarted) / 1000;
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    name,
    ip,
    podCidr,
    logDir,
    kubeProxyReadySeconds,
    hasServiceRules: () => kubeProxy!.hasRules(),
    async importImage(archive: string): Promise<number> {
      const started = Date.now();
      await ctr(['images', 'import', archive]);
      return (Date.now() - started) / 1000;
    },
    async killContainer(containerID: string): Promise<void> {
      await ctr(['tasks', 'kill', '--signal', 'SIGKILL', '--all', containerID.replace(/^containerd:\/\//, '')]);
    },
    stop,
  };
}
