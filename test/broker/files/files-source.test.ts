// The file source (runtime/adapters/files/files-source.ts) through the worker's wiring (startSources,
// BackboneSourceContext) on a real nats-server: CSV with a decimal comma typed by the contract, JSON,
// X12 (one event per transaction set), EDIFACT (one per message) and XML (one per record element)
// from a local directory and from a real OpenSSH server; a file still growing waits; a malformed file
// goes to the error directory with a dead letter naming the line or segment and nothing published; a
// file over maxBytes is refused unread; published files are archived (or deleted); a windows-1252 file
// with grouped thousands is read as its pickup says, and the same bytes under a UTF-8 pickup are refused
// with their byte offset and line.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSources } from '../../../runtime/adapters/sources/start-sources.ts';
import type { RunningSources } from '../../../runtime/adapters/sources/start-sources.ts';
import type { FilesSource } from '../../../runtime/adapters/files/files-source.ts';
import { openJetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { DeadLetter } from '../../../runtime/delivery/dead-letter.ts';
import { silentLogger } from '../../../lib/log.ts';
import { natsServerOrSkipReason, startNatsServer } from '../harness/nats-server.ts';
import type { NatsServer } from '../harness/nats-server.ts';
import { opensshOrSkipReason, startOpenSshServer } from '../harness/openssh-server.ts';
import type { OpenSshServer } from '../harness/openssh-server.ts';
import { partnerSystem, routeFor, stored, waitFor } from './files-support.ts';

const nats = await natsServerOrSkipReason();
const sshSkip = opensshOrSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'files-source-'));
let server: NatsServer | undefined;
let backbone: JetStreamBackbone;
let sshd: OpenSshServer | undefined;
const running: RunningSources[] = [];

beforeAll(async () => {
  if ('skip' in nats) return;
  server = await startNatsServer(nats.binary);
  backbone = await openJetStreamBackbone({ servers: server.url, name: 'files-source-test' });
  if (!sshSkip) sshd = await startOpenSshServer();
}, 60_000);
afterAll(async () => {
  for (const r of running) await r.stop();
  await backbone?.close();
  await server?.stop();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const INVOICE_SCHEMA = {
  type: 'object',
  properties: { invoiceNumber: { type: 'string' }, amount: { type: 'number' }, quantity: { type: 'integer' }, sku: { type: 'string' } },
};

async function start(files: unknown[], events: string[], env: Record<string, string> = {}): Promise<{ sources: FilesSource[] }> {
  const r = await startSources({
    system: partnerSystem(files),
    routes: events.map((event, i) => routeFor(`r${running.length}-${i}`, event)),
    backbone,
    stateDir: join(dir, 'state'),
    deps: { env, contractSchema: () => INVOICE_SCHEMA },
    logger: silentLogger,
  });
  running.push(r);
  return { sources: r.adapters.map((a) => a.adapter as FilesSource) };
}

const X12 = (po1: string, po2: string, se2 = 3) =>
  [
    'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *230916*0800*U*00401*000000124*0*P*>',
    'GS*PO*SENDER*RECEIVER*20230916*0800*124*X*004010',
    'ST*850*0001',
    `BEG*00*SA*${po1}**20230916`,
    'SE*3*0001',
    'ST*850*0002',
    `BEG*00*SA*${po2}**20230916`,
    `SE*${se2}*0002`,
    'GE*2*124',
    'IEA*1*000000124',
    '',
  ].join('~\n');

describe.skipIf('skip' in nats)('file source', () => {
  it('publishes CSV rows (decimal comma only where the contract says number), then archives; a malformed file goes to the error directory with a dead letter naming the line', async () => {
    const inbox = join(dir, 'csv');
    mkdirSync(inbox);
    const { sources } = await start(
      [
        {
          name: 'invoices',
          directory: inbox,
          glob: '*.csv',
          format: 'csv',
          event: 'Invoice.Received',
          contract: 'invoice@1',
          csv: { delimiter: ';', decimal: ',' },
          interval: '100ms',
          settle: '50ms',
        },
      ],
      ['Invoice.Received'],
    );
    const source = sources[0]!;
    writeFileSync(join(inbox, 'INV-1.csv'), 'invoiceNumber;amount;quantity;sku\r\n0042;1234,5;3;"A;1"\r\n0043;7;1;00012\r\n');
    writeFileSync(join(inbox, 'ignored.txt'), 'not picked up');
    await waitFor('the file to be archived', () => existsSync(join(inbox, 'archive', 'INV-1.csv')));
    const topic = 'partner.invoice.received';
    const events = await stored(backbone, topic);
    expect(events.map((e) => e.payload)).toEqual([
      { invoiceNumber: '0042', amount: 1234.5, quantity: 3, sku: 'A;1' },
      { invoiceNumber: '0043', amount: 7, quantity: 1, sku: '00012' },
    ]);
    expect(events[0]!.id).toMatch(/^partner:Invoice\.Received:INV-1\.csv:[0-9a-f]{32}:0$/);
    expect(readdirSync(inbox).sort()).toEqual(['archive', 'ignored.txt']);

    // Line 3 has a letter where the contract says number: the whole file is refused, nothing published.
    writeFileSync(join(inbox, 'INV-2.csv'), 'invoiceNumber;amount;quantity;sku\n0044;1,5;1;B\n0045;12,x;1;C\n');
    await waitFor('the bad file to reach the error directory', () => existsSync(join(inbox, 'error', 'INV-2.csv')));
    expect(await stored(backbone, topic)).toHaveLength(2);
    const letters = (await stored(backbone, 'dlq.r0-0.out')).map((m) => m.payload as unknown as DeadLetter);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      route: 'r0-0',
      target: 'out',
      kind: 'permanent',
      reason: expect.stringContaining('INV-2.csv: line 3, column amount: "12,x" is not a number with a decimal comma'),
      message: { payload: { file: 'INV-2.csv', line: 3, pickup: 'invoices' } },
    });
    expect(source.counts).toMatchObject({ files: 1, events: 2, poisoned: 1 });
  });

  it('reads X12 (one event per transaction set), EDIFACT (one per message), XML records and JSON lists; deletes when told; names the X12 segment of a bad file', async () => {
    const inbox = join(dir, 'edi');
    mkdirSync(inbox);
    const common = { directory: inbox, interval: '100ms', settle: '50ms' };
    await start(
      [
        { ...common, name: 'x12', glob: '*.x12', format: 'x12', event: 'PurchaseOrder.Received' },
        { ...common, name: 'edifact', glob: '*.edi', format: 'edifact', event: 'Orders.Received', afterPublish: 'delete' },
        { ...common, name: 'xml', glob: '*.{xml,XML}', format: 'xml', event: 'Order.Received', recordElement: 'Order' },
        { ...common, name: 'json', glob: '*.json', format: 'json', event: 'Item.Received' },
      ],
      ['PurchaseOrder.Received', 'Orders.Received', 'Order.Received', 'Item.Received'],
    );
    writeFileSync(join(inbox, 'po.x12'), X12('PO-1', 'PO-2'));
    writeFileSync(
      join(inbox, 'orders.edi'),
      readFileSync(join(import.meta.dirname, '../../fixtures/edi/ORDERS_EANCOM_D96A_una_release.edi')),
    );
    writeFileSync(
      join(inbox, 'orders.XML'),
      '<?xml version="1.0"?><Orders><Order id="1"><No>A&amp;B</No></Order><Order id="2"><No>2</No></Order></Orders>',
    );
    writeFileSync(join(inbox, 'items.json'), '[{"sku":"A"},{"sku":"B"},{"sku":"C"}]');
    writeFileSync(join(inbox, 'bad.x12'), X12('PO-3', 'PO-4', 9));
    await waitFor('all files to be taken', () => readdirSync(inbox).filter((f) => !['archive', 'error'].includes(f)).length === 0);
    const pos = await stored(backbone, 'partner.purchaseorder.received');
    expect(pos.map((p) => (p.payload.BEG as Record<string, string>).BEG03)).toEqual(['PO-1', 'PO-2']);
    const orders = await stored(backbone, 'partner.orders.received');
    expect(orders).toHaveLength(1);
    expect(orders[0]!.payload.UNH).toBeDefined();
    expect((await stored(backbone, 'partner.order.received')).map((o) => o.payload)).toEqual([
      { No: 'A&B', '@id': '1' },
      { No: '2', '@id': '2' },
    ]);
    expect(await stored(backbone, 'partner.item.received')).toHaveLength(3);
    expect(readdirSync(join(inbox, 'archive')).sort()).toEqual(['items.json', 'orders.XML', 'po.x12']);
    expect(readdirSync(join(inbox, 'error'))).toEqual(['bad.x12']);
    const letter = (await stored(backbone, 'dlq.r1-0.out'))[0]?.payload as unknown as DeadLetter;
    expect(letter.reason).toContain('segment 8: SE01 says 9 segments');
    expect(letter.message.payload).toMatchObject({ file: 'bad.x12', segment: 8, line: 8 });
  });

  it('waits for a file that is still growing, and refuses a file over maxBytes without reading it', async () => {
    const inbox = join(dir, 'sizes');
    mkdirSync(inbox);
    const { sources } = await start(
      [{ name: 'sizes', directory: inbox, format: 'json', event: 'Item.Received', maxBytes: 1000, interval: '1h', settle: '300ms' }],
      ['Item.Received'],
    );
    const source = sources[0]!;
    await waitFor('the first (empty) scan', async () => true);
    writeFileSync(join(inbox, 'growing.json'), '[{"sku":"G1"}');
    writeFileSync(join(inbox, 'huge.json'), `[${'{"sku":"x"},'.repeat(200)}{"sku":"y"}]`);
    // The writer keeps appending for as long as the scan runs, so the file is never seen at one size
    // twice, however late (on a loaded machine) the scan's two looks come.
    const growing = setInterval(() => appendFileSync(join(inbox, 'growing.json'), ' '), 20);
    try {
      await source.scan();
    } finally {
      clearInterval(growing);
    }
    appendFileSync(join(inbox, 'growing.json'), ',{"sku":"G2"}]');
    expect(readdirSync(inbox).sort()).toEqual(['error', 'growing.json']);
    expect(source.counts).toMatchObject({ files: 0, poisoned: 1 });
    await source.scan();
    expect(source.counts).toMatchObject({ files: 1, events: 2, poisoned: 1 });
    const [letter] = await stored(backbone, 'dlq.r2-0.out');
    expect((letter?.payload as unknown as DeadLetter | undefined)?.reason).toMatch(
      /huge\.json is 2\d\d\d bytes, more than maxBytes \(1000\); it was not read/,
    );
  });

  it('two scans asked for at once take each file once: no double publish, no failed move', async () => {
    const inbox = join(dir, 'together');
    mkdirSync(inbox);
    const { sources } = await start(
      [{ name: 'together', directory: inbox, format: 'json', event: 'Item.Received', interval: '1h', settle: '50ms' }],
      ['Item.Received'],
    );
    const source = sources[0]!;
    for (let i = 0; i < 5; i++) writeFileSync(join(inbox, `f${i}.json`), `[{"sku":"T${i}"}]`);
    writeFileSync(join(inbox, 'too-big.json'), `[${'{"sku":"x"},'.repeat(1_000_000)}{"sku":"y"}]`);
    // The background loop's own first scan may be running too (interval 1h, but it scans at start).
    await Promise.all([source.scan(), source.scan(), source.scan()]);
    expect(readdirSync(join(inbox, 'archive')).sort()).toEqual(['f0.json', 'f1.json', 'f2.json', 'f3.json', 'f4.json']);
    expect(readdirSync(join(inbox, 'error'))).toEqual(['too-big.json']);
    expect(source.counts).toMatchObject({ files: 5, events: 5, poisoned: 1 });
  });

  it('reads a windows-1252 CSV with grouped thousands and SAP trailing minus; a UTF-8 pickup refuses windows-1252 bytes naming their byte offset and line', async () => {
    const inbox = join(dir, 'encodings');
    const utf8Inbox = join(dir, 'encodings-utf8');
    mkdirSync(inbox);
    mkdirSync(utf8Inbox);
    const routes = running.length;
    const { sources } = await start(
      [
        {
          name: 'erp',
          directory: inbox,
          format: 'csv',
          event: 'Invoice.Received',
          contract: 'invoice@1',
          encoding: 'windows-1252',
          csv: { delimiter: ';', decimal: ',', thousands: '.' },
          interval: '100ms',
          settle: '50ms',
        },
        {
          name: 'utf8',
          directory: utf8Inbox,
          format: 'csv',
          event: 'Line.Received',
          contract: 'invoice@1',
          encoding: 'utf-8',
          csv: { delimiter: ';', decimal: ',' },
          interval: '100ms',
          settle: '50ms',
        },
      ],
      ['Invoice.Received', 'Line.Received'],
    );
    // A German ERP's export, byte for byte: ü = FC, € = 80, ß = DF.
    const windows1252 = (text: string) => Buffer.from(text.replace(/€/g, '\x80'), 'latin1');
    const erpFile = 'invoiceNumber;amount;quantity;sku\r\nMÜ-1;1.234.567,89;1.000;Müller €\r\nMÜ-2;  99,90-;2;Straße\r\n';
    writeFileSync(join(inbox, 'erp.csv'), windows1252(erpFile));
    await waitFor('the windows-1252 file to be archived', () => existsSync(join(inbox, 'archive', 'erp.csv')));
    expect((await stored(backbone, 'partner.invoice.received')).slice(-2).map((e) => e.payload)).toEqual([
      { invoiceNumber: 'MÜ-1', amount: 1234567.89, quantity: 1000, sku: 'Müller €' },
      { invoiceNumber: 'MÜ-2', amount: -99.9, quantity: 2, sku: 'Straße' },
    ]);

    // The same bytes to a pickup that expects UTF-8: refused whole, nothing published, no U+FFFD.
    writeFileSync(join(utf8Inbox, 'erp.csv'), windows1252(erpFile));
    await waitFor('the undecodable file to reach the error directory', () => existsSync(join(utf8Inbox, 'error', 'erp.csv')));
    expect(await stored(backbone, 'partner.line.received')).toEqual([]);
    const [letter] = (await stored(backbone, `dlq.r${routes}-1.out`)).map((m) => m.payload as unknown as DeadLetter);
    expect(letter?.reason).toBe(
      "erp.csv: line 2, column 2 (byte 36): bytes DC 2D are not utf-8 text; if the partner writes another encoding, set the pickup's `encoding` (windows-1252, iso-8859-1, utf-16le, utf-16be)",
    );
    expect(letter?.message.payload).toMatchObject({ file: 'erp.csv', line: 2, offset: 36, pickup: 'utf8' });
    expect(sources[1]!.counts).toMatchObject({ files: 0, events: 0, poisoned: 1 });
    expect(sources[0]!.counts).toMatchObject({ files: 1, events: 2, poisoned: 0 });
  });

  it.skipIf(sshSkip !== undefined)('picks CSV files up over SFTP from a real OpenSSH server and archives them there', async () => {
    if (!sshd) throw new Error('no sshd');
    const inbox = join(sshd.root, 'inbound');
    mkdirSync(inbox);
    await start(
      [
        {
          name: 'sftp',
          directory: inbox,
          url: sshd.url,
          sftp: { secretRef: { name: 'partner-sftp' }, hostKey: sshd.hostPublicKey },
          format: 'csv',
          event: 'Invoice.Received',
          contract: 'invoice@1',
          interval: '100ms',
          settle: '50ms',
        },
      ],
      ['Invoice.Received'],
      { PARTNER_SFTP_PRIVATE_KEY: sshd.privateKey },
    );
    writeFileSync(join(inbox, 'INV-9.csv'), 'invoiceNumber,amount\nINV-9,12.25\n');
    await waitFor('the file to be archived on the server', () => existsSync(join(inbox, 'archive', 'INV-9.csv')));
    const events = await stored(backbone, 'partner.invoice.received');
    expect(events.at(-1)?.payload).toEqual({ invoiceNumber: 'INV-9', amount: 12.25 });
  });
});
