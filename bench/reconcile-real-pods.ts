/**
 * The real-pod section of `npm run bench -- reconcile`: the time from a commit to a Ready pod on a real
 * node (kubelet + containerd + runc, the project's image) serving the new bundle, and to the rollout
 * being complete (Estate Ready).
 *
 * Why it runs the cluster tier's order-flow file instead of code of its own: that file already owns the
 * one setup that puts real worker pods behind an Estate (node, image import, NATS with a backbone Secret,
 * the simulated ERP, the controller's reconciler), and a second copy here would drift from it. The file
 * only records its samples (it asserts no times); this section runs it in its own process with its own
 * control plane, reads the samples it writes to INTERLACE_FIGURES_OUT and prints them as bench figures.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FILE = 'test/cluster/real-pods-order-flow.test.ts';

export interface RealPodFigures {
  /** Milliseconds from each commit to a Ready pod of the new bundle. */
  servedMs: number[];
  /** Milliseconds from each commit to the Estate Ready again (rollout complete). */
  settledMs: number[];
}

/** Runs the order-flow file (real node, ~3–5 minutes) and returns its commit→serving samples. */
export async function measureRealPodRollouts(log: (line: string) => void): Promise<RealPodFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-bench-real-pods-'));
  const out = join(dir, 'figures.json');
  try {
    const vitest = join(ROOT, 'node_modules', '.bin', 'vitest');
    const args = ['run', '--config', 'test/cluster/vitest.cluster.config.ts', FILE];
    log(`real pods: running ${FILE} (its own control plane and real node)`);
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(vitest, args, {
        cwd: ROOT,
        // The tier must run, not skip: a missing prerequisite is an error here as in CI.
        env: { ...process.env, INTERLACE_REQUIRE_ALL_TIERS: '1', INTERLACE_FIGURES_OUT: out },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      const keep = (d: Buffer) => {
        text = (text + d.toString()).slice(-20_000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`${FILE} failed (exit ${code}):\n${text.slice(-4_000)}`)),
      );
    });
    const figures = JSON.parse(readFileSync(out, 'utf8')) as Partial<RealPodFigures>;
    if (!figures.servedMs?.length || !figures.settledMs?.length)
      throw new Error(`${FILE} passed but wrote no rollout samples to ${out}:\n${output.slice(-2_000)}`);
    return { servedMs: figures.servedMs, settledMs: figures.settledMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
