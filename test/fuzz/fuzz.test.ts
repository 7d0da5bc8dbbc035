/**
 * The fuzzer in `npm test`: a short run with a fixed seed must find nothing (no stage throws, no
 * uncaught exception, no case over 5 s of CPU or 500 MB of heap growth), and the harness itself must
 * catch a crash and a hang that are planted in it. The long run is `npm run fuzz` (test/fuzz/run.ts).
 */
import { describe, expect, it } from 'vitest';
import { describeFailure, loadEstate, runFuzz } from './fuzz.ts';
import type { Mutation } from './mutate.ts';
import { caseSeed, mutateEstate } from './mutate.ts';
import { formatReport } from './report.ts';

/** Fixed, so a failure here is reproducible with `npm run fuzz -- --seed 20261203 --only <case>`. */
const SEED = 20261203;
/** Wall time of the short run (the issue allows 60 s in `npm test`). */
const SHORT_RUN_SECONDS = 45;

/** The product contract's description with a marker the planted stage reacts to. */
function plantedCase(marker: string): Mutation {
  const file = 'contracts/canonical/product.yaml';
  const text = loadEstate().get(file)!.toString('utf8');
  const marked = text.replace(/description: The sellable product/, `description: ${marker} The sellable product`);
  expect(marked).not.toBe(text);
  return { files: new Map([[file, Buffer.from(marked)]]), steps: [`plant ${marker} in ${file}`] };
}

describe('fuzzer', () => {
  it('draws the same cases from the same seed', () => {
    const estate = loadEstate();
    const a = mutateEstate(estate, caseSeed(SEED, 3));
    const b = mutateEstate(estate, caseSeed(SEED, 3));
    expect(a.steps).toEqual(b.steps);
    expect([...a.files]).toEqual([...b.files]);
    expect(mutateEstate(estate, caseSeed(SEED, 4)).steps).not.toEqual(a.steps);
  });

  it('reports a stage that throws, with the seed and a smaller reproducer, and a case that hangs', async () => {
    const lines: string[] = [];
    const report = await runFuzz({
      seed: SEED,
      seconds: 300,
      plantCrash: true,
      hangMs: 10_000,
      minimizeAttempts: 8,
      cases: [plantedCase('PLANTED-CRASH'), plantedCase('PLANTED-HANG'), plantedCase('harmless')],
      log: (line) => lines.push(line),
    });
    expect(report.cases).toBe(3);
    expect(report.failures.map((f) => [f.kind, f.stage, f.caseIndex])).toEqual([
      ['crash', 'plan', 0],
      ['hang', undefined, 1],
    ]);
    const crash = report.failures[0]!;
    expect(crash.message).toContain('planted crash');
    expect(crash.stack).toContain('worker.ts');
    const mutated = plantedCase('PLANTED-CRASH').files.get('contracts/canonical/product.yaml')!;
    const reproducer = crash.reproducer.get('contracts/canonical/product.yaml')!;
    expect(reproducer.toString()).toContain('PLANTED-CRASH');
    expect(crash.minimizeRuns).toBeGreaterThan(0);
    expect(reproducer.length).toBeLessThan(mutated.length);
    const printed = describeFailure(crash, SEED);
    expect(printed).toContain(`seed ${SEED}, case 0`);
    expect(printed).toContain('--- contracts/canonical/product.yaml');
    expect(lines.join('\n')).toContain('FAILURE hang');
    // After the hang the worker was replaced, and the third case ran clean on the new one.
    expect(report.passed.plan).toBe(1);
  }, 600_000);

  it(`finds nothing in a ${SHORT_RUN_SECONDS} s run with seed ${SEED}`, async () => {
    const lines: string[] = [];
    const report = await runFuzz({ seed: SEED, seconds: SHORT_RUN_SECONDS, minimizeAttempts: 20, log: (line) => lines.push(line) });
    console.log(formatReport(report));
    expect(report.failures.map((f) => describeFailure(f, SEED)).join('\n\n')).toBe('');
    expect(report.cases).toBeGreaterThanOrEqual(10);
    // Some cases must get past validate, or the later stages are not being fuzzed at all.
    expect(report.reached.plan).toBeGreaterThan(0);
    expect(report.slowestCpuMs).toBeLessThan(5000);
    expect(report.maxHeapGrowthMb).toBeLessThan(500);
  }, 600_000);
});
