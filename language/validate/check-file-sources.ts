import { didYouMean } from '../../lib/did-you-mean.ts';
import type { EstateIndex, SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';
import { X12_FUNCTIONAL_IDS } from './x12-transaction-sets.ts';

/** X12 transaction sets partners commonly send (ST01), beyond those Interlace writes: did-you-mean candidates. */
const X12_SETS = [...X12_FUNCTIONAL_IDS.keys(), '180', '204', '210', '214', '753', '754', '812', '832', '852', '861', '867', '870'];
/** EDIFACT message types (UNH 0065) of common EANCOM and transport exchanges. */
const EDIFACT_TYPES = [
  'ORDERS',
  'ORDRSP',
  'ORDCHG',
  'DESADV',
  'INVOIC',
  'RECADV',
  'PRICAT',
  'INVRPT',
  'SLSRPT',
  'IFTSTA',
  'IFTMIN',
  'APERAK',
  'CONTRL',
  'REMADV',
  'DELFOR',
  'DELJIT',
];

type Pickup = NonNullable<NonNullable<SpecDocument<'System'>['spec']['sources']>['files']>[number];

/**
 * A pickup's `event` / `events`: one of them is set, `events` only on formats whose records have a
 * type (x12: ST01, three digits; edifact: UNH 0065, six capitals), each key such a type.
 */
function checkEvents(doc: SpecDocument, report: Reporter, at: (string | number)[], pickup: Pickup): void {
  const events = pickup.events as Record<string, string> | undefined;
  if (pickup.event === undefined && events === undefined) {
    report.add(
      doc,
      'file-source-invalid',
      [...at, 'name'],
      `file pickup "${pickup.name}" names no event for its records`,
      pickup.format === 'x12' || pickup.format === 'edifact'
        ? `Add \`event: <Event.Name>\` (every record), or \`events: { ${pickup.format === 'x12' ? '"850": PurchaseOrder.Received' : 'ORDERS: Order.Received'} }\` (by ${pickup.format === 'x12' ? 'transaction set' : 'message type'}).`
        : 'Add `event: <Event.Name>`, the event routes name in `source.event`.',
    );
    return;
  }
  if (events === undefined) return;
  if (pickup.format !== 'x12' && pickup.format !== 'edifact') {
    report.add(
      doc,
      'file-source-invalid',
      [...at, 'events'],
      `\`events\` of file pickup "${pickup.name}" maps X12 transaction sets or EDIFACT message types; this pickup reads ${pickup.format}, whose records have no type, so it is ignored`,
      pickup.event === undefined ? 'Use `event: <Event.Name>` for every record.' : 'Remove `events`; `event` names every record.',
      { severity: 'warning', key: true },
    );
    return;
  }
  const x12 = pickup.format === 'x12';
  const shape = x12 ? /^[0-9]{3}$/ : /^[A-Z][A-Z0-9]{5}$/;
  const known = x12 ? X12_SETS : EDIFACT_TYPES;
  for (const type of Object.keys(events)) {
    const guess = known.includes(type) ? undefined : didYouMean(type, known);
    if (shape.test(type)) {
      // Well formed but not one we know, and close to one we do: most likely a typo.
      if (guess)
        report.add(
          doc,
          'file-source-invalid',
          [...at, 'events', type],
          `\`${type}\` in \`events\` of file pickup "${pickup.name}" is not a ${x12 ? 'transaction set' : 'message type'} partners commonly send`,
          `Did you mean \`${guess}\`?`,
          { severity: 'warning', key: true },
        );
      continue;
    }
    report.add(
      doc,
      'file-source-invalid',
      [...at, 'events', type],
      `\`${type}\` in \`events\` of file pickup "${pickup.name}" is not ${x12 ? 'an X12 transaction set id (ST01, three digits)' : 'an EDIFACT message type (UNH 0065, six capitals)'}, so no record ever matches it`,
      guess
        ? `Did you mean \`${guess}\`?`
        : `Key the events by ${x12 ? 'transaction set: `"850": PurchaseOrder.Received`, `"856": ShipNotice.Received`' : 'message type: `ORDERS: Order.Received`'}.`,
      { key: true },
    );
  }
}

/**
 * Every event a file pickup names (`event`, the values of `events`) is consumed by a route of its
 * System; one that is not is dropped at run time (counted unrouted), so it is reported with the routed
 * event it most likely means. A warning: a partner may send documents no route wants yet.
 */
export function checkFileRouting(index: EstateIndex, report: Reporter): void {
  for (const system of index.ofKind('System')) {
    const pickups = system.failedSchema ? undefined : system.spec.sources?.files;
    if (!pickups) continue;
    const routed = new Set<string>();
    for (const route of index.ofKind('EventRoute'))
      if (route.spec.source?.system === system.name && typeof route.spec.source.event === 'string') routed.add(route.spec.source.event);
    pickups.forEach((pickup, i) => {
      const at = ['spec', 'sources', 'files', i];
      const named: { event: string; path: (string | number)[] }[] = [];
      if (pickup.event !== undefined) named.push({ event: pickup.event, path: [...at, 'event'] });
      for (const [type, event] of Object.entries((pickup.events ?? {}) as Record<string, string>))
        named.push({ event, path: [...at, 'events', type] });
      for (const { event, path } of named) {
        if (routed.has(event)) continue;
        const guess = didYouMean(event, [...routed]);
        report.add(
          system,
          'file-event-unrouted',
          path,
          `no route consumes ${system.name}'s event \`${event}\`: the records of file pickup "${pickup.name}" published as it are dropped`,
          guess
            ? `Did you mean \`${guess}\`?`
            : routed.size > 0
              ? `Routes consume ${[...routed].map((e) => `\`${e}\``).join(', ')} from ${system.name}; add a route with source.event: ${event}, or name one of those.`
              : `Add an EventRoute with source: { system: ${system.name}, event: ${event} }.`,
        );
      }
    });
  }
}

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

type CsvDialect = { decimal?: string | undefined; thousands?: string | undefined } | undefined;

/** A CSV's thousands separator differs from its decimal separator (`.` when unset): else no number reads. */
function checkNumberFormat(doc: SpecDocument, report: Reporter, at: (string | number)[], csv: CsvDialect, what: string): void {
  const decimal = csv?.decimal ?? '.';
  if (csv?.thousands === undefined || csv.thousands !== decimal) return;
  report.add(
    doc,
    'file-source-invalid',
    [...at, 'csv', 'thousands'],
    `${what} separates thousands with "${decimal}", which is also its decimal separator${csv.decimal === undefined ? ' (the default)' : ''}, so "1${decimal}234" could be either`,
    decimal === '.'
      ? 'For 1.234,56 set `decimal: ","` too; for 1,234.56 use `thousands: ","`.'
      : 'For 1.234,56 use `thousands: "."`; for 1 234,56 use `thousands: " "`.',
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
 * braces balance, format-specific settings (`csv`, `contract`, `recordElement`) belong to that format,
 * and a CSV's thousands separator is not its decimal separator.
 */
export function checkFileSources(doc: SpecDocument, report: Reporter): void {
  if (doc.kind !== 'System') return;
  const endpoint = doc.spec.endpoint;
  if (endpoint.protocol === 'file' || endpoint.protocol === 'edi-x12')
    checkLogin(doc, report, ['spec', 'endpoint'], endpoint, `System ${doc.name}'s directory`);
  checkNumberFormat(doc, report, ['spec', 'endpoint'], endpoint.csv, `System ${doc.name}'s CSV`);
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
    checkEvents(doc, report, at, pickup);
    checkNumberFormat(doc, report, at, pickup.csv, `file pickup "${pickup.name}"`);
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
