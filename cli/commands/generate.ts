import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import { FILE_START } from '../../language/diagnostics/diagnostic.ts';
import { Generator } from '../../generators/generate.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { sha256 } from '../../generators/shared/hash.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, UsageError } from '../exit-codes.ts';
import { FORMATTERS } from '../format/index.ts';
import { ValidationSession } from '../../language/validation-session.ts';

export const GENERATE_HELP = `Usage: interlace generate [paths...] --out <dir> [options]

Generates typed TypeScript from the specs (default ./specs): contract types (types.ts), ajv
standalone validators, one typed function per Mapping, API handler interfaces and clients, event
route signatures, and one JavaScript bundle with a manifest per deployable unit. Type errors in
mappings are reported at the YAML rule that caused them.
  --out <dir>        where to write (required)
  --check            write nothing; exit 1 and list files that are missing, stale or extra (for CI)
  --format <f>       stylish (default), json, sarif, github
  --no-color         plain text
Exit codes: 0 clean (or up to date), 1 findings (or stale with --check), 2 the tool failed.`;

/** Index of what was generated, so --check sees extra files and a re-run prunes files no spec makes. */
export const INDEX_FILE = 'generated.json';

export async function runGenerate(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string', short: 'o' },
      check: { type: 'boolean', default: false },
      format: { type: 'string', short: 'f', default: 'stylish' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(GENERATE_HELP + '\n');
    return EXIT_CLEAN;
  }
  if (!values.out) throw new UsageError('--out <dir> is required: where the generated code goes');
  const formatter = FORMATTERS[values.format!];
  if (!formatter) throw new UsageError(`unknown format "${values.format}"; formats: ${Object.keys(FORMATTERS).join(', ')}`);
  const color = values['no-color'] ? false : context.color;
  const paths = positionals.length > 0 ? positionals : ['specs'];
  const outArg = values.out;
  const outDir = resolve(context.cwd, outArg);

  const run = new ValidationSession().run(paths, { cwd: context.cwd });
  const print = (diagnostics: readonly Diagnostic[]) =>
    context.stdout(
      formatter({
        diagnostics,
        sources: run.sources,
        fileCount: run.fileCount,
        documentCount: run.documentCount,
        color,
        toolVersion: context.version,
      }),
    );
  const validationErrors = run.diagnostics.filter((d) => d.severity === 'error');
  if (validationErrors.length > 0) {
    print(run.diagnostics);
    context.stderr('interlace generate: the specs do not validate; nothing was generated.\n');
    return EXIT_FINDINGS;
  }
  const result = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    print([...run.diagnostics, ...result.diagnostics]);
    context.stderr('interlace generate: nothing was written.\n');
    return EXIT_FINDINGS;
  }
  const files = new Map(result.files);
  files.set(
    INDEX_FILE,
    `${JSON.stringify({ generator: 'interlace', files: Object.fromEntries([...result.files].map(([p, t]) => [p, sha256(t)])) }, null, 2)}\n`,
  );
  const previous = readIndex(outDir);

  if (values.check) {
    const stale: Diagnostic[] = [];
    const report = (path: string, message: string) =>
      stale.push({
        code: 'generated-stale',
        severity: 'error',
        file: join(outArg, path),
        range: FILE_START,
        path: [],
        message,
        hint: `Run \`interlace generate ${paths.join(' ')} --out ${values.out}\` and commit the result.`,
      });
    for (const [path, text] of files) {
      const current = readText(join(outDir, path));
      if (current === undefined) report(path, 'missing: the specs generate this file');
      else if (current !== text) report(path, 'stale: differs from what the specs generate');
    }
    for (const path of previous) if (!files.has(path)) report(path, 'extra: no spec generates this file any more');
    print([...run.diagnostics, ...result.diagnostics, ...stale]);
    return stale.length > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
  }

  let written = 0;
  for (const [path, text] of files) {
    const target = join(outDir, path);
    if (readText(target) === text) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    written++;
  }
  let removed = 0;
  for (const path of previous) {
    if (files.has(path)) continue;
    rmSync(join(outDir, path), { force: true });
    removed++;
  }
  print([...run.diagnostics, ...result.diagnostics]);
  context.stdout(
    `generated ${files.size} files in ${values.out}: ${written} written, ${files.size - written} unchanged${removed > 0 ? `, ${removed} removed` : ''}\n`,
  );
  return EXIT_CLEAN;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Files a previous run generated (from its index), relative to the output directory. */
function readIndex(outDir: string): string[] {
  const path = join(outDir, INDEX_FILE);
  if (!existsSync(path)) return [];
  try {
    const index = JSON.parse(readFileSync(path, 'utf8')) as { files?: Record<string, string> };
    // Only plain relative paths are trusted from the index: it must not make us delete elsewhere.
    return Object.keys(index.files ?? {}).filter((p) => /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(p) && !p.split('/').includes('..'));
  } catch {
    return [];
  }
}
