// Finds the test control plane's binaries: builds them with scripts/build-control-plane.sh (once per
// machine, cached by version) or takes kube-apiserver and etcd from KUBEBUILDER_ASSETS (the envtest
// convention).
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const BUILD_SCRIPT = join(REPO_ROOT, 'scripts/build-control-plane.sh');

/** How each component is launched: a command and the arguments that go before the component's own flags. */
export interface Launcher {
  readonly command: string;
  readonly prefix: readonly string[];
}

export interface Binaries {
  /** 'built': our interlace-control-plane (apiserver with embedded etcd 3.6); 'kubebuilder-assets': separate binaries. */
  readonly kind: 'built' | 'kubebuilder-assets';
  readonly dir: string;
  readonly apiserver: Launcher;
  /** Only for 'kubebuilder-assets': etcd runs as its own process. */
  readonly etcd: Launcher | undefined;
  readonly controllerManager: Launcher | undefined;
  readonly scheduler: Launcher | undefined;
  readonly kwok: Launcher | undefined;
  /** kwok's Stage configuration (its "fast" node and pod stages), made by the build script from kwok's module. */
  readonly kwokStages: string | undefined;
}

/** The Go toolchain is missing or too old (build script exit code 3): skippable on a user's machine, never in CI. */
export class GoToolchainMissing extends Error {
  override readonly name = 'GoToolchainMissing';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function launcher(path: string, ...prefix: string[]): Launcher | undefined {
  return executable(path) ? { command: path, prefix } : undefined;
}

function stagesFile(dir: string): string | undefined {
  const path = join(dir, 'kwok-stages.yaml');
  return existsSync(path) ? path : undefined;
}

/** Runs the build script (which prints its progress to our stderr) and returns the bin folder it names. */
async function runBuildScript(): Promise<string> {
  const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('exit', (c) => res(c));
  });
  if (code === 3) {
    throw new GoToolchainMissing(
      `the Go toolchain needed to build the test control plane is missing or too old (see the build-control-plane message above)`,
    );
  }
  if (code !== 0) {
    throw new Error(`scripts/build-control-plane.sh failed with exit code ${String(code)} (its output is above)`);
  }
  const dir = stdout.trim().split('\n').pop();
  if (!dir) throw new Error('scripts/build-control-plane.sh printed no bin folder');
  return dir;
}

export async function ensureBinaries(): Promise<Binaries> {
  const dir = await runBuildScript();
  const icp = join(dir, 'interlace-control-plane');
  if (executable(icp)) {
    return {
      kind: 'built',
      dir,
      apiserver: { command: icp, prefix: ['apiserver'] },
      etcd: undefined,
      controllerManager: { command: icp, prefix: ['controller-manager'] },
      scheduler: { command: icp, prefix: ['scheduler'] },
      // kwok is not our Go main, so run it under `supervise`, which kills it when this Node process dies.
      kwok: executable(join(dir, 'kwok')) ? { command: icp, prefix: ['supervise', '--', join(dir, 'kwok')] } : undefined,
      kwokStages: stagesFile(dir),
    };
  }
  // KUBEBUILDER_ASSETS: plain upstream binaries.
  const apiserver = launcher(join(dir, 'kube-apiserver'));
  const etcd = launcher(join(dir, 'etcd'));
  if (!apiserver || !etcd) throw new Error(`${dir} holds neither interlace-control-plane nor kube-apiserver + etcd`);
  return {
    kind: 'kubebuilder-assets',
    dir,
    apiserver,
    etcd,
    controllerManager: launcher(join(dir, 'kube-controller-manager')),
    scheduler: launcher(join(dir, 'kube-scheduler')),
    kwok: launcher(join(dir, 'kwok')),
    kwokStages: stagesFile(dir),
  };
}
