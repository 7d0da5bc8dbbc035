import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Generator } from '../../generators/generate.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { runMappingTests, testBundle } from '../../generators/testing/run-tests.ts';
import type { ReadFixture, TestModule, TestResult } from '../../generators/testing/run-tests.ts';
import { describeDifference } from '../../generators/testing/json-diff.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, UsageError } from '../exit-codes.ts';
import { FORMATTERS } from '../format/index.ts';
import { ValidationSession } from '../../language/validation-session.ts';

export const TEST_HELP = `Usage: interlace test [paths...] [options]

Compiles every Mapping (default ./specs) and runs its \`tests:\`: the input fixture (inline, JSON,
raw X12 or EDIFACT, told apart by content) through the compiled mapping, compared with the expected
output by JSON path.
  --mapping <name>   only this mapping's tests (repeatable)
  --format <f>       text (default) or json
  --no-color         plain text
Exit codes: 0 all passed, 1 a test failed or a mapping has errors, 2 the tool failed.`;

export async function runTest(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      mapping: { type: 'string', multiple: true },
      format: { type: 'string', short: 'f', default: 'text' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(TEST_HELP + '\n');
    return EXIT_CLEAN;
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`unknown format "${values.format}"; formats: text, json`);
  const color = values['no-color'] ? false : context.color;
  const paths = positionals.length > 0 ? positionals : ['specs'];
  const run = new ValidationSession().run(paths, { cwd: context.cwd });
  const stylish = (diagnostics: typeof run.diagnostics) =>
    FORMATTERS.stylish!({
      diagnostics,
      sources: run.sources,
      fileCount: run.fileCount,
      documentCount: run.documentCount,
      color,
      toolVersion: context.version,
    });
  if (run.diagnostics.some((d) => d.severity === 'error')) {
    context.stdout(
      values.format === 'json' ? `${JSON.stringify({ diagnostics: run.diagnostics, results: [] }, null, 2)}\n` : stylish(run.diagnostics),
    );
    return EXIT_FINDINGS;
  }
  const generated = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
    bundles: false,
  });
  const only = values.mapping;
  const units = generated.mappings.filter((u) => !only || only.includes(u.doc.name));
  if (only) for (const name of only) if (!units.some((u) => u.doc.name === name)) throw new UsageError(`no mapping named "${name}"`);
  const bundle = testBundle(generated.files, units);
  const module = (await import(`data:text/javascript;base64,${Buffer.from(bundle).toString('base64')}`)) as TestModule;
  const read: ReadFixture = (specFile, relative) => {
    if (isAbsolute(relative)) return { ok: false, message: 'fixture paths are relative to the spec file' };
    try {
      return { ok: true, text: readFileSync(resolve(context.cwd, dirname(specFile), relative), 'utf8') };
    } catch (error) {
      return { ok: false, message: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message };
    }
  };
  const results = runMappingTests(units, module, read);
  const mappingDiagnostics = generated.diagnostics.filter((d) => units.some((u) => u.doc.source.file === d.file));
  if (values.format === 'json') {
    context.stdout(
      `${JSON.stringify({ diagnostics: mappingDiagnostics, results: results.map(({ diagnostics: _d, ...r }) => r) }, null, 2)}\n`,
    );
  } else {
    if (mappingDiagnostics.length > 0) context.stdout(stylish(mappingDiagnostics));
    context.stdout(renderResults(results, color));
  }
  const failed = results.some((r) => !r.passed) || mappingDiagnostics.some((d) => d.severity === 'error');
  return failed ? EXIT_FINDINGS : EXIT_CLEAN;
}

function renderResults(results: readonly TestResult[], color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  let current = '';
  for (const r of results) {
    if (r.mapping !== current) {
      current = r.mapping;
      lines.push(`${r.mapping}  ${paint('2', r.file)}`);
    }
    lines.push(`  ${r.passed ? paint('32', '✓') : paint('31', '✗')} ${r.name}`);
    if (!r.passed) {
      if (r.error) lines.push(`      ${r.error}`);
      for (const d of r.differences) lines.push(`      ${describeDifference(d)}`);
    }
  }
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  lines.push('', `${passed} passed, ${failed} failed, ${results.length} test${results.length === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}
