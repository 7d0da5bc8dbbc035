/**
 * `npm run bench -- validate`: validation of a 5,000-document estate against its floor — reading
 * the same files, parsing the YAML and running a precompiled ajv validator per document, nothing
 * else — plus the `--watch` re-validation after one file changes. Each measurement runs in its own
 * child process so peak RSS is its own.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeEstate } from './estate-generator.ts';

const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Sample {
  ms: number;
  rssMb: number;
  documents: number;
  diagnostics?: number;
  watchMs?: number;
}

function measure(mode: string, root: string): Sample {
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('./validate-worker.ts', import.meta.url)), mode, root], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as Sample;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function run(): void {
  const root = mkdtempSync(join(tmpdir(), 'interlace-bench-'));
  try {
    writeEstate(root, DOCUMENTS);
    const floor: Sample[] = [];
    const full: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      floor.push(measure('floor', root));
      full.push(measure('validate', root));
    }
    const floorMs = median(floor.map((s) => s.ms));
    const fullMs = median(full.map((s) => s.ms));
    const watchMs = median(full.map((s) => s.watchMs!));
    const rss = Math.max(...full.map((s) => s.rssMb));
    const floorRss = Math.max(...floor.map((s) => s.rssMb));
    const rows = [
      ['floor (read + yaml.parse + precompiled ajv)', `${floorMs.toFixed(0)} ms`, `${floorRss.toFixed(0)} MB`, '1.00×', ''],
      [
        'interlace validate (all checks, positions)',
        `${fullMs.toFixed(0)} ms`,
        `${rss.toFixed(0)} MB`,
        `${(fullMs / floorMs).toFixed(2)}×`,
        'target ≤ 2× floor, ≤ 3000 ms, ≤ 400 MB',
      ],
      [
        '--watch re-validation, one file changed',
        `${watchMs.toFixed(0)} ms`,
        '',
        `${(watchMs / fullMs).toFixed(3)}× of full`,
        'target ≤ 100 ms',
      ],
    ];
    console.log(
      `validate: ${full[0]!.documents} documents, ${full[0]!.diagnostics} diagnostics, median of ${RUNS} runs, ${process.version}, ${await_cpus()} CPUs`,
    );
    for (const row of rows)
      console.log(`  ${row[0]!.padEnd(46)} ${row[1]!.padStart(9)} ${row[2]!.padStart(8)} ${row[3]!.padStart(16)}  ${row[4]}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function await_cpus(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 0;
}
