// The release check: what `npm pack` would ship, its size against a budget, and nothing that only the
// repository needs (tests, benches, the example estate, docs, TypeScript sources outside the support code).
//   node scripts/release-check.ts     # after `npm run build`; exit 1 when a file must not ship or the budget is exceeded
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SUPPORT_SOURCES } from '../generators/bundles/support-sources.ts';

/**
 * Budgets for the package: measured 0.54 MB packed, 1.8 MB unpacked, 621 files at 0.1.0; 0.81 MB
 * packed, 2.74 MB unpacked, 846 files once the system edge (webhook, poll and file sources, file and
 * X12 targets, OAuth2/CSRF/mTLS), enrichment, SLO monitoring and OTLP export shipped.
 */
export const PACKED_BUDGET_BYTES = 1_000_000;
export const UNPACKED_BUDGET_BYTES = 3_500_000;

/** What `npm pack --json` reports about one tarball. */
export interface PackReport {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

/** Files in the package that must not be there, or that must be and are missing; empty when the contents are right. */
export function contentProblems(paths: readonly string[]): string[] {
  const problems: string[] = [];
  for (const path of paths) {
    if (/^(test|bench|specs|docs|scripts|tools|charts|generated)\//.test(path))
      problems.push(`ships ${path} (only the repository needs it)`);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts') && !path.startsWith(`dist/${SUPPORT_SOURCES}/`))
      problems.push(`ships the TypeScript source ${path} (Node does not strip types under node_modules; a type check would read it)`);
  }
  for (const needed of [
    'bin/interlace.mjs',
    'dist/cli/main.js',
    `dist/${SUPPORT_SOURCES}/index.ts`,
    'dist/generators/support/index.d.ts',
    'dist/cli/init/templates/package.json',
  ]) {
    if (!paths.includes(needed)) problems.push(`does not ship ${needed}`);
  }
  return problems;
}

/** Size problems against the budgets. */
export function sizeProblems(report: PackReport): string[] {
  const problems: string[] = [];
  if (report.size > PACKED_BUDGET_BYTES) problems.push(`packed size ${report.size} B exceeds the budget of ${PACKED_BUDGET_BYTES} B`);
  if (report.unpackedSize > UNPACKED_BUDGET_BYTES)
    problems.push(`unpacked size ${report.unpackedSize} B exceeds the budget of ${UNPACKED_BUDGET_BYTES} B`);
  return problems;
}

function main(): number {
  const root = fileURLToPath(new URL('../', import.meta.url));
  // --ignore-scripts: check what is built, without building again (prepare would).
  const npm = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  if (npm.status !== 0) {
    console.error(`release check: npm pack failed\n${npm.stderr}`);
    return 2;
  }
  const report = (JSON.parse(npm.stdout) as PackReport[])[0]!;
  const byFolder = new Map<string, { files: number; bytes: number }>();
  for (const file of report.files) {
    const folder = file.path.split('/').slice(0, 2).join('/');
    const entry = byFolder.get(folder) ?? { files: 0, bytes: 0 };
    entry.files++;
    entry.bytes += file.size;
    byFolder.set(folder, entry);
  }
  for (const [folder, { files, bytes }] of [...byFolder].sort())
    console.log(`${String(files).padStart(5)} files ${String(bytes).padStart(9)} B  ${folder}`);
  console.log(
    `${report.filename}: ${report.entryCount} files, ${report.size} B packed (budget ${PACKED_BUDGET_BYTES}), ${report.unpackedSize} B unpacked (budget ${UNPACKED_BUDGET_BYTES})`,
  );
  const problems = [...contentProblems(report.files.map((f) => f.path)), ...sizeProblems(report)];
  for (const problem of problems) console.error(`release check: ${problem}`);
  return problems.length > 0 ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main();
