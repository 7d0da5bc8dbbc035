// Child processes of the test control plane: each in its own process group (so teardown kills whatever it
// forked too), output captured to a log file, and killed for sure when the test run ends — by the normal
// teardown, on SIGINT/SIGTERM, or (synchronously, SIGKILL) when the Node process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface Component {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<string>;
  exitStatus: string | undefined;
}

const running = new Set<Component>();

export function startComponent(
  name: string,
  command: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = {},
): Component {
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      detached: true, // own process group: kill(-pid) reaches all of it
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...env, INTERLACE_PARENT_PID: String(process.pid) },
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      component.exitStatus = signal ?? String(code);
      running.delete(component);
      resolve(component.exitStatus);
    });
    child.once('error', (err) => {
      component.exitStatus = `spawn error: ${err.message}`;
      running.delete(component);
      resolve(component.exitStatus);
    });
  });
  const component: Component = { name, logFile, child, exited, exitStatus: undefined };
  running.add(component);
  return component;
}

function signalGroup(c: Component, signal: NodeJS.Signals): void {
  if (c.child.pid === undefined || c.exitStatus !== undefined) return;
  try {
    process.kill(-c.child.pid, signal);
  } catch {
    try {
      c.child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** SIGTERM the components (in the given order, all at once), SIGKILL whatever is left after graceMs. */
export async function stopComponents(components: readonly Component[], graceMs = 5_000): Promise<void> {
  const live = components.filter((c) => c.exitStatus === undefined);
  for (const c of live) signalGroup(c, 'SIGTERM');
  const timeout = new Promise<'timeout'>((r) => {
    const t = setTimeout(() => r('timeout'), graceMs);
    t.unref();
  });
  await Promise.race([Promise.all(live.map((c) => c.exited)), timeout]);
  for (const c of live) signalGroup(c, 'SIGKILL');
  await Promise.race([Promise.all(live.map((c) => c.exited)), new Promise((r) => setTimeout(r, 2_000).unref())]);
}

/** Last `lines` lines of a component's log. */
export function logTail(c: Pick<Component, 'logFile'>, lines = 40): string {
  try {
    const text = readFileSync(c.logFile, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

/** Synchronous last resort: SIGKILL every component still running. Safe to call more than once. */
export function killAllSync(): void {
  for (const c of running) signalGroup(c, 'SIGKILL');
}

let hooksInstalled = false;
const exitCallbacks = new Set<() => void>();

/** Run `cb` synchronously (after killing all components) if the process exits or is interrupted. */
export function onAbnormalExit(cb: () => void): () => void {
  exitCallbacks.add(cb);
  if (!hooksInstalled) {
    hooksInstalled = true;
    const runAll = (): void => {
      killAllSync();
      for (const fn of exitCallbacks) {
        try {
          fn();
        } catch {
          /* best effort */
        }
      }
      exitCallbacks.clear();
    };
    process.once('exit', runAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        runAll();
        // If nobody else (vitest) handles the signal, behave like the default handler would.
        if (process.listenerCount(sig) === 0) process.exit(sig === 'SIGINT' ? 130 : 143);
      });
    }
  }
  return () => {
    exitCallbacks.delete(cb);
  };
}
