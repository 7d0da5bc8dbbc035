// Generated code compiles in the user's own TypeScript project (issue 11, part 3): the example estate's
// generated modules, written into a fresh project outside the repository that depends on what the
// README says generated code needs (re2js), compiled by tsc with (a) `"module": "nodenext"` + strict and
// (b) the config `tsc --init` writes, used as is.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { ValidationSession } from '../../language/validation-session.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'interlace-user-tsc-'));
let generated: [string, string][] = [];

/** A user's project: package.json (ES modules, re2js as a dependency), the generated code under generated/. */
function userProject(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const re2js = JSON.parse(readFileSync(join(repo, 'node_modules', 're2js', 'package.json'), 'utf8')) as { version: string };
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name, private: true, type: 'module', dependencies: { re2js: `^${re2js.version}` } }, null, 2)}\n`,
  );
  // What `npm install` puts there: a copy of the package, not a link into this repository.
  cpSync(join(repo, 'node_modules', 're2js'), join(dir, 'node_modules', 're2js'), { recursive: true });
  for (const [path, text] of generated) {
    mkdirSync(dirname(join(dir, 'generated', path)), { recursive: true });
    writeFileSync(join(dir, 'generated', path), text);
  }
  return dir;
}

/** tsc's errors (`file(line,col): error TSn`), one per line, or [] when it compiles. */
function compile(dir: string, args: string[] = ['-p', '.']): string[] {
  const result = spawnSync(process.execPath, [tsc, ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  if (result.error) throw result.error;
  const errors = `${result.stdout}${result.stderr}`.split('\n').filter((l) => /error TS\d+/.test(l));
  if (result.status !== 0 && errors.length === 0) throw new Error(`tsc exited ${result.status}:\n${result.stdout}${result.stderr}`);
  return errors.map((l) => l.replace(/: error (TS\d+):.*$/, ': $1'));
}

beforeAll(async () => {
  const run = new ValidationSession().run(['specs'], { cwd: repo });
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const result = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  // The TypeScript a user compiles; bundles are already JavaScript and run on their own.
  generated = [...result.files].filter(([path]) => path.endsWith('.ts'));
  expect(generated.length).toBeGreaterThan(40);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('generated code in a user project', () => {
  it('compiles with "module": "nodenext" and strict', () => {
    const dir = userProject('nodenext-strict');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      `${JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, types: [], noEmit: true } }, null, 2)}\n`,
    );
    expect(compile(dir)).toEqual([]);
  }, 300_000);

  it('compiles with the config `tsc --init` writes (noUncheckedIndexedAccess on)', () => {
    const dir = userProject('tsc-init');
    expect(compile(dir, ['--init'])).toEqual([]);
    expect(readFileSync(join(dir, 'tsconfig.json'), 'utf8')).toMatch(/"noUncheckedIndexedAccess": true/);
    // Mappings that write a required field from `list[0]` (the X12 856 ones) compile: a literal index
    // is typed as CEL types it.
    expect(compile(dir)).toEqual([]);
  }, 300_000);
});
