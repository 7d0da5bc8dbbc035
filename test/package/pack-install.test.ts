// The package as a user gets it: `npm pack` this repository (prepare builds dist/), install the tarball
// into a fresh directory outside the repository, `interlace init` an estate, and run exactly the commands
// of the generated GitHub workflow on a branch that breaks a contract, then on the fix (issue 11).
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { contentProblems, sizeProblems } from '../../scripts/release-check.ts';
import type { PackReport } from '../../scripts/release-check.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'interlace-pack-'));
// npm and npx run on the Node that runs the tests (24), not on an older system Node.
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`, NO_COLOR: '1' };
const gitEnv = {
  GIT_AUTHOR_NAME: 'Dana',
  GIT_AUTHOR_EMAIL: 'dana@example.com',
  GIT_COMMITTER_NAME: 'Dana',
  GIT_COMMITTER_EMAIL: 'dana@example.com',
};
const npmInstall = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const figures: string[] = [];

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env: { ...env, ...gitEnv }, encoding: 'utf8', timeout: 300_000 });
}
function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}
function timed<T>(what: string, action: () => T): T {
  const start = performance.now();
  const result = action();
  figures.push(`${what}: ${((performance.now() - start) / 1000).toFixed(2)} s`);
  return result;
}

let tarball = '';
let report: PackReport;
const estate = join(work, 'acme-estate');

beforeAll(() => {
  // The real pack: `prepare` builds dist/ first, as on publish.
  const packed = ok(run('npm', ['pack', '--json', '--pack-destination', work], repo), 'npm pack');
  report = (JSON.parse(packed.slice(packed.indexOf('[\n'))) as PackReport[])[0]!;
  tarball = join(work, report.filename);
  figures.push(`packed ${report.size} B, unpacked ${report.unpackedSize} B, ${report.entryCount} files`);
}, 600_000);

afterAll(() => {
  console.log(`pack-install figures:\n  ${figures.join('\n  ')}`);
  rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships only what runs, within its size budget', () => {
    expect(contentProblems(report.files.map((f) => f.path))).toEqual([]);
    expect(report.files.filter((f) => /^(test|bench|specs|docs)\//.test(f.path))).toEqual([]);
    expect(sizeProblems(report)).toEqual([]);
  });

  it('installs outside the repository, inits an estate, and the generated workflow catches a breaking change', () => {
    const tool = join(work, 'tool');
    ok(run('mkdir', ['-p', tool], work), 'mkdir');
    timed('npm install <tarball> (fresh directory)', () => ok(run('npm', [...npmInstall, tarball], tool), 'npm install'));
    const installed = join(tool, 'node_modules', 'interlace');
    expect(existsSync(join(installed, 'cli'))).toBe(false); // no TypeScript sources, so nothing for Node to strip
    const bin = join(tool, 'node_modules', '.bin', 'interlace');

    const help = [0, 1, 2].map(() => {
      const start = performance.now();
      ok(run(bin, ['--help'], tool), 'interlace --help');
      return (performance.now() - start) / 1000;
    });
    const fastest = Math.min(...help);
    figures.push(`interlace --help start-up: ${fastest.toFixed(2)} s (fastest of 3)`);
    expect(fastest).toBeLessThanOrEqual(1);
    expect(ok(run(bin, ['--version'], tool), '--version').trim()).toBe(
      JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version,
    );

    ok(run(bin, ['init', estate, '--yes', '--name', 'acme-estate'], work), 'interlace init');
    timed('npm install <tarball> (the new estate)', () => ok(run('npm', [...npmInstall, '--save-dev', tarball], estate), 'npm install'));
    // The declared surface compiles in a user's project: `interlace/support` under nodenext + strict, with
    // the package's declarations checked too (skipLibCheck off).
    const consumer = join(work, 'consumer');
    ok(run('mkdir', ['-p', consumer], work), 'mkdir');
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, typeRoots: [], types: [] },
        files: ['use.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'use.ts'),
      "import { MappingError, toNumber } from 'interlace/support';\nexport const check = (e: unknown): boolean => e instanceof MappingError && typeof toNumber === 'function';\n",
    );
    ok(run('ln', ['-s', join(tool, 'node_modules'), join(consumer, 'node_modules')], work), 'link node_modules');
    const tsc = ok(
      run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', consumer], consumer),
      'tsc on interlace/support',
    );
    expect(tsc).toBe('');
    // generators/support is shipped as source (data) apart from its compiled form; only the sources are generated.
    expect(readdirSync(join(estate, 'generated', 'support')).filter((n) => !n.endsWith('.ts') || n.endsWith('.d.ts'))).toEqual([]);
    ok(run('git', ['init', '-q', '-b', 'main'], estate), 'git init');
    ok(run('git', ['add', '.'], estate), 'git add');
    ok(run('git', ['commit', '-q', '-m', 'Interlace estate'], estate), 'git commit');

    const workflow = parse(readFileSync(join(estate, '.github/workflows/interlace.yml'), 'utf8')) as {
      jobs: { check: { steps: { run?: string }[] } };
    };
    const commands = workflow.jobs.check.steps
      .map((s) => s.run)
      .filter((r): r is string => r?.startsWith('npx interlace') === true)
      .map((r) => r.replaceAll('origin/${{ github.base_ref }}', 'main'));
    expect(commands.some((c) => c.startsWith('npx interlace validate'))).toBe(true);
    expect(commands.some((c) => c.startsWith('npx interlace check --base main'))).toBe(true);
    expect(commands.some((c) => c.startsWith('npx interlace generate specs --out generated --check'))).toBe(true);
    expect(commands.some((c) => c.startsWith('npx interlace test'))).toBe(true);
    const runWorkflow = () => commands.map((command) => ({ command, result: run('sh', ['-c', command], estate) }));

    const clean = runWorkflow();
    for (const { command, result } of clean)
      expect({ command, status: result.status, stderr: result.stderr }).toEqual({ command, status: 0, stderr: expect.any(String) });

    // A pull request that narrows a field of stock-level@1 without a new major version.
    ok(run('git', ['checkout', '-q', '-b', 'narrow-on-hand'], estate), 'git checkout');
    const contract = join(estate, 'specs/contracts/stock-level.yaml');
    const original = readFileSync(contract, 'utf8');
    writeFileSync(contract, original.replace('onHand: { type: number, minimum: 0 }', 'onHand: { type: integer, minimum: 0 }'));
    ok(run('npx', ['interlace', 'generate', 'specs', '--out', 'generated'], estate), 'generate');
    ok(run('git', ['commit', '-q', '-am', 'onHand is an integer'], estate), 'git commit');
    const broken = runWorkflow();
    for (const { command, result } of broken) {
      const expected = command.startsWith('npx interlace check') ? 1 : 0;
      expect({ command, status: result.status }).toEqual({ command, status: expected });
      if (command.startsWith('npx interlace check'))
        expect(readCheckOutput(command, result)).toContain('breaking change in DataContract/stock-level@1');
    }

    // The fix: keep accepting numbers.
    writeFileSync(contract, original);
    ok(run('npx', ['interlace', 'generate', 'specs', '--out', 'generated'], estate), 'generate');
    ok(run('git', ['commit', '-q', '-am', 'onHand stays a number'], estate), 'git commit');
    for (const { command, result } of runWorkflow()) expect({ command, status: result.status }).toEqual({ command, status: 0 });
  }, 900_000);

  it('an old Node gets one line naming the version it needs', () => {
    const oldNode = '/usr/bin/node';
    const version = existsSync(oldNode) ? spawnSync(oldNode, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
    if (!/^v(1\d|2[01])\./.test(version)) {
      console.log(`no Node older than 22 at ${oldNode} (${version || 'none'}); the old-Node case is not run`);
      return;
    }
    const result = spawnSync(oldNode, [join(estate, 'node_modules', 'interlace', 'bin', 'interlace.mjs'), 'validate', 'specs'], {
      cwd: estate,
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `interlace needs Node.js 22.18 or newer (this is ${version}); install Node 24 LTS.`,
    ]);
  });
});

/** What a workflow step printed: its redirect target when it writes a report to a file. */
function readCheckOutput(command: string, result: SpawnSyncReturns<string>): string {
  const redirect = /> (\S+)$/.exec(command);
  return redirect ? readFileSync(join(estate, redirect[1]!), 'utf8') : result.stdout;
}
