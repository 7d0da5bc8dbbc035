// What the real-pod tests share: whether a real node can run here (and the rule that CI fails instead of
// skipping), the cached builds of the image and the node, and a real node started with the image imported.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './binaries.ts';
import { clusterUnavailable, kubeconfigPath, kubectl } from './context.ts';
import { missingRealNodePrerequisites, type RealNode, startRealNode } from './real-node.ts';

const run = promisify(execFile);

/**
 * Why real pods cannot run here, or undefined when they can. Under INTERLACE_REQUIRE_ALL_TIERS=1 (CI) a
 * missing piece throws instead: the tier fails rather than skips. `label` prefixes the messages.
 */
export function realPodsSkipReason(label: string): string | undefined {
  let reason: string | undefined;
  if (clusterUnavailable()) reason = 'the cluster tier is not available';
  else {
    const missing = missingRealNodePrerequisites();
    if (missing.length > 0) reason = `the real node needs ${missing.join(', ')}`;
  }
  if (reason && process.env.INTERLACE_REQUIRE_ALL_TIERS === '1')
    throw new Error(`[${label}] INTERLACE_REQUIRE_ALL_TIERS=1: the real-pod tests must run, but ${reason}`);
  if (reason) console.warn(`[${label}] skipped: ${reason}`);
  return reason;
}

/** Runs a build script of scripts/ (they cache) and returns the last line of its stdout (the path it prints). */
async function buildScript(script: string, label: string, args: string[] = []): Promise<string> {
  const started = Date.now();
  const { stdout } = await run('bash', [join(REPO_ROOT, 'scripts', script), ...args], { cwd: REPO_ROOT, maxBuffer: 16 << 20 });
  const path = stdout.trim().split('\n').pop() ?? '';
  console.log(`[${label}] ${[script, ...args].join(' ')}: ${path} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return path;
}

export interface NodeWithImage {
  node: RealNode;
  /** The image's reference (`ghcr.io/interlace-dev/interlace:<version>[-<flavour>]`), imported into the node. */
  image: string;
  /** Seconds: node start to Ready (kubelet and kube-proxy), kube-proxy's part of it, image import. */
  figures: Record<string, string>;
  /** Stops the node and removes its folder (kept with INTERLACE_KEEP_CLUSTER=1). */
  stop(): Promise<void>;
}

/**
 * Builds (or finds cached) the project image and the kubelet, starts a real node registered with the
 * test control plane and imports the image. Delete the pods (their namespace) before `stop()`, so the
 * kubelet tears their sandboxes down the normal way. `flavour` builds and imports another of the image's
 * flavours instead of the default one (`build-image.sh --flavour <flavour>`): `temporal` (with the Temporal
 * SDK, for Workflow units) or `worker` (only what `interlace worker` needs, what the plan names by default).
 */
export async function startNodeWithImage(
  label: string,
  options: { flavour?: 'default' | 'temporal' | 'worker' } = {},
): Promise<NodeWithImage> {
  const imageArchive = await buildScript('build-image.sh', label, options.flavour ? ['--flavour', options.flavour] : []);
  const nodeDir = await buildScript('build-real-node.sh', label);
  const image = JSON.parse((await run('tar', ['-xOf', imageArchive, 'index.json'])).stdout).manifests[0].annotations[
    'org.opencontainers.image.ref.name'
  ] as string;
  const workDir = mkdtempSync(join(tmpdir(), 'interlace-real-node-'));
  const figures: Record<string, string> = {};
  const started = Date.now();
  let node: RealNode;
  try {
    node = await startRealNode({
      bins: { dir: nodeDir },
      kubeconfigPath: kubeconfigPath(),
      workDir,
      nodeReady: async () => {
        const { stdout } = await kubectl(['get', 'node', 'real-node-0', '-o', 'json']);
        const conditions = (JSON.parse(stdout).status?.conditions ?? []) as { type: string; status: string }[];
        return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
      },
    });
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  figures.nodeReady = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  figures.kubeProxyReady = `${node.kubeProxyReadySeconds.toFixed(1)} s`;
  const stop = async () => {
    await node.stop();
    await kubectl(['delete', 'node', node.name, '--ignore-not-found']).catch(() => {});
    if (process.env.INTERLACE_KEEP_CLUSTER !== '1') rmSync(workDir, { recursive: true, force: true });
  };
  try {
    figures.imageImport = `${(await node.importImage(imageArchive)).toFixed(1)} s`;
  } catch (error) {
    await stop();
    throw error;
  }
  return { node, image, figures, stop };
}

/** Polls `probe` every 500 ms until it returns a value; on timeout the error carries `diagnose()`'s text. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  diagnose?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${diagnose ? `\n${await diagnose()}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
