import { CODES } from '../../language/diagnostics/codes.ts';
import { fingerprint } from '../../language/diagnostics/fingerprint.ts';
import type { FormatInput } from './formatter.ts';

const LEVEL = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as const;
const DOCS = 'https://github.com/interlace-dev/interlace/blob/main/docs/diagnostics.md';

/**
 * SARIF 2.1.0, for code-scanning uploads: every code is a rule, every diagnostic a result with a
 * region and a stable fingerprint (so a dismissed alert stays dismissed after unrelated edits).
 */
export function formatSarif(input: FormatInput): string {
  const used = [...new Set(input.diagnostics.map((d) => d.code))].sort();
  const rules = used.map((id) => {
    const info = (CODES as Record<string, { severity: keyof typeof LEVEL; title: string }>)[id];
    return {
      id,
      name: id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
      shortDescription: { text: info?.title ?? id },
      helpUri: `${DOCS}#${id}`,
      defaultConfiguration: { level: LEVEL[info?.severity ?? 'error'] },
    };
  });
  const ruleIndex = new Map(used.map((id, i) => [id, i]));
  const results = input.diagnostics.map((d) => ({
    ruleId: d.code,
    ruleIndex: ruleIndex.get(d.code)!,
    level: LEVEL[d.severity],
    message: { text: d.hint ? `${d.message}\nHint: ${d.hint}` : d.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(d.file), uriBaseId: '%SRCROOT%' },
          region: {
            startLine: d.range.start.line,
            startColumn: d.range.start.column,
            endLine: d.range.end.line,
            endColumn: Math.max(d.range.end.column, d.range.end.line === d.range.start.line ? d.range.start.column : 1),
          },
        },
      },
    ],
    partialFingerprints: { 'interlace/v1': fingerprint(d) },
  }));
  return (
    JSON.stringify(
      {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [
          {
            tool: {
              driver: {
                name: 'interlace',
                informationUri: 'https://github.com/interlace-dev/interlace',
                semanticVersion: input.toolVersion,
                rules,
              },
            },
            originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The directory interlace ran in.' } } },
            results,
          },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}
