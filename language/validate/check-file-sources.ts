import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

type Location = { url?: string | undefined; sftp?: unknown };

/** An `sftp://` url needs its login, and a login without an sftp:// url is never used. */
function checkLogin(doc: SpecDocument, report: Reporter, at: (string | number)[], location: Location, what: string): void {
  const sftpUrl = location.url?.startsWith('sftp://') === true;
  if (sftpUrl && location.sftp === undefined)
    report.add(
      doc,
      'file-location-invalid',
      [...at, 'url'],
      `${what} is on the SFTP server ${location.url}, but says nothing about how to log in`,
      'Add `sftp: { secretRef: { name: <secret with private-key or password> }, hostKey: "<the server\'s public key line or SHA256: fingerprint>" }`.',
    );
  if (!sftpUrl && location.sftp !== undefined)
    report.add(
      doc,
      'file-location-invalid',
      [...at, 'sftp'],
      `${what} has an SFTP login but no sftp:// url, so the login is never used and the directory is local`,
      'Add `url: sftp://user@host:port`, or remove `sftp` to use a local directory.',
      { severity: 'warning', key: true },
    );
}

function balancedBraces(glob: string): boolean {
  let depth = 0;
  for (const ch of glob) {
    if (ch === '{') depth++;
    else if (ch === '}' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * What the schema cannot say about file locations and `System.spec.sources.files`
 * (runtime/adapters/files): an sftp:// location has its login (endpoint and pickups), pickup names are
 * unique (they key the progress state), a pickup does not archive into the directory it reads, a glob's
 * braces balance, and format-specific settings (`csv`, `contract`, `recordElement`) belong to that format.
 */
export function checkFileSources(doc: SpecDocument, report: Reporter): void {
  if (doc.kind !== 'System') return;
  const endpoint = doc.spec.endpoint;
  if (endpoint.protocol === 'file' || endpoint.protocol === 'edi-x12')
    checkLogin(doc, report, ['spec', 'endpoint'], endpoint, `System ${doc.name}'s directory`);
  const pickups = doc.spec.sources?.files;
  if (!pickups) return;
  const names = new Map<string, number>();
  pickups.forEach((pickup, i) => {
    const at = ['spec', 'sources', 'files', i];
    const first = names.get(pickup.name);
    if (first !== undefined)
      report.add(
        doc,
        'duplicate-entry',
        [...at, 'name'],
        `file pickup "${pickup.name}" is already defined as entry ${first + 1}`,
        'Each pickup keeps its progress under its name; give every pickup its own.',
      );
    else names.set(pickup.name, i);
    checkLogin(doc, report, at, pickup, `file pickup "${pickup.name}"`);
    const trim = (d: string) => d.replace(/\/+$/, '');
    if (
      pickup.archiveDirectory !== undefined &&
      trim(pickup.archiveDirectory) === trim(pickup.directory) &&
      pickup.afterPublish !== 'delete'
    )
      report.add(
        doc,
        'file-source-invalid',
        [...at, 'archiveDirectory'],
        `file pickup "${pickup.name}" archives into the directory it picks from, so every published file would be picked up again`,
        'Archive into another directory (the default is `<directory>/archive`), or use `afterPublish: delete`.',
      );
    if (pickup.errorDirectory !== undefined && trim(pickup.errorDirectory) === trim(pickup.directory))
      report.add(
        doc,
        'file-source-invalid',
        [...at, 'errorDirectory'],
        `file pickup "${pickup.name}" moves refused files into the directory it picks from, so it would refuse them again at every scan`,
        'Use another directory (the default is `<directory>/error`).',
      );
    if (pickup.glob !== undefined && !balancedBraces(pickup.glob))
      report.add(
        doc,
        'file-source-invalid',
        [...at, 'glob'],
        `the glob ${pickup.glob} of file pickup "${pickup.name}" has unbalanced braces`,
        'Close every `{` with a `}`: `*.{csv,txt}`.',
      );
    const misplaced: [string, boolean, string][] = [
      ['csv', pickup.csv !== undefined && pickup.format !== 'csv', 'csv'],
      ['contract', pickup.contract !== undefined && pickup.format !== 'csv', 'csv'],
      ['recordElement', pickup.recordElement !== undefined && pickup.format !== 'xml', 'xml'],
    ];
    for (const [field, wrong, format] of misplaced)
      if (wrong)
        report.add(
          doc,
          'file-source-invalid',
          [...at, field],
          `\`${field}\` of file pickup "${pickup.name}" applies to format ${format}; this pickup reads ${pickup.format}, so it is ignored`,
          `Remove \`${field}\`, or set \`format: ${format}\` if the files are ${format}.`,
          { severity: 'warning', key: true },
        );
  });
}
