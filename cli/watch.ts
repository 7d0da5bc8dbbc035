import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { styleText } from 'node:util';
import type { Diagnostic } from '../language/diagnostics/diagnostic.ts';
import { fingerprint } from '../language/diagnostics/fingerprint.ts';
import type { CommandContext } from './command.ts';
import { render } from './commands/validate.ts';
import type { ValidateOptions } from './commands/validate.ts';
import { EXIT_CLEAN } from './exit-codes.ts';
import type { ValidationSession } from '../language/validation-session.ts';

/**
 * `--watch`: validates once in full, then after each change prints only what changed — findings
 * that are new and findings that were fixed — and how long the re-validation took.
 * Runs until the process gets SIGINT/SIGTERM or `signal` aborts.
 */
export function watchAndValidate(
  session: ValidationSession,
  options: ValidateOptions,
  context: CommandContext,
  signal?: AbortSignal,
): Promise<number> {
  const readOptions = { cwd: context.cwd, maxFileBytes: options.maxFileBytes };
  const first = session.run(options.paths, readOptions);
  context.stdout(render(first, options, context));
  let previous = keyed(first.diagnostics);
  const paint = (style: Parameters<typeof styleText>[0], text: string) => (options.color ? styleText(style, text) : text);
  context.stdout(paint('dim', `watching ${options.paths.join(', ')} for changes (Ctrl-C to stop)\n`));

  let timer: NodeJS.Timeout | undefined;
  // Files reported changed since the last run; undefined means "something was added, removed or renamed: rescan".
  let pending: Set<string> | undefined = new Set();
  const rerun = () => {
    const started = performance.now();
    const changed = pending;
    pending = new Set();
    const run = changed ? session.update([...changed]) : session.run(options.paths, readOptions);
    const elapsed = performance.now() - started;
    const current = keyed(run.diagnostics);
    const added = [...current].filter(([key]) => !previous.has(key)).map(([, d]) => d);
    const fixed = [...previous].filter(([key]) => !current.has(key)).map(([, d]) => d);
    previous = current;
    const lines: string[] = [];
    for (const d of fixed)
      lines.push(
        `${paint('green', '- fixed')}  ${d.file}:${d.range.start.line}:${d.range.start.column}  ${d.message}  ${paint('dim', d.code)}`,
      );
    if (added.length > 0) lines.push(render({ ...run, diagnostics: added }, { ...options, format: options.format }, context).trimEnd());
    const errors = run.diagnostics.filter((d) => d.severity === 'error').length;
    lines.push(
      paint(
        'dim',
        `[${new Date().toISOString().slice(11, 19)}] ${added.length} new, ${fixed.length} fixed, ${errors} error${errors === 1 ? '' : 's'} in all — ${elapsed.toFixed(0)} ms`,
      ),
    );
    context.stdout(lines.join('\n') + '\n');
  };
  const onChange = (root: string) => (event: string, filename: string | Buffer | null) => {
    if (event === 'change' && typeof filename === 'string' && pending) pending.add(resolve(root, filename));
    else pending = undefined;
    clearTimeout(timer);
    // Editors write a file in several steps; wait for them to settle.
    timer = setTimeout(rerun, 30);
  };
  const watchers: FSWatcher[] = options.paths.map((path) => {
    const root = resolve(context.cwd, path);
    return watch(root, { recursive: true }, onChange(root));
  });
  return new Promise((done) => {
    const stop = () => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done(EXIT_CLEAN);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** Findings keyed by fingerprint and message, not position: a finding that only moved (a line added above it) is not news. */
function keyed(diagnostics: readonly Diagnostic[]): Map<string, Diagnostic> {
  return new Map(diagnostics.map((d) => [`${fingerprint(d)}:${d.message}`, d]));
}
