// A real Temporal development server (tools/temporal-dev-server: go.temporal.io/server with SQLite) for the
// workflow tests and the workflow bench: built once per machine by scripts/build-temporal.sh (cached by
// version), started on a free loopback port with its own SQLite file, and always torn down — by stop(), or
// by the process-exit hooks of test/cluster/harness/processes.ts if the run dies. kill() and restart() let a
// test take the server away mid-workflow: the file keeps every execution, so a restart resumes them.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Component, logTail, onAbnormalExit, startComponent, stopComponents } from '../../cluster/harness/processes.ts';

const BUILD_SCRIPT = join(resolve(import.meta.dirname, '../../..'), 'scripts/build-temporal.sh');
const READY = 'temporal-dev-server: ready';

/** The binary could not be built because Go is missing (build script exit 3): skippable, except in CI. */
class TemporalUnavailable extends Error {
  override readonly name = 'TemporalUnavailable';
}

/** Builds (or finds in the cache) the dev server and returns its path; `{ print: true }` builds nothing. */
export async function ensureTemporalBinary(options: { print?: boolean } = {}): Promise<string> {
  const child = spawn('bash', [BUILD_SCRIPT, ...(options.print ? ['--print'] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('exit', (c) => res(c));
  });
  if (code === 3)
    throw new TemporalUnavailable(
      'the Temporal dev server cannot be built: the Go toolchain is missing or too old (see the build-temporal message above)',
    );
  if (code !== 0) throw new Error(`scripts/build-temporal.sh failed with exit code ${String(code)} (its output is above)`);
  const path = stdout.trim().split('\n').pop();
  if (!path) throw new Error('scripts/build-temporal.sh printed no path');
  return path;
}

/** The skip rule of the server-backed tiers: the binary, or a reason to skip — unless INTERLACE_REQUIRE_ALL_TIERS=1 (CI). */
export async function temporalOrSkipReason(): Promise<{ binary: string } | { skip: string }> {
  try {
    return { binary: await ensureTemporalBinary() };
  } catch (error) {
    if (error instanceof TemporalUnavailable && process.env.INTERLACE_REQUIRE_ALL_TIERS !== '1')
      return { skip: `${error.message}; set INTERLACE_REQUIRE_ALL_TIERS=1 to make this a failure` };
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

export interface TemporalServer {
  /** `<ip>:<port>`: the frontend's gRPC address (the same across restarts). */
  readonly address: string;
  readonly namespace: string;
  /** SIGTERM, then waits for the process to exit. The SQLite file stays for restart(). */
  stop(): Promise<void>;
  /** SIGKILL: nothing is flushed, as when a node dies. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and file (after stop() or kill()). */
  restart(): Promise<void>;
  /** Stops the server and removes its files. */
  close(): Promise<void>;
}

/**
 * Starts the dev server on a free port with a fresh SQLite file in a temporary folder; on loopback, or on
 * `options.ip` (a real node's address, where its pods reach the host).
 */
export async function startTemporalServer(binary: string, options: { ip?: string } = {}): Promise<TemporalServer> {
  const ip = options.ip ?? '127.0.0.1';
  const root = mkdtempSync(join(tmpdir(), 'interlace-temporal-'));
  let port = await freePort();
  const logFile = join(root, 'temporal.log');
  // WAL with synchronous=normal: a killed server loses nothing committed, and starts run ~5x faster than
  // with the rollback journal's two syncs per transaction.
  const argsFor = (p: number) => [
    ...['--ip', ip, '--port', String(p), '--db-filename', join(root, 'temporal.db'), '--log-level', 'warn'],
    ...['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'],
  ];
  let args = argsFor(port);
  let removed = false;
  const removeRoot = (): void => {
    if (removed) return;
    removed = true;
    rmSync(root, { recursive: true, force: true });
  };
  const unhook = onAbnormalExit(removeRoot);
  let component: Component | undefined;
  let starts = 0;

  const launch = async (): Promise<void> => {
    starts += 1;
    const readyLine = `${READY} ${ip}:${port}`;
    const before = starts === 1 ? 0 : readFileSync(logFile, 'utf8').split(readyLine).length - 1;
    const started = startComponent('temporal', binary, args, logFile);
    component = started;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (started.exitStatus !== undefined)
        throw new Error(`the Temporal dev server exited (${started.exitStatus}) while starting:\n${logTail(started)}`);
      const readies = readFileSync(logFile, 'utf8').split(readyLine).length - 1;
      if (readies > before) return;
      if (Date.now() > deadline) {
        await stopComponents([started], 0);
        throw new Error(`the Temporal dev server was not ready in 60 s:\n${logTail(started)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  try {
    // The free port is closed before the server binds it, so another process starting at the same time (a
    // control plane, another test's server) can take it first: start again on another port, a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await launch();
        break;
      } catch (error) {
        if (attempt >= 4 || !/address already in use/.test((error as Error).message)) throw error;
        port = await freePort();
        args = argsFor(port);
        starts = 0;
      }
    }
  } catch (error) {
    unhook();
    removeRoot();
    throw error;
  }
  return {
    address: `${ip}:${port}`,
    namespace: 'default',
    async stop() {
      if (component) await stopComponents([component], 10_000);
    },
    async kill() {
      if (component) await stopComponents([component], 0);
    },
    async restart() {
      if (component?.exitStatus === undefined) throw new Error('restart() needs the server stopped or killed first');
      await launch();
    },
    async close() {
      if (component) await stopComponents([component], 5_000);
      unhook();
      removeRoot();
    },
  };
}
