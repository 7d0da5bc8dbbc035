// The real node's kube-proxy (scripts/build-real-node.sh builds it from the kubelet's Kubernetes release):
// it turns Services into nftables rules, so a Service's ClusterIP reaches its Ready pods from the host and
// from other pods. Started by real-node.ts once the node is Ready, stopped before the kubelet.
//
// nftables mode: its rules live in tables of their own (`ip kube-proxy`, `ip6 kube-proxy`), so they never
// mix with the machine's iptables, and removing them is one `kube-proxy --cleanup` (run before the start,
// for a run that crashed, and after the stop). It leaves the machine's conntrack sysctls as they are.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './control-plane.ts';
import { startComponent, type Component } from './processes.ts';

const run = promisify(execFile);

/** Pods on the same bridge reach a Service's pod only if bridged IPv4 goes through netfilter (conntrack undoes the DNAT). */
const BRIDGE_NF = '/proc/sys/net/bridge/bridge-nf-call-iptables';

export interface KubeProxy {
  readonly component: Component;
  /** http://127.0.0.1:<port>/healthz: 200 once the rules are synced. */
  readonly healthzUrl: string;
  /** Whether its nftables table is in the kernel now (`nft list table ip kube-proxy`). */
  hasRules(): Promise<boolean>;
  /** SIGTERM is not enough (kube-proxy leaves its rules on exit): the caller stops the component, then this. */
  cleanup(): Promise<void>;
}

export async function hasKubeProxyRules(): Promise<boolean> {
  return run('nft', ['list', 'table', 'ip', 'kube-proxy']).then(
    () => true,
    () => false,
  );
}

/** `kube-proxy --cleanup`: removes the rules of every mode it knows; then no `kube-proxy` table may be left. */
async function cleanupRules(bin: string, logFile: string): Promise<void> {
  const result = await run(bin, ['--cleanup', '--proxy-mode=nftables', '--v=1']).then(
    (r) => `${r.stdout}${r.stderr}`,
    // It reports an error when a mode it also cleans is missing here (IPVS); the check below is what counts.
    (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
  );
  writeFileSync(logFile, result, { flag: 'a' });
  if (await hasKubeProxyRules()) throw new Error(`kube-proxy --cleanup left the nftables table ip kube-proxy (see ${logFile})`);
}

export async function startKubeProxy(options: {
  bin: string;
  kubeconfigPath: string;
  nodeName: string;
  nodeIp: string;
  podCidr: string;
  logDir: string;
}): Promise<KubeProxy> {
  const cleanupLog = join(options.logDir, 'kube-proxy-cleanup.log');
  await cleanupRules(options.bin, cleanupLog);
  let restoreBridgeNf = (): void => {};
  if (readFileSync(BRIDGE_NF, 'utf8').trim() !== '1') {
    writeFileSync(BRIDGE_NF, '1');
    restoreBridgeNf = () => writeFileSync(BRIDGE_NF, '0');
  }
  const healthzPort = await freePort();
  const metricsPort = await freePort();
  const component = startComponent(
    'kube-proxy',
    options.bin,
    [
      `--kubeconfig=${options.kubeconfigPath}`,
      '--proxy-mode=nftables',
      `--hostname-override=${options.nodeName}`,
      // Not a listening address: kube-proxy's idea of the node's primary IP (the kubelet's --node-ip).
      `--bind-address=${options.nodeIp}`,
      `--cluster-cidr=${options.podCidr}`,
      `--healthz-bind-address=127.0.0.1:${healthzPort}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      // Leave the machine's conntrack table size and TCP timeouts as they are (0 = do not set).
      '--conntrack-max-per-core=0',
      '--conntrack-tcp-timeout-established=0',
      '--conntrack-tcp-timeout-close-wait=0',
      '--v=1',
    ],
    join(options.logDir, 'kube-proxy.log'),
  );
  return {
    component,
    healthzUrl: `http://127.0.0.1:${healthzPort}/healthz`,
    hasRules: hasKubeProxyRules,
    async cleanup() {
      try {
        await cleanupRules(options.bin, cleanupLog);
      } finally {
        restoreBridgeNf();
      }
    },
  };
}
