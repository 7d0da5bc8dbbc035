/**
 * The fuzzer: seeded, bounded mutation of the example estate (specs/), each case run through
 * validate → check → generate → test → plan --offline in a worker thread. Flags a stage that throws
 * (the CLI's exit 2 with a stack trace), an uncaught exception, a case over its CPU budget, a hang
 * (stopped at a wall-clock limit) and a case whose heap grows past the memory budget or runs out.
 * Each failure is minimized (whole files of the case, then YAML blocks dropped while the same failure
 * stays) and reported with its seed and an overlay for test/corpus/stage-crashes/.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { caseSeed, mutateEstate } from './mutate.ts';
import type { Estate, Mutation } from './mutate.ts';
import type { Stage } from './pipeline.ts';
import { STAGES } from './pipeline.ts';
import type { FileEdit, WorkerReply } from './protocol.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface FuzzOptions {
  seed: number;
  /** Stop after this many cases (default: no limit). */
  maxCases?: number;
  /** Stop starting cases after this many seconds of wall time (counted after the first warm-up). */
  seconds: number;
  /** CPU time one case may take, all stages together (default 5 s). */
  caseCpuMs?: number;
  /** Heap growth one case may cause over the warm baseline (default 500 MB). */
  caseHeapMb?: number;
  /** Wall time after which a case is stopped as a hang (default 6 × the CPU budget, for a loaded machine). */
  hangMs?: number;
  /** Cases per worker before it is replaced, so memory kept by loaded test bundles stays bounded. */
  casesPerWorker?: number;
  /** Attempts the minimizer may make per failure. */
  minimizeAttempts?: number;
  /** Where to write each failure's reproducer (an overlay folder per failure). */
  outDir?: string;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Also log every case: its mutations and how far it got. */
  verbose?: boolean;
  /** Test hook: the worker gets a stage that throws on a marker, to prove failures are caught. */
  plantCrash?: boolean;
  /** Run only this case of the seed (to replay a failure). */
  only?: number;
  /** Test hook: run exactly these mutations instead of drawn ones. */
  cases?: Mutation[];
}

export type FailureKind = 'crash' | 'uncaught' | 'hang' | 'slow' | 'memory';

export interface Failure {
  kind: FailureKind;
  stage?: Stage;
  message: string;
  stack?: string;
  caseIndex: number;
  caseSeed: number;
  steps: string[];
  cpuMs?: number;
  heapGrowthMb?: number;
  /** The smallest files found that still fail the same way (relative to specs/). */
  reproducer: Map<string, Buffer>;
  minimizeRuns: number;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  /** Cases that got through each stage without an error finding. */
  passed: Record<Stage, number>;
  /** Cases that reached each stage. */
  reached: Record<Stage, number>;
  failures: Failure[];
  slowestCpuMs: number;
  maxHeapGrowthMb: number;
  seconds: number;
}

/** The worker lost the case: it hung, ran out of heap, or died of an uncaught exception. */
interface LostCase {
  message: string;
  stack?: string;
}
type RunResult =
  | { kind: 'done'; reply: Extract<WorkerReply, { type: 'done' }> }
  | { kind: 'crash'; reply: Extract<WorkerReply, { type: 'crash' }> }
  | ({ kind: 'uncaught' } & LostCase)
  | ({ kind: 'hang' } & LostCase)
  | ({ kind: 'memory' } & LostCase);

/** The estate's files under specs/, by relative path. */
export function loadEstate(root = join(REPO, 'specs')): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(relative(root, full), readFileSync(full));
    }
  };
  walk(root);
  return files;
}

/** One worker thread with a warm pipeline; replaced after a hang, a crash of the thread, or N cases. */
class FuzzWorker {
  private worker?: Worker;
  private next = 0;
  private used = 0;
  baselineHeapMb = 0;
  /** The case under way, and the worker it was sent to: a stopped worker's late events are ignored. */
  private pending?: { worker: Worker; resolve: (result: RunResult) => void };

  private readonly options: { hangMs: number; casesPerWorker: number; heapLimitMb: number; plantCrash: boolean };

  constructor(options: { hangMs: number; casesPerWorker: number; heapLimitMb: number; plantCrash: boolean }) {
    this.options = options;
  }

  /** Starts the worker and warms it up on the unmutated estate, unless it is running. */
  async warm(): Promise<void> {
    if (!this.worker) await this.start();
  }

  async run(edits: FileEdit[]): Promise<RunResult> {
    if (!this.worker || this.used >= this.options.casesPerWorker) await this.start();
    this.used++;
    return this.send(edits, this.options.hangMs);
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private async start(): Promise<void> {
    await this.stop();
    const worker = new Worker(new URL('./worker.ts', import.meta.url), {
      workerData: { plantCrash: this.options.plantCrash },
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapLimitMb },
      stdout: true,
      stderr: true,
    });
    // Generated code may log; the fuzzer's output is its report.
    worker.stdout.resume();
    worker.stderr.resume();
    this.worker = worker;
    this.used = 0;
    await new Promise<void>((ready, fail) => {
      worker.once('message', () => ready());
      worker.once('error', fail);
    });
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type !== 'ready') this.settle(worker, { kind: reply.type, reply } as RunResult);
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (this.worker === worker) this.worker = undefined;
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.settle(worker, { kind: memory ? 'memory' : 'uncaught', message: `${error.name}: ${error.message}`, stack: error.stack });
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.settle(worker, { kind: 'uncaught', message: `the worker exited with code ${code}` });
    });
    // Warm up on the unmutated estate: it must pass every stage, and it sets the baseline heap.
    // The first run builds the whole TypeScript program of the generated code: give it longer.
    const warm = await this.send([], Math.max(this.options.hangMs * 4, 180_000));
    if (warm.kind !== 'done' || warm.reply.outcome.stages.some((s) => s.exit !== 0) || warm.reply.outcome.stages.length !== STAGES.length)
      throw new Error(`the unmutated estate does not pass every stage: ${JSON.stringify(warm).slice(0, 2000)}`);
    this.baselineHeapMb = warm.reply.heapMb;
  }

  private send(edits: FileEdit[], hangMs: number): Promise<RunResult> {
    const worker = this.worker!;
    const id = ++this.next;
    return new Promise<RunResult>((resolveRun) => {
      const timer = setTimeout(() => {
        this.settle(worker, { kind: 'hang', message: `no answer after ${hangMs} ms` });
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
      }, hangMs);
      this.pending = {
        worker,
        resolve: (result) => {
          clearTimeout(timer);
          resolveRun(result);
        },
      };
      worker.postMessage({ type: 'run', id, edits });
    });
  }

  private settle(from: Worker, result: RunResult): void {
    const pending = this.pending;
    if (!pending || pending.worker !== from) return;
    this.pending = undefined;
    pending.resolve(result);
  }
}

const toEdits = (files: ReadonlyMap<string, Buffer>): FileEdit[] =>
  [...files].map(([file, content]) => ({ file, content: content.toString('base64') }));

/** What makes two failures "the same" while minimizing: kind, stage and the message without numbers and quoted text. */
function signature(kind: FailureKind, stage: Stage | undefined, message: string): string {
  return `${kind}/${stage ?? ''}/${message
    .split('\n')[0]!
    .replace(/"[^"]*"|'[^']*'/g, '"…"')
    .replace(/\d+/g, 'N')}`;
}

/** Runs the fuzzer and returns what it found; never throws for a failing case. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const caseCpuMs = options.caseCpuMs ?? 5000;
  const caseHeapMb = options.caseHeapMb ?? 500;
  const hangMs = options.hangMs ?? caseCpuMs * 6;
  const worker = new FuzzWorker({
    hangMs,
    casesPerWorker: options.casesPerWorker ?? 40,
    // The warm pipeline (a TypeScript program of the generated code) holds a few hundred MB; the
    // budget is on top of that, with room to see growth past it before the heap is exhausted.
    heapLimitMb: 1024 + caseHeapMb,
    plantCrash: options.plantCrash ?? false,
  });
  const estate: Estate = loadEstate();
  const reached = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const passed = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const failures: Failure[] = [];
  const seen = new Set<string>();
  let slowestCpuMs = 0;
  let maxHeapGrowthMb = 0;
  let cases = 0;

  /** Classifies one run; undefined when the case is fine. */
  const judge = (
    result: RunResult,
  ): { kind: FailureKind; stage?: Stage; message: string; stack?: string; cpuMs?: number; heap?: number } | undefined => {
    if (!('reply' in result)) return { kind: result.kind, message: result.message, stack: result.stack };
    const growth = result.reply.heapMb - worker.baselineHeapMb;
    if (result.reply.type === 'crash')
      return {
        kind: 'crash',
        stage: result.reply.stage,
        message: result.reply.message,
        stack: result.reply.stack,
        cpuMs: result.reply.cpuMs,
        heap: growth,
      };
    if (result.reply.cpuMs > caseCpuMs)
      return {
        kind: 'slow',
        message: `took ${result.reply.cpuMs.toFixed(0)} ms of CPU (budget ${caseCpuMs} ms)`,
        cpuMs: result.reply.cpuMs,
      };
    if (growth > caseHeapMb)
      return { kind: 'memory', message: `heap grew by ${growth.toFixed(0)} MB (budget ${caseHeapMb} MB)`, heap: growth };
    return undefined;
  };

  try {
    // The first warm-up builds the TypeScript program of all generated code; the case budget starts after it.
    await worker.warm();
    const casesStarted = performance.now();
    for (let index = options.only ?? 0; ; index++) {
      if (options.only !== undefined && index > options.only) break;
      if (options.cases ? index >= options.cases.length : options.maxCases !== undefined && index >= options.maxCases) break;
      if ((performance.now() - casesStarted) / 1000 > options.seconds) break;
      const seedOfCase = caseSeed(options.seed, index);
      const mutation = options.cases?.[index] ?? mutateEstate(estate, seedOfCase);
      const result = await worker.run(toEdits(mutation.files));
      cases++;
      if (result.kind === 'done' || result.kind === 'crash') {
        slowestCpuMs = Math.max(slowestCpuMs, result.reply.cpuMs);
        maxHeapGrowthMb = Math.max(maxHeapGrowthMb, result.reply.heapMb - worker.baselineHeapMb);
      }
      if (result.kind === 'done') {
        for (const s of result.reply.outcome.stages) {
          reached[s.stage]++;
          if (s.exit === 0) passed[s.stage]++;
        }
      }
      if (result.kind === 'crash') {
        for (const stage of STAGES.slice(0, STAGES.indexOf(result.reply.stage) + 1)) reached[stage]++;
      }
      const verdict = judge(result);
      if (options.verbose) {
        const where = result.kind === 'done' ? result.reply.outcome.stages.map((s) => `${s.stage}=${s.exit}`).join(' ') : result.kind;
        log(
          `case ${index}: ${mutation.steps.join('; ').slice(0, 300)} → ${where}${'reply' in result ? ` (${result.reply.cpuMs.toFixed(0)} ms CPU)` : ''}`,
        );
      }
      if (!verdict) continue;
      const key = signature(verdict.kind, verdict.stage, verdict.message);
      log(`case ${index} (seed ${seedOfCase}): ${verdict.kind}${verdict.stage ? ` in ${verdict.stage}` : ''}: ${verdict.message}`);
      if (seen.has(key)) continue;
      seen.add(key);
      // A crash repeats in about a second, so it is minimized down to YAML blocks; a hang, a slow case or
      // a memory blow-up costs up to the hang limit and a new worker per try, so only whole files are dropped.
      const quick = verdict.kind === 'crash' || verdict.kind === 'uncaught';
      const minimized = await minimize(
        mutation.files,
        estate,
        quick ? (options.minimizeAttempts ?? 40) : mutation.files.size - 1,
        async (files) => {
          const again = judge(await worker.run(toEdits(files)));
          return again !== undefined && signature(again.kind, again.stage, again.message) === key;
        },
      );
      const failure: Failure = {
        kind: verdict.kind,
        stage: verdict.stage,
        message: verdict.message,
        stack: verdict.stack,
        caseIndex: index,
        caseSeed: seedOfCase,
        steps: mutation.steps,
        cpuMs: verdict.cpuMs,
        heapGrowthMb: verdict.heap,
        reproducer: minimized.files,
        minimizeRuns: minimized.runs,
      };
      failures.push(failure);
      log(describeFailure(failure, options.seed, estate));
      if (options.outDir) writeReproducer(options.outDir, failure);
    }
  } finally {
    await worker.stop();
  }
  return {
    seed: options.seed,
    cases,
    passed,
    reached,
    failures,
    slowestCpuMs,
    maxHeapGrowthMb,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Makes a failing case smaller while `stillFails`: first drops whole files of the case, then drops
 * YAML blocks (largest first) from each remaining file.
 */
async function minimize(
  files: ReadonlyMap<string, Buffer>,
  estate: Estate,
  attempts: number,
  stillFails: (files: Map<string, Buffer>) => Promise<boolean>,
): Promise<{ files: Map<string, Buffer>; runs: number }> {
  let current = new Map(files);
  let runs = 0;
  const attempt = async (candidate: Map<string, Buffer>) => {
    if (runs >= attempts) return false;
    runs++;
    return stillFails(candidate);
  };
  for (const file of [...current.keys()]) {
    if (current.size === 1) break;
    const without = new Map(current);
    without.delete(file);
    if (await attempt(without)) current = without;
  }
  for (const file of [...current.keys()]) {
    let lines = current.get(file)!.toString('latin1').split('\n');
    const original = estate.get(file)?.toString('latin1') ?? '';
    const tried = new Set<string>();
    // YAML blocks (a line and the lines indented under it), largest first: deleting half a file
    // rarely keeps a document valid, deleting an optional field with its children often does.
    for (let progress = true; progress && runs < attempts; ) {
      progress = false;
      for (const block of blocksOf(lines)) {
        if (runs >= attempts) break;
        const key = `${block.start}:${lines.slice(block.start, block.end).join('\n')}`;
        if (tried.has(key)) continue;
        tried.add(key);
        const candidate = [...lines.slice(0, block.start), ...lines.slice(block.end)];
        if (candidate.join('\n') === original) continue;
        if (await attempt(new Map(current).set(file, Buffer.from(candidate.join('\n'), 'latin1')))) {
          lines = candidate;
          current = new Map(current).set(file, Buffer.from(lines.join('\n'), 'latin1'));
          progress = true;
          break;
        }
      }
    }
  }
  return { files: current, runs };
}

/** Each line with the lines indented under it, largest block first. */
function blocksOf(lines: readonly string[]): { start: number; end: number }[] {
  const indent = (line: string) => /^\s*/.exec(line)![0].length;
  const blocks: { start: number; end: number }[] = [];
  for (let start = 0; start < lines.length; start++) {
    if (lines[start]!.trim() === '') continue;
    let end = start + 1;
    while (end < lines.length && (lines[end]!.trim() === '' || indent(lines[end]!) > indent(lines[start]!))) end++;
    blocks.push({ start, end });
  }
  return blocks.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
}

/** A failure as the fuzzer prints it: seed, what was mutated, the error, and the minimized files. */
export function describeFailure(failure: Failure, seed: number, estate?: Estate): string {
  const lines = [
    `FAILURE ${failure.kind}${failure.stage ? ` in ${failure.stage}` : ''}: ${failure.message}`,
    `  seed ${seed}, case ${failure.caseIndex} (case seed ${failure.caseSeed}); replay: npm run fuzz -- --seed ${seed} --only ${failure.caseIndex}`,
    ...failure.steps.map((s) => `  mutation: ${s}`),
  ];
  if (failure.stack)
    lines.push(
      ...failure.stack
        .split('\n')
        .slice(0, 8)
        .map((l) => `  | ${l}`),
    );
  lines.push(`  reproducer (${failure.minimizeRuns} minimizing runs; overlay on specs/ for test/corpus/stage-crashes/<name>/):`);
  for (const [file, content] of failure.reproducer) {
    const text = content.toString('utf8');
    const shown = text.length > 3000 ? `${text.slice(0, 3000)}\n… (${text.length} characters)` : text;
    lines.push(`  --- ${file}${estate?.has(file) ? '' : ' (new file)'}`, ...shown.split('\n').map((l) => `  ${l}`));
  }
  return lines.join('\n');
}

function writeReproducer(outDir: string, failure: Failure): void {
  const folder = join(outDir, `${failure.kind}-${failure.stage ?? 'worker'}-seed-${failure.caseSeed}`);
  for (const [file, content] of failure.reproducer) {
    mkdirSync(dirname(join(folder, file)), { recursive: true });
    writeFileSync(join(folder, file), content);
  }
  writeFileSync(
    join(folder, 'case.txt'),
    `Found by the fuzzer (case seed ${failure.caseSeed}): ${failure.kind}${failure.stage ? ` in ${failure.stage}` : ''}: ${failure.message}\n${failure.steps.map((s) => `mutation: ${s}`).join('\n')}\n`,
  );
}
