import { posix } from 'node:path';
import { expect } from 'vitest';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { runMappingTests, testBundle } from '../../generators/testing/run-tests.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { tempTree } from './temp-tree.ts';

/**
 * Validates and generates a small estate of contracts and mappings in a temporary folder (no
 * bundles), for tests of the mapping language: `files` maps paths (`specs/m.yaml`) to their text.
 * Validation errors fail the test unless `allowInvalid` is set (then they are returned).
 */
export async function generateEstate(files: Record<string, string>, options: { allowInvalid?: boolean } = {}) {
  const tree = tempTree(files);
  try {
    const run = new ValidationSession().run(['specs'], { cwd: tree.root });
    const invalid = run.diagnostics.filter((d) => d.severity === 'error');
    if (!options.allowInvalid) expect(invalid.map((d) => `${d.range.start.line}: ${d.message}`)).toEqual([]);
    const generated = await new Generator().generate({
      documents: run.result.documents,
      index: run.result.index,
      support: readSupportSources(),
      bundles: false,
    });
    return { ...generated, validation: invalid };
  } finally {
    tree.cleanup();
  }
}

/** Generates, expects no diagnostics, and runs every mapping's tests: [name, passed, error]. */
export async function runEstateTests(files: Record<string, string>) {
  const result = await generateEstate(files);
  expect(result.diagnostics.map((d) => `${d.range.start.line}: ${d.message}`)).toEqual([]);
  const module = await import(`data:text/javascript;base64,${Buffer.from(testBundle(result.files, result.mappings)).toString('base64')}`);
  // Fixture files are read from `files`, relative to the spec that names them.
  const read = (specFile: string, relative: string) => {
    const spec = specFile.slice(Math.max(0, specFile.lastIndexOf('specs/')));
    const text = files[posix.normalize(posix.join(posix.dirname(spec), relative))];
    return text === undefined ? { ok: false as const, message: 'not in the test estate' } : { ok: true as const, text };
  };
  return runMappingTests(result.mappings, module, read).map((r) => [r.name, r.passed, r.error]);
}

/** The generator's diagnostics as [code, line, message]. */
export async function estateDiagnostics(files: Record<string, string>) {
  const result = await generateEstate(files);
  return result.diagnostics.map((d) => [d.code, d.range.start.line, d.message]);
}
