// Saturates the machine's cores for the duration of a test suite: one busy-loop child process per core,
// so races that only show on a loaded machine (ack deadlines passing while a delivery is still running,
// timers firing late, heartbeats lost) show on every run, in CI too, not only when a neighbour happens to
// be busy. The children are plain `node -e` loops at normal priority; each one exits by itself as soon
// as its parent is gone (it checks its parent pid between bursts), so a killed test run leaves none behind.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** A busy loop that spins in ~50 ms bursts and ends when the process that started it is gone. */
const BUSY_LOOP = `
const parent = process.ppid;
for (;;) {
  const until = Date.now() + 50;
  while (Date.now() < until) {}
  if (process.ppid !== parent) process.exit(0);
}`;

/** Running hog children; `stop()` ends them and waits until they are gone. */
export interface CpuHog {
  /** How many busy-loop children run (one per core unless told otherwise). */
  readonly processes: number;
  stop(): Promise<void>;
}

/**
 * Starts one busy-loop child per core (`os.availableParallelism()`, or `count`). Use it around the
 * fault suites: `beforeAll(() => { hog = saturateCpu(); })`, `afterAll(() => hog.stop())`.
 */
export function saturateCpu(count = availableParallelism()): CpuHog {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    children.push(spawn(process.execPath, ['-e', BUSY_LOOP], { stdio: 'ignore' }));
  }
  const killAll = (): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  return {
    processes: count,
    async stop() {
      process.off('exit', killAll);
      const exited = children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) resolve();
            else child.once('exit', () => resolve());
          }),
      );
      killAll();
      await Promise.all(exited);
    },
  };
}
