import type { CheckReport } from '../../governance/check-estate.ts';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';

export interface MarkdownInput {
  report: CheckReport;
  /** Validation and governance findings to list. */
  diagnostics: readonly Diagnostic[];
  base?: { ref: string; commit: string };
  /** GitHub rejects comments over 65,536 characters; the summary is cut to fit. */
  maxLength?: number;
}

const ICON = { error: '🔴', warning: '🟡', info: '🔵', hint: '⚪' } as const;

/**
 * One pull-request comment: a verdict, a table of what changed, each breaking change with what to
 * do, the impact (dependents and owners to notify), the other findings and the waivers used.
 */
export function formatMarkdown(input: MarkdownInput): string {
  const { report, diagnostics } = input;
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  const out: string[] = [];
  out.push(
    `## Interlace check — ${errors > 0 ? `❌ ${errors} error${errors === 1 ? '' : 's'}` : '✅ no errors'}${warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`,
  );
  out.push('');
  const count = (kind: string) => report.changes.filter((c) => c.kind === kind).length;
  out.push(
    input.base
      ? `Compared \`${input.base.ref}\` (${input.base.commit.slice(0, 7)}) with this change: ${report.changes.length} document${report.changes.length === 1 ? '' : 's'} changed (${count('added')} added, ${count('changed')} changed, ${count('removed')} removed), ${report.breakingChanges.length} breaking change${report.breakingChanges.length === 1 ? '' : 's'}.`
      : 'Checked the working tree (no base revision given).',
  );
  out.push('');

  if (report.changes.length > 0) {
    out.push('| Document | Change | Size | Version | Findings |', '|---|---|---|---|---|');
    for (const change of report.changes) {
      const doc = change.after ?? change.before!;
      const version =
        change.before?.version && change.after?.version ? `${change.before.version} → ${change.after.version}` : (doc.version ?? '');
      const own = diagnostics.filter((d) => 'target' in d && (d as { target: string }).target === change.identity);
      const summary =
        own.length === 0
          ? '—'
          : `${own.filter((d) => d.severity === 'error').length} error(s), ${own.filter((d) => d.severity !== 'error').length} other`;
      out.push(
        `| \`${change.identity}\` | ${change.kind} | ${report.changeSizes.get(change.identity) ?? (change.kind === 'changed' ? '' : change.kind)} | ${version} | ${summary} |`,
      );
    }
    out.push('');
  }

  const breaking = diagnostics.filter((d) => d.code === 'breaking-change-needs-major');
  if (breaking.length > 0) {
    out.push('### Breaking changes', '');
    for (const d of breaking)
      out.push(`- ${ICON[d.severity]} **${d.message}** — \`${d.file}:${d.range.start.line}\`  `, `  ${d.hint ?? ''}`);
    out.push('');
  }

  if (report.impacts.length > 0) {
    out.push('### Impact', '');
    for (const impact of report.impacts) {
      const byKind = new Map<string, string[]>();
      for (const d of impact.dependents) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d.identity]);
      const parts = [...byKind].map(([kind, ids]) => `${ids.length} ${kind}${ids.length === 1 ? '' : 's'}`);
      out.push(
        `- **\`${impact.identity}\`**${impact.owner ? ` (owner ${impact.owner})` : ''}: ${parts.length > 0 ? parts.join(', ') : 'no dependents'}${impact.owners.length > 0 ? `; notify ${impact.owners.join(', ')}` : ''}`,
      );
      if (impact.dependents.length > 0) {
        out.push(
          `  <details><summary>dependents</summary>`,
          '',
          ...impact.dependents.map((d) => `  - \`${d.identity}\`${d.owner ? ` (${d.owner})` : ''} via \`${d.via}\``),
          '',
          '  </details>',
        );
      }
    }
    out.push('');
  }

  const others = diagnostics.filter((d) => d.code !== 'breaking-change-needs-major');
  if (others.length > 0) {
    out.push('### Findings', '', '| | Rule | Where | Message |', '|---|---|---|---|');
    for (const d of others)
      out.push(
        `| ${ICON[d.severity]} | \`${d.code}\` | \`${d.file}:${d.range.start.line}:${d.range.start.column}\` | ${escapeCell(d.message)}${d.hint ? `<br>_${escapeCell(d.hint)}_` : ''} |`,
      );
    out.push('');
  }

  if (report.waiversUsed.length > 0) {
    out.push('### Waivers used', '', '| Rule | Target | Reason | Approver | Expires | Findings |', '|---|---|---|---|---|---|');
    for (const { waiver, findings } of report.waiversUsed) {
      out.push(
        `| \`${waiver.rule}\` | \`${waiver.target ?? waiver.fingerprint}\` | ${escapeCell(waiver.reason)} | ${escapeCell(waiver.approver)} | ${waiver.expires} | ${findings.length} |`,
      );
    }
    out.push('');
  }
  let text = out.join('\n');
  const max = input.maxLength ?? 60_000;
  if (text.length > max) {
    const cut = text.lastIndexOf('\n', max - 200);
    text = `${text.slice(0, cut)}\n\n_…summary cut to fit a comment; run \`interlace check --format json\` for every finding._\n`;
  }
  return text;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
}
