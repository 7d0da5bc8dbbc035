import { parseArgs } from 'node:util';
import type { Diagnostic, Severity } from '../../language/diagnostics/diagnostic.ts';
import { isAtLeast, SEVERITIES } from '../../language/diagnostics/diagnostic.ts';
import { DEFAULT_MAX_FILE_BYTES } from '../../language/source/read-working-tree.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, UsageError } from '../exit-codes.ts';
import { FORMATTERS } from '../format/index.ts';
import { summarizeEstate } from '../summary.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import type { ValidationRun } from '../../language/validation-session.ts';
import { watchAndValidate } from '../watch.ts';

export const VALIDATE_HELP = `Usage: interlace validate [paths...] [options]

Loads every .yaml/.yml file below the paths (default: ./specs) and reports every problem with its
file:line:col, a rule id and a hint.
  --format <f>          stylish (default), json, sarif, github
  --fail-severity <s>   exit 1 when a finding is at least this severe: error (default), warning, info, hint
  --max-file-size <n>   largest file read, in bytes or with k/m suffix (default 8m)
  --summary             after the findings, print what the estate contains
  --watch               re-validate on every change and print only what changed
  --no-color            plain text
Exit codes: 0 clean, 1 findings, 2 the tool failed.`;

export interface ValidateOptions {
  paths: string[];
  format: string;
  failSeverity: Severity;
  maxFileBytes: number;
  summary: boolean;
  watch: boolean;
  color: boolean;
}

export function parseValidateArgs(argv: string[], context: CommandContext): ValidateOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', short: 'f', default: 'stylish' },
      'fail-severity': { type: 'string', default: 'error' },
      'max-file-size': { type: 'string' },
      summary: { type: 'boolean', default: false },
      watch: { type: 'boolean', short: 'w', default: false },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (!(values.format! in FORMATTERS))
    throw new UsageError(`unknown format "${values.format}"; formats: ${Object.keys(FORMATTERS).join(', ')}`);
  const failSeverity = values['fail-severity'] as Severity;
  if (!SEVERITIES.includes(failSeverity)) throw new UsageError(`unknown severity "${failSeverity}"; severities: ${SEVERITIES.join(', ')}`);
  return {
    paths: positionals.length > 0 ? positionals : ['specs'],
    format: values.format!,
    failSeverity,
    maxFileBytes: values['max-file-size'] ? parseSize(values['max-file-size']) : DEFAULT_MAX_FILE_BYTES,
    summary: values.summary!,
    watch: values.watch!,
    color: values['no-color'] ? false : (values.color ?? context.color),
  };
}

export async function runValidate(argv: string[], context: CommandContext): Promise<number> {
  const options = parseValidateArgs(argv, context);
  if (options === 'help') {
    context.stdout(VALIDATE_HELP + '\n');
    return EXIT_CLEAN;
  }
  const session = new ValidationSession();
  if (options.watch) return watchAndValidate(session, options, context);
  const run = session.run(options.paths, { cwd: context.cwd, maxFileBytes: options.maxFileBytes });
  context.stdout(render(run, options, context));
  if (options.summary && options.format === 'stylish') context.stdout(summarizeEstate(run.result, options.color));
  return exitCodeFor(run.diagnostics, options.failSeverity);
}

export function render(run: ValidationRun, options: Pick<ValidateOptions, 'format' | 'color'>, context: CommandContext): string {
  return FORMATTERS[options.format]!({
    diagnostics: run.diagnostics,
    sources: run.sources,
    fileCount: run.fileCount,
    documentCount: run.documentCount,
    color: options.color,
    toolVersion: context.version,
  });
}

export function exitCodeFor(diagnostics: readonly Diagnostic[], failSeverity: Severity): number {
  return diagnostics.some((d) => isAtLeast(d.severity, failSeverity)) ? EXIT_FINDINGS : EXIT_CLEAN;
}

function parseSize(text: string): number {
  const match = /^([0-9]+)([kKmM]?)$/.exec(text);
  if (!match) throw new UsageError(`--max-file-size "${text}" is not a size; write e.g. 8m, 512k or 1048576`);
  const unit = match[2]!.toLowerCase();
  return Number(match[1]) * (unit === 'm' ? 1024 * 1024 : unit === 'k' ? 1024 : 1);
}
