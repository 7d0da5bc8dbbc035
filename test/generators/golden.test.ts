import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationSession } from '../../language/validation-session.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { GeneratedProgram } from '../../generators/mappings/typecheck.ts';
import { runMappingTests, testBundle } from '../../generators/testing/run-tests.ts';

/**
 * Golden cases: test/generators/<case>/specs → test/generators/<case>/expected. The set of files and
 * every byte must match. `UPDATE_GOLDEN=1 npx vitest run test/generators` rewrites expected/ after an
 * intentional change (review the diff before committing it).
 */
const ROOT = new URL('.', import.meta.url).pathname;
const CASES = readdirSync(ROOT).filter((name) => existsSync(join(ROOT, name, 'specs')));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(dir, full).split('\\').join('/'));
    }
  };
  walk(dir);
  return out;
}

async function generateCase(name: string) {
  const caseDir = join(ROOT, name);
  const run = new ValidationSession().run(['specs'], { cwd: caseDir });
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const generator = new Generator();
  const result = await generator.generate({ documents: run.result.documents, index: run.result.index, support: readSupportSources() });
  return { caseDir, run, result, generator };
}

describe.each(CASES)('golden case %s', (name) => {
  it('generates exactly the expected files, byte for byte', async () => {
    const { caseDir, result } = await generateCase(name);
    expect(result.diagnostics).toEqual([]);
    const expectedDir = join(caseDir, 'expected');
    if (UPDATE) {
      rmSync(expectedDir, { recursive: true, force: true });
      for (const [path, text] of result.files) {
        mkdirSync(dirname(join(expectedDir, path)), { recursive: true });
        writeFileSync(join(expectedDir, path), text);
      }
    }
    expect(listFiles(expectedDir)).toEqual([...result.files.keys()].sort());
    for (const [path, text] of result.files) expect(text, path).toBe(readFileSync(join(expectedDir, path), 'utf8'));
  });

  it('is deterministic and rebuilds nothing when nothing changed', async () => {
    const { run, result, generator } = await generateCase(name);
    const again = await generator.generate({ documents: run.result.documents, index: run.result.index, support: readSupportSources() });
    expect(again.rebuilt).toEqual([]);
    expect([...again.files]).toEqual([...result.files]);
    const fresh = await new Generator().generate({
      documents: run.result.documents,
      index: run.result.index,
      support: readSupportSources(),
    });
    expect([...fresh.files]).toEqual([...result.files]);
  });

  it('type-checks with no errors (tsc --noEmit on the generated program)', async () => {
    const { result } = await generateCase(name);
    const program = new GeneratedProgram();
    const ts = new Map([...result.files].filter(([p]) => p.endsWith('.ts')));
    program.update(ts);
    expect(program.check([...ts.keys()])).toEqual([]);
  });

  it('passes its mapping tests on the real fixtures', async () => {
    const { caseDir, result } = await generateCase(name);
    const bundle = testBundle(result.files, result.mappings);
    const module = await import(`data:text/javascript;base64,${Buffer.from(bundle).toString('base64')}`);
    const results = runMappingTests(result.mappings, module, (specFile, rel) => ({
      ok: true,
      text: readFileSync(join(caseDir, dirname(specFile), rel), 'utf8'),
    }));
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => !r.passed).map((r) => `${r.mapping} / ${r.name}: ${r.error}`)).toEqual([]);
  });

  it('emits bundles that load as ES modules, with manifests whose hash matches', async () => {
    const { result } = await generateCase(name);
    const manifests = [...result.files].filter(([p]) => p.endsWith('.manifest.json'));
    for (const [, text] of manifests) {
      const manifest = JSON.parse(text) as { bundle: string; sha256: string };
      const js = result.files.get(`bundles/${manifest.bundle}`)!;
      const { createHash } = await import('node:crypto');
      expect(createHash('sha256').update(js).digest('hex')).toBe(manifest.sha256);
      const module = await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
      expect(Object.keys(module).length).toBeGreaterThan(0);
    }
  });
});
