/**
 * The run epoch: how many simulations have started on one run folder before this one. The simulated
 * systems number their documents (SAP sales orders, billing and material documents, Business Central
 * ledger entries, X12 control numbers…) from it, so a second `interlace run` on the same store issues
 * new numbers: the backbone's publish de-duplication and the targets' idempotency (a file drop refuses
 * a name an earlier run wrote) would otherwise take run 2's documents for run 1's.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file in the run folder that holds the last epoch handed out. */
const RUN_EPOCH_FILE = 'simulation-epoch';

/**
 * Numbers one run may issue from each counter before it would reach the next run's: a million
 * (a week of `run --for` at three orders a second stays below it).
 */
const RUN_NUMBER_BLOCK = 1_000_000;

/**
 * Takes the next epoch for `dataDir` (0 for a folder no simulation has used) and records it before any
 * number is issued, so a run that crashes still leaves its numbers behind it.
 */
export function takeRunEpoch(dataDir: string): number {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, RUN_EPOCH_FILE);
  let last = -1;
  try {
    const text = readFileSync(file, 'utf8').trim();
    // A damaged file fails the run: guessing an epoch could reuse an earlier run's numbers.
    if (!/^\d{1,9}$/.test(text)) throw new Error(`${file} does not hold a run epoch (a number): remove it to start from 0`);
    last = Number(text);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const epoch = last + 1;
  // Written aside and renamed: a crash mid-write leaves the old epoch, never a half-written file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${epoch}\n`);
  renameSync(temporary, file);
  return epoch;
}

/**
 * The first number of a counter that starts at `base` in run `epoch`: each run gets its own block of
 * `block` numbers, so the numbers keep their format (digits only, the same ranges in the first runs).
 */
export function runScopedStart(base: number, epoch: number, block = RUN_NUMBER_BLOCK): number {
  return base + epoch * block;
}
