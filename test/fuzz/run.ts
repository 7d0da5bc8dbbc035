/**
 * `npm run fuzz`: the long fuzz run. Options: --seed <n> (default: from the clock, printed),
 * --seconds <n> (default 600), --cases <n>, --only <case> (replay one case), --out <dir> (write each
 * failure's reproducer there), --verbose (a line per case). Exit 0 when nothing failed, 1 when something did.
 */
import { parseArgs } from 'node:util';
import { runFuzz } from './fuzz.ts';
import { formatReport } from './report.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seconds: { type: 'string', default: '600' },
    cases: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
process.stdout.write(`fuzzing the example estate, seed ${seed}\n`);
const report = await runFuzz({
  seed,
  seconds: Number(values.seconds),
  maxCases: values.cases !== undefined ? Number(values.cases) : undefined,
  only: values.only !== undefined ? Number(values.only) : undefined,
  outDir: values.out,
  verbose: values.verbose,
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${formatReport(report)}\n`);
process.exitCode = report.failures.length > 0 ? 1 : 0;
