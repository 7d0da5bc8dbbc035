// A real nats-server with JetStream for the broker tests: built once per machine by
// scripts/build-nats-server.sh (cached by version), started per test file on free ports with its own store
// folder, restartable on demand (same ports, same store: the restart test), and always torn down — by
// stop(), or by the process-exit hooks of test/cluster/harness/processes.ts if the run dies.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { logTail, onAbnormalExit, startComponent, stopComponents, type Component } from '../../cluster/harness/processes.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const BUILD_SCRIPT = join(REPO_ROOT, 'scripts/build-nats-server.sh');

/** The binary could not be built because Go is missing (build script exit 3): skippable, except in CI. */
export class NatsServerUnavailable extends Error {
  override readonly name = 'NatsServerUnavailable';
}

/** Builds (or finds in the cache) nats-server and returns its path. */
export async function ensureNatsServerBinary(): Promise<string> {
  const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('exit', (c) => res(c));
  });
  if (code === 3)
    throw new NatsServerUnavailable(
      'nats-server cannot be built: the Go toolchain is missing or too old (see the build-nats-server message above)',
    );
  if (code !== 0) throw new Error(`scripts/build-nats-server.sh failed with exit code ${String(code)} (its output is above)`);
  const path = stdout.trim().split('\n').pop();
  if (!path) throw new Error('scripts/build-nats-server.sh printed no path');
  return path;
}

/**
 * The skip rule of the server-backed tiers: returns the binary, or a reason to skip — unless
 * INTERLACE_REQUIRE_ALL_TIERS=1 (CI), where a missing prerequisite is an error.
 */
export async function natsServerOrSkipReason(): Promise<{ binary: string } | { skip: string }> {
  try {
    return { binary: await ensureNatsServerBinary() };
  } catch (error) {
    if (error instanceof NatsServerUnavailable && process.env.INTERLACE_REQUIRE_ALL_TIERS !== '1') {
      return { skip: `${error.message}; set INTERLACE_REQUIRE_ALL_TIERS=1 to make this a failure` };
    }
    throw error;
  }
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface NatsServer {
  readonly url: string;
  readonly storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL) and starts it again on the same port and store. */
  restart(options?: { downMs?: number; kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** `extraArgs`: more nats-server flags, e.g. `['--user', 'u', '--pass', 'p']` or `['--auth', '<token>']`. */
export async function startNatsServer(binary: string, extraArgs: readonly string[] = []): Promise<NatsServer> {
  const root = mkdtempSync(join(tmpdir(), 'interlace-nats-'));
  const storeDir = join(root, 'store');
  mkdirSync(storeDir);
  const port = await freePort();
  const monitorPort = await freePort();
  const logFile = join(root, 'nats-server.log');
  const args = [
    '-js',
    '-sd',
    storeDir,
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-m',
    String(monitorPort),
    '--server_name',
    'interlace-test',
    ...extraArgs,
  ];
  let component: Component | undefined;
  let removed = false;
  const removeRoot = (): void => {
    if (removed) return;
    removed = true;
    rmSync(root, { recursive: true, force: true });
  };
  const unhook = onAbnormalExit(removeRoot);

  async function start(): Promise<void> {
    component = startComponent('nats-server', binary, args, logFile);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (component.exitStatus !== undefined) {
        throw new Error(`nats-server exited (${component.exitStatus}) while starting:\n${logTail(component)}`);
      }
      try {
        // healthz answers 200 only once JetStream is up (and has recovered its store after a restart).
        const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`);
        if (res.ok) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`nats-server did not become healthy in 30 s:\n${logTail(component)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function halt(kill: boolean): Promise<void> {
    if (!component) return;
    await stopComponents([component], kill ? 0 : 5_000);
    component = undefined;
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    async restart(options = {}) {
      await halt(options.kill ?? false);
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      await start();
    },
    async stop() {
      await halt(false);
      unhook();
      removeRoot();
    },
  };
}
