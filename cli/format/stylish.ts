import { styleText } from 'node:util';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import type { FormatInput } from './formatter.ts';

type Style = Parameters<typeof styleText>[0];

/**
 * The default, for people: findings grouped by file, each with the offending line, a caret under
 * the problem and the hint, then a count.
 */
export function formatStylish(input: FormatInput): string {
  const paint = (style: Style, text: string) => (input.color ? styleText(style, text) : text);
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of input.diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  const lines: string[] = [];
  for (const [file, diagnostics] of byFile) {
    lines.push(paint('underline', file));
    const text = input.sources.get(file);
    const fileLines = text?.split(/\r?\n/);
    for (const d of diagnostics) {
      const where = `${d.range.start.line}:${d.range.start.column}`;
      const severity =
        d.severity === 'error' ? paint('red', 'error') : d.severity === 'warning' ? paint('yellow', 'warning') : paint('blue', d.severity);
      lines.push(`  ${paint('dim', where.padEnd(7))} ${severity}  ${d.message}  ${paint('dim', d.code)}`);
      if (fileLines) lines.push(...codeFrame(fileLines, d, paint));
      if (d.hint) lines.push(`          ${paint('cyan', 'hint:')} ${d.hint}`);
    }
    lines.push('');
  }
  const errors = input.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = input.diagnostics.filter((d) => d.severity === 'warning').length;
  const others = input.diagnostics.length - errors - warnings;
  const scope = `${input.documentCount} document${input.documentCount === 1 ? '' : 's'} in ${input.fileCount} file${input.fileCount === 1 ? '' : 's'}`;
  if (input.diagnostics.length === 0) {
    lines.push(`${paint('green', '✔')} no problems in ${scope}`);
  } else {
    const parts = [`${errors} error${errors === 1 ? '' : 's'}`, `${warnings} warning${warnings === 1 ? '' : 's'}`];
    if (others > 0) parts.push(`${others} other`);
    const total = input.diagnostics.length;
    lines.push(paint(errors > 0 ? 'red' : 'yellow', `✖ ${total} problem${total === 1 ? '' : 's'} (${parts.join(', ')}) in ${scope}`));
  }
  return lines.join('\n') + '\n';
}

/** The offending line with one line of context above, and a caret run under the range. */
function codeFrame(fileLines: string[], d: Diagnostic, paint: (style: Style, text: string) => string): string[] {
  const lineNumber = d.range.start.line;
  const line = fileLines[lineNumber - 1];
  if (line === undefined) return [];
  const width = String(lineNumber).length;
  const clip = (s: string) => (s.length > 160 ? `${s.slice(0, 157)}...` : s);
  const out: string[] = [];
  const previous = fileLines[lineNumber - 2];
  if (previous !== undefined && previous.trim() !== '')
    out.push(paint('dim', `      ${String(lineNumber - 1).padStart(width)} | ${clip(previous)}`));
  out.push(`    ${paint('red', '>')} ${String(lineNumber).padStart(width)} | ${clip(line)}`);
  const start = Math.max(1, d.range.start.column);
  const end = d.range.end.line === lineNumber ? Math.max(start + 1, d.range.end.column) : line.length + 1;
  const caretCount = Math.max(1, Math.min(end - start, 160 - start));
  if (start <= 160) out.push(`      ${' '.repeat(width)} | ${' '.repeat(start - 1)}${paint('red', '^'.repeat(caretCount))}`);
  return out;
}
