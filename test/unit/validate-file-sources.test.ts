// What validate says about file locations and sources.files (language/validate/check-file-sources.ts),
// at the line of the field, through the CLI.
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const system = (endpoint: string, sources: string) => `apiVersion: interlace.dev/v1alpha1
kind: System
metadata:
  name: partner
spec:
  type: edi-partner
  hosting: cloud
  owner: team-b2b
  endpoint: ${endpoint}
  limits: { concurrency: 1 }
  sources:
    files:
${sources}
`;

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function diagnostics(
  text: string,
): Promise<{ code: string; severity: string; path: (string | number)[]; message: string; range: { start: { line: number } } }[]> {
  const tree = tempTree({ 'specs/partner.yaml': text });
  cleanup = tree.cleanup;
  const result = await runCli(['validate', '--format', 'json'], tree.root);
  return JSON.parse(result.stdout).diagnostics;
}

describe('file locations and sources.files', () => {
  it('accepts a local and an SFTP pickup', async () => {
    expect(
      await diagnostics(
        system(
          '{ protocol: file, directory: /out, url: "sftp://u@h:22", sftp: { secretRef: { name: s }, hostKey: "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ" } }',
          `      - { name: a, directory: /in, format: csv, event: Invoice.Received, csv: { delimiter: ";" } }
      - { name: b, directory: /in2, url: "sftp://u@h", sftp: { secretRef: { name: s }, hostKey: "ssh-ed25519 AAAAC3Nz" }, format: xml, recordElement: Order, event: Order.Received }`,
        ),
      ),
    ).toEqual([]);
  });

  it('reports a missing login, a self-archive, a bad glob, a duplicate name and options of another format at their lines', async () => {
    const found = await diagnostics(
      system(
        '{ protocol: file, directory: /out, url: "sftp://u@h:22" }',
        `      - { name: a, directory: /in, format: json, event: E, url: "sftp://u@h", archiveDirectory: /in/, glob: "*.{csv", csv: { delimiter: ";" } }
      - { name: a, directory: /in2, format: x12, event: E, recordElement: X, sftp: { secretRef: { name: s }, hostKey: "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ" } }`,
      ),
    );
    expect(found.map((d) => [d.code, d.severity, d.path.join('.'), d.range.start.line])).toEqual([
      ['file-location-invalid', 'error', 'spec.endpoint.url', 9],
      ['file-location-invalid', 'error', 'spec.sources.files.0.url', 13],
      ['file-source-invalid', 'error', 'spec.sources.files.0.archiveDirectory', 13],
      ['file-source-invalid', 'error', 'spec.sources.files.0.glob', 13],
      ['file-source-invalid', 'warning', 'spec.sources.files.0.csv', 13],
      ['duplicate-entry', 'error', 'spec.sources.files.1.name', 14],
      ['file-source-invalid', 'warning', 'spec.sources.files.1.recordElement', 14],
      ['file-location-invalid', 'warning', 'spec.sources.files.1.sftp', 14],
    ]);
    expect(found[2]?.message).toContain('would be picked up again');
  });
});
