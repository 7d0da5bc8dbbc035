/**
 * `npm run bench -- check`: `interlace check --base` on the 5,000-document estate after a pull
 * request that changes 2% of it (additive and breaking contract changes, API and route edits, a move),
 * against `validate` alone on the same tree. Each run is its own process, so peak RSS is its own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeEstate } from './estate-generator.ts';

const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CLI = fileURLToPath(new URL('../bin/interlace.mjs', import.meta.url));

function git(root: string, ...args: string[]): void {
  execFileSync('git', args, { cwd: root, stdio: 'ignore' });
}

/** One CLI run in its own process: wall time, and peak RSS from GNU time (`%M`, KiB). */
function measure(root: string, args: string[]): { ms: number; rssMb: number; code: number } {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - started;
  const rssKb = Number(result.stderr.trim().split('\n').pop());
  return { ms, rssMb: rssKb / 1024, code: result.status ?? 2 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function run(): void {
  const root = mkdtempSync(join(tmpdir(), 'interlace-bench-check-'));
  try {
    writeEstate(join(root, 'specs'), DOCUMENTS);
    git(root, 'init', '-q', '-b', 'main');
    git(root, '-c', 'user.email=b@example.com', '-c', 'user.name=bench', 'commit', '-q', '--allow-empty', '-m', 'empty');
    git(root, 'add', '-A');
    git(root, '-c', 'user.email=b@example.com', '-c', 'user.name=bench', 'commit', '-q', '-m', 'base');
    // The pull request: 2% of the documents change.
    const changes = Math.max(10, Math.floor(DOCUMENTS * 0.02));
    for (let i = 0; i < changes; i++) {
      const file = join(root, 'specs', 'contracts', `entity-${i}.yaml`);
      const text = readFileSync(file, 'utf8');
      const edited =
        i % 3 === 0
          ? text.replace('      field0:\n', '      renamed0:\n') // breaking (closed schema)
          : text
              .replace(/version: 1\.(\d)\.0/, (_m, minor: string) => `version: 1.${Number(minor) + 1}.0`)
              .replace('    properties:\n      lines:', '    properties:\n      channel: { type: string }\n      lines:');
      writeFileSync(file, edited);
    }
    renameSync(join(root, 'specs', 'routes', 'route-1.yaml'), join(root, 'specs', 'routes', 'route-one.yaml'));
    const checkArgs = ['check', 'specs', '--base', 'main', '--format', 'json', '--today', '2026-11-26'];
    const validateArgs = ['validate', 'specs', '--format', 'json'];
    const checks = [];
    const validates = [];
    for (let i = 0; i < RUNS; i++) {
      checks.push(measure(root, checkArgs));
      validates.push(measure(root, validateArgs));
    }
    const c = median(checks.map((m) => m.ms));
    const v = median(validates.map((m) => m.ms));
    const checkRss = Math.max(...checks.map((m) => m.rssMb));
    const validateRss = Math.max(...validates.map((m) => m.rssMb));
    const code = checks[0]!.code;
    console.log(
      `check: ${DOCUMENTS} documents, ${changes} changed + 1 moved, median of ${RUNS} runs (whole CLI process, start-up included), ${process.version}`,
    );
    console.log(`  validate alone                     ${v.toFixed(0).padStart(6)} ms  ${validateRss.toFixed(0).padStart(5)} MB`);
    console.log(
      `  check --base main                  ${c.toFixed(0).padStart(6)} ms  ${checkRss.toFixed(0).padStart(5)} MB  ${(c / v).toFixed(2)}× validate   target ≤ 5000 ms, ≤ 500 MB (exit ${code})`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
