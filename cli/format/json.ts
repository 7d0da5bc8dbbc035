import { fingerprint } from '../../language/diagnostics/fingerprint.ts';
import type { FormatInput } from './formatter.ts';

/** For machines: every diagnostic with its fingerprint, and counts. */
export function formatJson(input: FormatInput): string {
  const count = (severity: string) => input.diagnostics.filter((d) => d.severity === severity).length;
  return (
    JSON.stringify(
      {
        version: 1,
        tool: { name: 'interlace', version: input.toolVersion },
        summary: {
          files: input.fileCount,
          documents: input.documentCount,
          errors: count('error'),
          warnings: count('warning'),
          infos: count('info'),
          hints: count('hint'),
        },
        diagnostics: input.diagnostics.map((d) => ({ ...d, fingerprint: fingerprint(d) })),
      },
      null,
      2,
    ) + '\n'
  );
}
