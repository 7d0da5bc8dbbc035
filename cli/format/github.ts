import type { FormatInput } from './formatter.ts';

/**
 * GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request's
 * diff. GitHub shows at most 10 errors and 10 warnings per step, so errors come first.
 */
export function formatGithub(input: FormatInput): string {
  const order = { error: 0, warning: 1, info: 2, hint: 3 };
  const sorted = [...input.diagnostics].sort((a, b) => order[a.severity] - order[b.severity]);
  return (
    sorted
      .map((d) => {
        const command = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'notice';
        const properties = [
          `file=${escapeProperty(d.file)}`,
          `line=${d.range.start.line}`,
          `col=${d.range.start.column}`,
          `endLine=${d.range.end.line}`,
          `endColumn=${d.range.end.column}`,
          `title=${escapeProperty(`interlace ${d.code}`)}`,
        ].join(',');
        const body = d.hint ? `${d.message}\nhint: ${d.hint}` : d.message;
        return `::${command} ${properties}::${escapeData(body)}`;
      })
      .join('\n') + (sorted.length > 0 ? '\n' : '')
  );
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
