// What cluster-tier tests use: the running control plane (from the global setup), a KubeConfig for
// @kubernetes/client-node, kubectl, and a fresh namespace per test.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, inject } from 'vitest';

export type ClusterInfo =
  | { readonly available: false; readonly skipReason: string }
  | {
      readonly available: true;
      readonly kubeconfigPath: string;
      readonly server: string;
      readonly version: string;
      /** kube-controller-manager, kube-scheduler and kwok run: Deployments roll out and pods become Ready. */
      readonly workloads: boolean;
      readonly nodeName: string;
      readonly logDir: string;
      readonly startupMs: number;
      /** The global setup's loopback endpoint for what only it can do (see {@link restartApiServer}). */
      readonly controlUrl: string;
    };

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterInfo;
  }
}

const NOT_SET_UP =
  'the cluster global setup did not run: run cluster tests with `npx vitest run --config test/cluster/vitest.cluster.config.ts`';

/** The running cluster, or why there is none. Under INTERLACE_REQUIRE_ALL_TIERS=1 a missing setup throws. */
export function cluster(): ClusterInfo {
  const info = inject('cluster') as ClusterInfo | undefined;
  if (info) return info;
  if (process.env.INTERLACE_REQUIRE_ALL_TIERS === '1') throw new Error(NOT_SET_UP);
  return { available: false, skipReason: NOT_SET_UP };
}

/** For `describe.skipIf(...)`: true (and the reason printed once) when the cluster tier is not available. */
let reasonPrinted = false;
export function clusterUnavailable(): boolean {
  const info = cluster();
  if (!info.available && !reasonPrinted) {
    reasonPrinted = true;
    console.warn(`[cluster] ${info.skipReason}`);
  }
  return !info.available;
}

function runningCluster(): Extract<ClusterInfo, { available: true }> {
  const info = cluster();
  if (!info.available) throw new Error(info.skipReason);
  return info;
}

export function kubeconfigPath(): string {
  return runningCluster().kubeconfigPath;
}

/** A KubeConfig loaded from the written kubeconfig file (exactly what a user's client would read). */
export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

const execFileAsync = promisify(execFile);

/** Runs kubectl against the test cluster (--kubeconfig is always passed). */
export async function kubectl(args: readonly string[], opts: { input?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  const full = ['--kubeconfig', kubeconfigPath(), ...args];
  if (opts.input === undefined) return execFileAsync('kubectl', full, { encoding: 'utf8' });
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', full, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
    child.stdin?.end(opts.input);
  });
}

/** A DNS-1123 namespace name from a hint (a test name) and a random suffix. */
export function namespaceName(hint: string): string {
  const base = hint
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return `t-${base || 'test'}-${randomBytes(3).toString('hex')}`;
}

/** Creates a fresh namespace; the returned `remove` deletes it (without waiting for finalization). */
export async function createNamespace(kc: KubeConfig, hint: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = namespaceName(hint);
  await core.createNamespace({
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'interlace.dev/test': 'true' } } },
  });
  return {
    name,
    remove: async () => {
      try {
        await core.deleteNamespace({ name, propagationPolicy: 'Background' });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
    },
  };
}

/**
 * Gives each test in the enclosing describe its own namespace, named after the test, deleted afterwards.
 * Call at describe level; read the current test's namespace with the returned function.
 */
export function useTestNamespace(): () => string {
  let current: { name: string; remove: () => Promise<void> } | undefined;
  beforeEach(async (ctx) => {
    current = await createNamespace(kubeConfig(), ctx.task.name);
  });
  afterEach(async () => {
    const ns = current;
    current = undefined;
    if (ns) await ns.remove();
  });
  return () => {
    if (!current) throw new Error('useTestNamespace(): no namespace outside a test');
    return current.name;
  };
}

/** Restarts kube-apiserver (same port, certificates and etcd data); resolves once it is ready again. */
export async function restartApiServer(): Promise<{ downMs: number }> {
  const response = await fetch(`${runningCluster().controlUrl}/restart-apiserver`, { method: 'POST' });
  if (!response.ok) throw new Error(`restarting the API server failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { downMs: number };
}
