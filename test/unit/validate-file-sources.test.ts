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

type Found = {
  code: string;
  severity: string;
  path: (string | number)[];
  message: string;
  hint?: string;
  range: { start: { line: number } };
};

/** What validate reports; without `routes`, the pickups' events have no route and that warning is left out. */
async function diagnostics(text: string, routes?: string): Promise<Found[]> {
  const tree = tempTree({ 'specs/partner.yaml': text, ...(routes ? { 'specs/routes.yaml': routes } : {}) });
  cleanup = tree.cleanup;
  const result = await runCli(['validate', '--format', 'json'], tree.root);
  const found: Found[] = JSON.parse(result.stdout).diagnostics;
  return routes ? found : found.filter((d) => d.code !== 'file-event-unrouted');
}

const route = (name: string, event: string) => `---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: ${name} }
spec:
  owner: team-b2b
  source: { system: partner, event: ${event}, contract: c@1 }
  targets: [{ name: out, topic: ${name}.out }]
`;
const contract = `---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: c }
spec: { version: 1.0.0, owner: team-b2b, schema: { type: object } }
`;

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

  it('accepts encodings and thousands separators, and refuses a thousands separator that is the decimal one at its line', async () => {
    expect(
      await diagnostics(
        system(
          '{ protocol: file, directory: /out, format: csv, encoding: windows-1252, csv: { decimal: ",", thousands: "." } }',
          `      - { name: a, directory: /in, format: csv, event: E, encoding: iso-8859-1, csv: { delimiter: ";", decimal: ",", thousands: " " } }
      - { name: b, directory: /in2, format: xml, event: E, encoding: utf-16le }`,
        ),
      ),
    ).toEqual([]);
    const found = await diagnostics(
      system(
        '{ protocol: file, directory: /out, format: csv, csv: { decimal: ",", thousands: "," } }',
        `      - { name: a, directory: /in, format: csv, event: E, csv: { thousands: "." } }`,
      ),
    );
    expect(found.map((d) => [d.code, d.severity, d.path.join('.'), d.range.start.line])).toEqual([
      ['file-source-invalid', 'error', 'spec.endpoint.csv.thousands', 9],
      ['file-source-invalid', 'error', 'spec.sources.files.0.csv.thousands', 13],
    ]);
    expect(found[1]?.message).toBe(
      'file pickup "a" separates thousands with ".", which is also its decimal separator (the default), so "1.234" could be either',
    );
    expect(found[1]?.hint).toBe('For 1.234,56 set `decimal: ","` too; for 1,234.56 use `thousands: ","`.');
    // An encoding the decoder would take but Interlace does not offer (`latin1`) is a schema error.
    const unknown = await diagnostics(
      system('{ protocol: file, directory: /out }', '      - { name: b, directory: /in2, format: csv, event: E, encoding: latin1 }'),
    );
    expect(unknown.map((d) => [d.code, d.path.join('.'), d.range.start.line])).toEqual([
      ['schema-enum', 'spec.sources.files.0.encoding', 13],
    ]);
  });

  it('maps X12 transaction sets and EDIFACT message types to events, and says what is wrong with a key, a missing event and an unrouted one', async () => {
    const routes = contract + route('po', 'PurchaseOrder.Received') + route('asn', 'ShipNotice.Received');
    expect(
      await diagnostics(
        system(
          '{ protocol: file, directory: /out }',
          `      - { name: a, directory: /in, format: x12, events: { "850": PurchaseOrder.Received, "856": ShipNotice.Received } }`,
        ),
        routes,
      ),
    ).toEqual([]);
    const found = await diagnostics(
      system(
        '{ protocol: file, directory: /out }',
        `      - { name: a, directory: /in, format: x12, events: { "0856": ShipNotice.Received, ASN: ShipNotice.Received, "850": PurchaseOrder.Recieved } }
      - { name: b, directory: /in2, format: edifact, events: { ORDRES: PurchaseOrder.Received } }
      - { name: c, directory: /in3, format: json, events: { "850": PurchaseOrder.Received } }
      - { name: d, directory: /in4, format: x12 }`,
      ),
      routes,
    );
    expect(found.map((d) => [d.code, d.severity, d.path.join('.'), d.range.start.line, d.hint])).toEqual([
      ['file-source-invalid', 'error', 'spec.sources.files.0.events.0856', 13, 'Did you mean `856`?'],
      ['file-source-invalid', 'error', 'spec.sources.files.0.events.ASN', 13, expect.stringContaining('`"856": ShipNotice.Received`')],
      ['file-event-unrouted', 'warning', 'spec.sources.files.0.events.850', 13, 'Did you mean `PurchaseOrder.Received`?'],
      ['file-source-invalid', 'warning', 'spec.sources.files.1.events.ORDRES', 14, 'Did you mean `ORDERS`?'],
      ['file-source-invalid', 'warning', 'spec.sources.files.2.events', 15, 'Use `event: <Event.Name>` for every record.'],
      [
        'file-source-invalid',
        'error',
        'spec.sources.files.3.name',
        16,
        expect.stringContaining('`events: { "850": PurchaseOrder.Received }`'),
      ],
    ]);
  });
});
