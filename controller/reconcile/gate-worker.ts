/**
 * The gate (validate → check → generate → plan) in its own process, so the controller's long-lived
 * process never loads the TypeScript compiler the generator type-checks with, and the memory one
 * generation takes is returned to the system when the worker exits after being idle. The worker keeps
 * one incremental Generator per Estate while it lives, so a one-spec commit recompiles one mapping.
 *
 * Parent side: {@link GateWorker}. Child side: this file run with `fork` (see `isGateWorkerProcess`).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DesiredStateInput, GateResult } from './desired-state.ts';

type GateRequest = { id: number; estateKey: string; input: Omit<DesiredStateInput, 'generator' | 'support'> };
type GateResponse = { id: number; result?: GateResult; error?: string };

export interface GateWorkerOptions {
  /** Stop the worker after this long without work, returning its memory (default 10 min). */
  idleMs?: number;
  /** V8 heap limit of the worker in MiB (default 384): the generator's garbage is collected sooner. */
  maxOldSpaceMiB?: number;
  /** Observes the worker's peak RSS (bytes) reported with each answer. */
  onPeakRss?: (bytes: number) => void;
  /**
   * Longest one gate may run (default 2 min). Gates run one at a time for every Estate, so a revision
   * built to be slow (a huge estate, a pathological schema) must not hold the others up: its gate fails
   * with a timeout, the worker is replaced, and the gates queued behind it run on the new one. Each
   * timeout doubles what that Estate's next gate may take, up to 8× this: a big estate on a busy node
   * (a cold gate of 500 specs took over 2 min at load 15) would otherwise time out on every retry,
   * starting from scratch each time, and never be applied.
   */
  gateTimeoutMs?: number;
}

/** How far one Estate's gate time may grow after timeouts: 8× the base (16 min by default). */
const MAX_TIMEOUT_GROWTH = 8;

/** A gate that ran past its time; the reconciler reports it as the revision's Stalled reason. */
export class GateTimeoutError extends Error {
  constructor(ms: number, nextMs: number) {
    super(
      `the gate (validate, check, generate, plan) ran longer than ${Math.round(ms / 1000)} s and was stopped; the next try may take ${Math.round(nextMs / 1000)} s`,
    );
    this.name = 'GateTimeoutError';
  }
}

type Queued = { request: GateRequest; timeoutMs: number; resolve: (r: GateResult) => void; reject: (e: Error) => void };

export class GateWorker {
  private child: ChildProcess | undefined;
  private nextId = 1;
  /** Gates waiting for their turn; the worker is sent one at a time so each one's time can be bounded. */
  private readonly queue: Queued[] = [];
  private running: (Queued & { timer: ReturnType<typeof setTimeout> }) | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly o: Required<Omit<GateWorkerOptions, 'onPeakRss'>> & Pick<GateWorkerOptions, 'onPeakRss'>;
  /** Per Estate, the time its next gate may take once one timed out (see gateTimeoutMs). */
  private readonly allowance = new Map<string, number>();

  constructor(options: GateWorkerOptions = {}) {
    this.o = { idleMs: 10 * 60_000, maxOldSpaceMiB: 384, gateTimeoutMs: 120_000, ...options };
  }

  /** Runs one gate after those queued before it; `timeoutMs` overrides the worker's gate timeout for this one. */
  gate(
    estateKey: string,
    input: Omit<DesiredStateInput, 'generator' | 'support'>,
    options: { timeoutMs?: number } = {},
  ): Promise<GateResult> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.timeoutFor(estateKey);
    return new Promise<GateResult>((resolve, reject) => {
      this.queue.push({ request: { id, estateKey, input }, timeoutMs, resolve, reject });
      this.dispatch();
    });
  }

  /** What the next gate of an Estate may take: the base, or more after its gates timed out. */
  timeoutFor(estateKey: string): number {
    return this.allowance.get(estateKey) ?? this.o.gateTimeoutMs;
  }

  /** Sends the next queued gate when none runs; arms its deadline. */
  private dispatch(): void {
    if (this.running) return;
    const next = this.queue.shift();
    if (!next) {
      this.armIdle();
      return;
    }
    const child = this.ensureChild();
    const timer = setTimeout(() => this.timeOut(), next.timeoutMs);
    timer.unref();
    this.running = { ...next, timer };
    child.send(next.request);
  }

  /** The running gate is over time: fail it, replace the worker (it may be stuck in a loop), go on. */
  private timeOut(): void {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    const estateKey = running.request.estateKey;
    const next = Math.min(Math.max(running.timeoutMs, this.timeoutFor(estateKey)) * 2, this.o.gateTimeoutMs * MAX_TIMEOUT_GROWTH);
    this.allowance.set(estateKey, next);
    running.reject(new GateTimeoutError(running.timeoutMs, next));
    const child = this.child;
    this.child = undefined;
    child?.kill('SIGKILL');
    this.dispatch();
  }

  /** Stops the worker (pending gates fail; the next gate starts a new one). */
  async stop(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const queued of this.queue.splice(0)) queued.reject(new Error('gate worker stopped'));
    const running = this.running;
    this.running = undefined;
    if (running) {
      clearTimeout(running.timer);
      running.reject(new Error('gate worker stopped'));
    }
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  /** The worker's process id, while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private ensureChild(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.connected) return this.child;
    const child = fork(fileURLToPath(import.meta.url), ['--interlace-gate-worker'], {
      execArgv: [
        ...process.execArgv.filter((a) => !a.startsWith('--max-old-space-size')),
        `--max-old-space-size=${this.o.maxOldSpaceMiB}`,
        '--max-semi-space-size=2',
      ],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (message: GateResponse & { peakRss?: number }) => {
      const running = this.running;
      if (!running || running.request.id !== message.id) return;
      this.running = undefined;
      clearTimeout(running.timer);
      if (message.peakRss) this.o.onPeakRss?.(message.peakRss);
      if (message.result) running.resolve(message.result);
      else running.reject(new Error(`gate worker: ${message.error ?? 'no result'}`));
      this.dispatch();
    });
    child.once('exit', (code, signal) => {
      if (this.child !== child) return; // replaced after a timeout; that gate was already failed
      this.child = undefined;
      const running = this.running;
      this.running = undefined;
      if (running) {
        clearTimeout(running.timer);
        running.reject(new Error(`gate worker exited (${signal ?? code}) during a gate`));
      }
      this.dispatch();
    });
    this.child = child;
    return child;
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.stop(), this.o.idleMs);
    this.idleTimer.unref();
  }
}

/** The child's loop: one gate at a time, in arrival order. */
async function serve(): Promise<void> {
  const { gate } = await import('./desired-state.ts');
  const { Generator } = await import('../../generators/generate.ts');
  const { readSupportSources } = await import('../../generators/bundles/support-sources.ts');
  const support = readSupportSources();
  const generators = new Map<string, InstanceType<typeof Generator>>();
  let chain = Promise.resolve();
  process.on('message', (request: GateRequest) => {
    chain = chain.then(async () => {
      let generator = generators.get(request.estateKey);
      if (!generator) {
        generator = new Generator();
        generators.set(request.estateKey, generator);
      }
      try {
        const result = await gate({ ...request.input, support, generator });
        process.send!({ id: request.id, result, peakRss: peakRss() } satisfies GateResponse & { peakRss?: number });
      } catch (error) {
        process.send!({ id: request.id, error: (error as Error).stack ?? String(error) } satisfies GateResponse);
      }
    });
  });
  process.on('disconnect', () => process.exit(0));
}

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

if (process.argv.includes('--interlace-gate-worker') && process.send) await serve();
