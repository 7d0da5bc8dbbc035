import { parseArgs } from 'node:util';
import { checkEstate } from '../../governance/check-estate.ts';
import type { CheckReport } from '../../governance/check-estate.ts';
import {
  contractChangeBreaksMappings,
  contractChangeBreaksWorkflows,
  diagnosticsOfMapping,
  documentsForMappingCheck,
  mappingsReachedByContractChanges,
  workflowsCallingWith,
} from '../../governance/mapping-breaks.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import type { ValidationResult } from '../../language/validate/validate-estate.ts';
import type { Diagnostic, Severity } from '../../language/diagnostics/diagnostic.ts';
import { compareDiagnostics, FILE_START, SEVERITIES } from '../../language/diagnostics/diagnostic.ts';
import { GitProblem } from '../../language/source/git-repository.ts';
import { DEFAULT_MAX_FILE_BYTES } from '../../language/source/read-working-tree.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_TOOL_FAILURE, UsageError } from '../exit-codes.ts';
import { FORMATTERS } from '../format/index.ts';
import { formatMarkdown } from '../format/markdown.ts';
import { gatherBase } from '../gather-base.ts';
import type { BaseSnapshot } from '../gather-base.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { exitCodeFor } from './validate.ts';

export const CHECK_HELP = `Usage: interlace check [paths...] [--base <git-ref>] [options]

Validates the specs, evaluates the governance policies, and compares every changed document with its
version at the base revision (read from git; nothing is checked out; renames are followed). Every
mapping that reads or writes a changed contract is type-checked again: a break is reported at the
mapping's rule and at the contract (contract-breaks-mapping), whatever the version bump.
  --base <ref>          compare with this revision (e.g. origin/main); without it the tree is checked alone
  --all                 report on the whole estate, not only what the change touched
  --format <f>          stylish (default), json, sarif, github, markdown (one pull-request comment)
  --fail-severity <s>   exit 1 when a finding is at least this severe (default error)
  --today <date>        judge what changed since --base (a new deprecation's sunset, a removal before its
                        sunset, an expired waiver) as of this day, YYYY-MM-DD (default: today, UTC);
                        without --base no date decides: an expired waiver is only a warning
  --history-limit <n>   commits searched per contract for the _TRANSITIVE modes (default 100)
Exit codes: 0 clean, 1 findings, 2 the tool failed (e.g. the base revision is not in this clone).`;

export async function runCheck(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      base: { type: 'string' },
      all: { type: 'boolean', default: false },
      format: { type: 'string', short: 'f', default: 'stylish' },
      'fail-severity': { type: 'string', default: 'error' },
      today: { type: 'string' },
      'history-limit': { type: 'string', default: '100' },
      'max-file-size': { type: 'string' },
      'no-color': { type: 'boolean' },
      color: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(CHECK_HELP + '\n');
    return EXIT_CLEAN;
  }
  const format = values.format!;
  if (format !== 'markdown' && !(format in FORMATTERS))
    throw new UsageError(`unknown format "${format}"; formats: ${[...Object.keys(FORMATTERS), 'markdown'].join(', ')}`);
  const failSeverity = values['fail-severity'] as Severity;
  if (!SEVERITIES.includes(failSeverity)) throw new UsageError(`unknown severity "${failSeverity}"; severities: ${SEVERITIES.join(', ')}`);
  const today = values.today ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today) || Number.isNaN(Date.parse(today)))
    throw new UsageError(`--today "${today}" is not a date; write YYYY-MM-DD`);
  const historyLimit = Number(values['history-limit']);
  if (!Number.isInteger(historyLimit) || historyLimit < 1) throw new UsageError('--history-limit must be a positive whole number');
  const paths = positionals.length > 0 ? positionals : ['specs'];
  const maxFileBytes = values['max-file-size'] ? Number(values['max-file-size']) : DEFAULT_MAX_FILE_BYTES;

  const session = new ValidationSession();
  const head = session.run(paths, { cwd: context.cwd, maxFileBytes });
  let base: BaseSnapshot | undefined;
  if (values.base !== undefined) {
    try {
      base = await gatherBase(context.cwd, values.base, paths, head, session, { maxFileBytes, historyLimit });
    } catch (error) {
      if (!(error instanceof GitProblem)) throw error;
      context.stderr(`interlace: ${error.message}\n  hint: ${error.hint}\n`);
      return EXIT_TOOL_FAILURE;
    }
  }
  const report = checkEstate({
    head: head.result,
    base: base?.result,
    history: base?.history,
    today,
    touchedFiles: base?.touchedFiles,
    all: values.all!,
  });

  const touched = (d: Diagnostic) => values.all || !base || base.touchedFiles.has(d.file);
  const diagnostics: Diagnostic[] = [...head.diagnostics.filter(touched), ...report.diagnostics];
  if (base && !head.diagnostics.some((d) => d.severity === 'error')) diagnostics.push(...(await mappingBreaks(head.result, report)));
  if (base && base.problems.length > 0) {
    const first = base.problems[0]!;
    diagnostics.push({
      code: 'base-invalid',
      severity: 'warning',
      file: first.file,
      range: FILE_START,
      path: [],
      message: `the base revision ${values.base} (${base.commit.slice(0, 7)}) has ${base.problems.length} problem${base.problems.length === 1 ? '' : 's'} (first: ${first.message}); documents invalid there are compared as if new`,
      hint: `Run \`git stash && interlace validate\` at ${values.base} to see them; they do not block this change.`,
    });
  }
  diagnostics.sort(compareDiagnostics);

  if (format === 'markdown') {
    context.stdout(formatMarkdown({ report, diagnostics, base: base ? { ref: values.base!, commit: base.commit } : undefined }));
  } else {
    const color = values['no-color'] ? false : (values.color ?? context.color);
    context.stdout(
      FORMATTERS[format]!({
        diagnostics,
        sources: head.sources,
        fileCount: head.fileCount,
        documentCount: head.documentCount,
        color,
        toolVersion: context.version,
      }),
    );
    if (format === 'stylish' && base) {
      context.stdout(
        `compared with ${values.base} (${base.commit.slice(0, 7)}): ${report.changes.length} document(s) changed, ${report.breakingChanges.length} breaking change(s), ${report.waiversUsed.reduce((n, w) => n + w.findings.length, 0)} finding(s) waived\n`,
      );
    }
  }
  return exitCodeFor(diagnostics, failSeverity);
}

/**
 * Type-checks every mapping a changed contract reaches, and the workflows that call with them, with the
 * generator (the orchestration lives here because governance and generators are sibling layers), and
 * reports each break twice: at the mapping's rule or the workflow's line (the generator's diagnostic)
 * and at the contract change.
 */
async function mappingBreaks(head: ValidationResult, report: CheckReport): Promise<Diagnostic[]> {
  const reached = mappingsReachedByContractChanges(head.index, report.changes);
  if (reached.length === 0) return [];
  const mappings = new Set(reached.map((r) => r.mapping));
  const { Generator } = await import('../../generators/generate.ts');
  // Only what the reached mappings need: on a large estate, generating every contract cost 20-30 s.
  const generated = await new Generator().generate({
    documents: documentsForMappingCheck(head.index, reached),
    index: head.index,
    support: readSupportSources(),
    bundles: false,
    validators: false,
    workflows: true,
  });
  const reachedDocs = [...mappings, ...workflowsCallingWith(head.index, reached)];
  const atDocs = reachedDocs.flatMap((doc) => diagnosticsOfMapping(doc, generated.diagnostics));
  return [
    ...atDocs,
    ...contractChangeBreaksMappings(reached, generated.diagnostics),
    ...contractChangeBreaksWorkflows(head.index, reached, generated.diagnostics),
  ];
}
