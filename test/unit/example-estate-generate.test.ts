import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GeneratedProgram } from '../../generators/mappings/typecheck.ts';
import { runCli } from '../helpers/cli.ts';

/**
 * The example estate's generated connectors are committed in `generated/` (what the runtime and the
 * controller load). These tests keep them honest in CI: stale or hand-edited generated code fails
 * `generate --check`, every mapping test passes, and the committed code type-checks.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

/** How many mapping tests specs/ holds; a test removed or skipped by mistake changes it. */
const MAPPING_TESTS = 28;

function listFiles(dir: string): string[] {
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

describe('the example estate, generated (generated/)', () => {
  it('is up to date: `interlace generate specs --out generated --check` exits 0', async () => {
    const result = await runCli(['generate', 'specs', '--out', 'generated', '--check', '--format', 'json'], root);
    const report = JSON.parse(result.stdout) as { diagnostics: { file: string; message: string }[] };
    expect(
      report.diagnostics.map((d) => `${d.file}: ${d.message}`),
      'run `interlace generate specs --out generated` and commit generated/',
    ).toEqual([]);
    expect(result.code).toBe(0);
  }, 60_000);

  it(`passes all ${MAPPING_TESTS} mapping tests: \`interlace test specs\` exits 0`, async () => {
    const result = await runCli(['test', 'specs', '--format', 'json'], root);
    const report = JSON.parse(result.stdout) as {
      diagnostics: unknown[];
      results: { mapping: string; name: string; passed: boolean; error?: string }[];
    };
    expect(report.diagnostics).toEqual([]);
    expect(report.results.filter((r) => !r.passed).map((r) => `${r.mapping} / ${r.name}: ${r.error}`)).toEqual([]);
    expect(report.results).toHaveLength(MAPPING_TESTS);
    expect(new Set(report.results.map((r) => r.mapping)).size).toBe(23);
    expect(result.code).toBe(0);
    const text = await runCli(['test', 'specs'], root);
    expect(text.stdout).toContain(`${MAPPING_TESTS} passed, 0 failed, ${MAPPING_TESTS} tests`);
  }, 60_000);

  it("type-checks (the committed TypeScript, with the generator's strict options)", () => {
    const dir = join(root, 'generated');
    const files = new Map(
      listFiles(dir)
        .filter((p) => p.endsWith('.ts'))
        .map((p) => [p, readFileSync(join(dir, p), 'utf8')]),
    );
    expect(files.size).toBeGreaterThan(40);
    expect([...files.keys()]).toEqual(expect.arrayContaining(['types.ts', 'mappings/sap-sales-order-to-order-v2.ts', 'support/index.ts']));
    const program = new GeneratedProgram();
    program.update(files);
    expect(program.check([...files.keys()]).map((e) => `${e.file}: ${e.message}`)).toEqual([]);
  }, 60_000);
});
