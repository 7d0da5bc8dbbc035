/**
 * Throughput of several variants measured so that a busy machine disturbs them alike: every round
 * runs each variant for one slice of CPU time, in an order that rotates from round to round, after a
 * warm-up that runs them all (so every variant is optimized before any slice counts). Rates are
 * reported per CPU-second of this process, as the median over rounds with the spread (min–max), and
 * a ratio between two variants is the median of their per-round ratios: a slow round slows both
 * sides of it.
 */
import { cpus, loadavg } from 'node:os';

export interface Variant {
  label: string;
  /** One unit of work (one message). The result is kept, so the optimizer cannot drop the work. */
  run: () => unknown;
  /** The work is asynchronous (awaited on every call). */
  async?: boolean;
}

export interface Measured {
  label: string;
  /** Messages per second, one per round. */
  rates: number[];
}

export interface Options {
  rounds: number;
  sliceMs: number;
  warmupMs: number;
}

/** Rounds and slice length; `BENCH_ROUNDS` and `BENCH_SLICE_MS` override them for a longer or quicker run. */
export function options(): Options {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
  const sliceMs = Number(process.env.BENCH_SLICE_MS ?? 200);
  return { rounds: Math.max(1, rounds), sliceMs: Math.max(20, sliceMs), warmupMs: Math.max(500, sliceMs * 3) };
}

/** Written by every call: a result that is read nowhere could be optimized away with its work. */
let sink: unknown;
/** Counted at the end of each slice, so the writes to `sink` are observable. */
let sunk = 0;

/** CPU time this process has used (all its threads: the mapping's garbage collection counts), in µs. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Runs `variant` in batches of `batch` calls until it has used `ms` of CPU time, and returns calls per
 * CPU-second. CPU time rather than wall time: on a shared machine the wall clock also counts the time
 * other processes held the CPU, which says nothing about the variant. A slice gives up after 30× its
 * length in wall time, so a starved machine slows the benchmark down without stalling it.
 */
async function slice(variant: Variant, ms: number, batch: number): Promise<number> {
  const budget = ms * 1000;
  const wallLimit = Date.now() + ms * 30;
  const start = cpuMicros();
  let n = 0;
  let used = 0;
  do {
    if (variant.async) for (let i = 0; i < batch; i++) sink = await variant.run();
    else {
      const fn = variant.run;
      for (let i = 0; i < batch; i++) sink = fn();
    }
    n += batch;
    used = cpuMicros() - start;
  } while (used < budget && Date.now() < wallLimit);
  if (sink !== undefined) sunk++;
  return n / (Math.max(used, 1) / 1e6);
}

/**
 * Runs the variants interleaved: a warm-up (which also sizes each variant's batch to about 2 ms, so
 * reading the CPU clock costs nothing that shows), then `rounds` rounds of one slice per variant,
 * the order rotating so that no variant always runs first or right after the same neighbour.
 */
export async function measure(variants: readonly Variant[], o: Options = options()): Promise<Measured[]> {
  const batches = variants.map(() => 1);
  const warmSlice = o.warmupMs / variants.length / 2;
  for (let pass = 0; pass < 2; pass++) {
    for (const [i, v] of variants.entries()) batches[i] = Math.max(1, Math.round((await slice(v, warmSlice, batches[i]!)) / 500));
  }
  const rates = variants.map(() => [] as number[]);
  for (let round = 0; round < o.rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (round + k) % variants.length;
      rates[i]!.push(await slice(variants[i]!, o.sliceMs, batches[i]!));
    }
  }
  if (sunk < 0) console.log(sink);
  return variants.map((v, i) => ({ label: v.label, rates: rates[i]! }));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `rate` of `a` over `rate` of `b` in each round (the rounds are paired: same order, same load). */
export function pairedRatios(a: Measured, b: Measured): number[] {
  return a.rates.map((r, i) => r / b.rates[i]!);
}

const count = (x: number) => Math.round(x).toLocaleString('en-US');

/** `  label      123,456 msg/CPU-s  [120,000–125,000]` */
export function rateLine(m: Measured): string {
  const spread = `[${count(Math.min(...m.rates))}–${count(Math.max(...m.rates))}]`;
  return `  ${m.label.padEnd(44)} ${count(median(m.rates)).padStart(12)} msg/CPU-s  ${spread}`;
}

/** `1.08× [0.97–1.15]`: the median of paired per-round ratios and their spread. */
export function ratioText(ratios: readonly number[], digits = 2): string {
  return `${median(ratios).toFixed(digits)}× [${Math.min(...ratios).toFixed(digits)}–${Math.max(...ratios).toFixed(digits)}]`;
}

/** What the machine was doing: one-minute load average against the CPU count. */
export function loadLine(): string {
  return `load average ${loadavg()[0]!.toFixed(2)} on ${cpus().length} CPUs`;
}
