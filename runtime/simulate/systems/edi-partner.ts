/**
 * The trading partner (Northwind, X12 4010 VICS over SFTP in production). Interlace's edi-x12 targets
 * write interchanges into its inbound directory (`inbound`, the SFTP home's drop folder; under
 * `interlace run` a local folder); it picks each file up, answers with a 997 (in `outbound`, kept as a
 * document) and handles each transaction set. As a supplier it receives our purchase orders (850s)
 * and answers each with an 856 ship notice a little later (ShipNotice.Received, x12-856@1 — the
 * BSN/HL S-O-I shape of the fixture specs/fixtures/erp/x12/856_ASN_4060_node-x12.edi). As a customer
 * it receives our 856s and sends us 850s (PurchaseOrder.Received). Once the estate's file pickup of
 * its `outbound` folder runs (`sendFiles(true)`, wired by `interlace run`), its 850s and 856s go out as
 * X12 files there — one interchange per flush, a PO group and an SH group when both are waiting — next
 * to its 997s, and the 997s Interlace writes back into `inbound` are read (not answered: a 997 is never
 * acknowledged); before that, its events are published directly. `POST /850` and `POST /856` (JSON or
 * raw X12) still work for a System spoken over an HTTP gateway. Every document is kept as X12 text too.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EdiLoop } from '../../../generators/edi/loop-builder.ts';
import { acknowledge, readAcknowledgement } from '../../../generators/edi/x12-997.ts';
import { x12Interchange } from '../../../generators/edi/x12-envelope.ts';
import { DEFAULT_X12_DELIMITERS, writeX12 } from '../../../generators/edi/x12-write.ts';
import { parseX12 } from '../../../generators/edi/x12-parse.ts';
import { SimServer, route } from '../sim-http.ts';
import type { SimReply, SimRequest } from '../sim-http.ts';
import { decimal, x12Date } from '../odata.ts';
import { SKUS, SUPPLIER, skuOf } from '../world.ts';
import { later, newLedger } from '../system.ts';
import type { SimContext, SimSystem } from '../system.ts';
import { x12Text } from '../x12-text.ts';
import { runScopedStart } from '../run-epoch.ts';

type Entity = Record<string, unknown>;

const OUR_ID = '999999999';

/** The partner's envelope for what it sends us (its ISA06 = its X12 id, ours as receiver). */
const PARTNER_SETTINGS = {
  senderQualifier: '01',
  senderId: SUPPLIER.x12Id,
  receiverQualifier: '01',
  receiverId: OUR_ID,
  applicationSenderId: SUPPLIER.x12Id,
  applicationReceiverId: OUR_ID,
  version: '004010VICS',
  interchangeVersion: '00401',
  usage: 'P' as const,
  acknowledgementRequested: false,
  delimiters: DEFAULT_X12_DELIMITERS,
};

export class EdiPartner implements SimSystem {
  readonly name = 'edi-partner';
  readonly ledger = newLedger();
  readonly server: SimServer;
  /** Documents by `<set>:<id>`, as X12 text. */
  readonly documents = new Map<string, string>();
  readonly purchaseOrders = new Map<string, Entity>();
  readonly shipNoticesSent = new Map<string, Entity>();
  readonly shipNoticesReceived = new Map<string, Entity>();
  /**
   * Share of lines shipped short (confirmed quantity below ordered, the ordered quantity in SN105):
   * such a notice is a partial confirmation, and the supplier shortfall reaches operations.
   */
  shortShipShare = 0.2;
  /** Where Interlace drops interchanges for the partner, and where the partner's 997s go. */
  readonly inbound: string | undefined;
  readonly outbound: string | undefined;
  /** Interchanges picked up from `inbound`, and 997s sent back (by AK9 status). */
  readonly interchanges = { received: 0, acknowledged: 0, rejected: 0 };
  /** Files it sent us (`outbound`, 850/856 interchanges), and the 997s Interlace sent back for them, by AK9 status. */
  readonly sent = { files: 0, transactionSets: 0, acknowledgedByUs: 0, rejectedByUs: 0 };
  /** Transaction sets waiting for the next file (send mode `files`). */
  private readonly outbox: { setId: string; tx: Entity }[] = [];
  private filesMode = false;
  /** ISA13 of the files it sends: from the run's block (run-epoch.ts), so a new run never reuses one an earlier run's state has answered. */
  private nextFileControl: number;
  private poller: ReturnType<typeof setInterval> | undefined;
  /** ISA13 (at most 9 digits) of the interchanges it renders over HTTP; per-run block as above. */
  private nextControl: number;
  private nextAsn: number;
  private nextCustomerPo = 1;
  private readonly ctx: SimContext;

  /** `home`: the partner's file-exchange folder (`inbound/`, `outbound/`); undefined: HTTP only. */
  constructor(ctx: SimContext, port: number, home?: string) {
    this.ctx = ctx;
    const epoch = ctx.runEpoch ?? 0;
    // Both are the supplier's ISA13s: the HTTP interchanges take the lower half of the run's block, files the upper.
    this.nextControl = runScopedStart(1, epoch);
    this.nextFileControl = runScopedStart(500_001, epoch);
    this.nextAsn = runScopedStart(829_716, epoch);
    if (home) {
      this.inbound = join(home, 'inbound');
      this.outbound = join(home, 'outbound');
    }
    this.server = new SimServer({
      name: this.name,
      port,
      state: () => this.state(),
      routes: [
        route('POST', '/850', (r) => this.receive850(r)),
        route('POST', '/856', (r) => this.receive856(r)),
        route('GET', '/documents/(?<id>[^/]+)', (r) => {
          const text = this.documents.get(decodeURIComponent(r.params.id!));
          return text ? { status: 200, text } : { status: 404, body: { error: 'no such document' } };
        }),
      ],
    });
  }

  /** Picks up the interchanges Interlace drops (every 50 ms). */
  async start(): Promise<void> {
    if (!this.inbound || !this.outbound) return;
    mkdirSync(join(this.inbound, 'processed'), { recursive: true });
    mkdirSync(this.outbound, { recursive: true });
    this.poller = setInterval(() => {
      this.pickUp();
      this.flush();
    }, 50);
    this.poller.unref();
  }

  async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    this.pickUp();
    this.flush();
  }

  /**
   * `true`: the estate picks files up from `outbound`, so 850s and 856s go out as X12 files there;
   * `false`: they are published directly (no pickup runs, or no drop folder).
   */
  sendFiles(on: boolean): void {
    this.filesMode = on && this.outbound !== undefined;
    if (!this.filesMode) {
      for (const { setId, tx } of this.outbox.splice(0)) this.emit(setId, tx);
    }
  }

  /** Documents written or waiting that the estate has not picked up yet (files in `outbound`, sets in the outbox). */
  unpicked(): number {
    if (!this.outbound || !this.filesMode) return 0;
    let files = 0;
    try {
      for (const name of readdirSync(this.outbound)) if (!name.startsWith('.') && statSync(join(this.outbound, name)).isFile()) files++;
    } catch {
      return this.outbox.length;
    }
    return files + this.outbox.length;
  }

  /** One of its transaction sets for Interlace: into the next file, or published directly. */
  private send(setId: '850' | '856', tx: Entity): void {
    if (this.filesMode) this.outbox.push({ setId, tx });
    else this.emit(setId, tx);
  }

  private emit(setId: string, tx: Entity): void {
    if (setId === '856') {
      const asn = String((tx.BSN as Entity).BSN02);
      this.ctx.publisher.emit({ system: this.name, event: 'ShipNotice.Received', key: asn, id: `${this.ctx.runTag}:${asn}`, payload: tx });
    } else {
      const po = String((tx.BEG as Entity).BEG03);
      this.ctx.publisher.emit({ system: this.name, event: 'PurchaseOrder.Received', key: po, id: po, payload: tx });
    }
  }

  /**
   * Writes what is waiting as one interchange in `outbound` (a PO group, an SH group), renamed into place
   * so a pickup never reads half a file.
   */
  private flush(): void {
    if (!this.outbound || this.outbox.length === 0) return;
    const waiting = this.outbox.splice(0);
    const control = this.nextFileControl++;
    const at = new Date();
    const groups = (['850', '856'] as const).flatMap((setId, i) => {
      const sets = waiting.filter((w) => w.setId === setId).map((w) => w.tx as EdiLoop);
      if (sets.length === 0) return [];
      // Each group its own GS06 (the interchange's control number, then +1 for the second group).
      return x12Interchange(PARTNER_SETTINGS, setId, sets, control * 10 + i, at).groups;
    });
    const interchange = { ...x12Interchange(PARTNER_SETTINGS, '850', [], control, at), groups };
    const name = `NW_${String(control).padStart(9, '0')}.x12`;
    const part = join(this.outbound, `.${name}.part`);
    writeFileSync(part, writeX12(interchange, { lineBreaks: true }));
    renameSync(part, join(this.outbound, name));
    this.sent.files++;
    this.sent.transactionSets += waiting.length;
  }

  /** Reads each complete interchange (writers rename into place; dot files are still being written). */
  private pickUp(): void {
    if (!this.inbound || !this.outbound) return;
    for (const name of readdirSync(this.inbound)) {
      if (name.startsWith('.') || name === 'processed') continue;
      const path = join(this.inbound, name);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
        renameSync(path, join(this.inbound, 'processed', name));
      } catch {
        continue; // replaced or taken in the meantime: the next round sees it
      }
      const answer = acknowledge(text);
      // Interlace's 997s for the files it sent: read, never acknowledged (nobody answers a 997).
      const parsed997 = parseX12(text, { positions: false });
      let acks = 0;
      for (const group of parsed997.value?.groups ?? []) {
        if (group.GS.GS01 !== 'FA') continue;
        for (const tx of group.transactions) {
          const ack = readAcknowledgement(tx);
          if (!ack) continue;
          acks++;
          if (ack.status === 'A' || ack.status === 'E') this.sent.acknowledgedByUs++;
          else this.sent.rejectedByUs++;
        }
      }
      if (acks > 0 && answer.acknowledgements.every((a) => a.functionalId === 'FA')) continue;
      this.interchanges.received++;
      for (const ack of answer.acknowledgements.filter((a) => a.functionalId !== 'FA')) {
        if (ack.status === 'A') this.interchanges.acknowledged++;
        else this.interchanges.rejected++;
        const reply = x12Text(ack.transaction, { sender: SUPPLIER.x12Id, receiver: OUR_ID, control: this.nextControl++, setId: '997' });
        writeFileSync(join(this.outbound, `997_${ack.groupControl}.x12`), reply);
        this.documents.set(`997:${ack.groupControl}`, reply);
      }
      const parsed = parseX12(text, { positions: false });
      for (const group of parsed.value?.groups ?? [])
        for (const tx of group.transactions) {
          const set = String((tx.ST as Entity | undefined)?.ST01 ?? '');
          if (set === '850') this.handle850(tx as Entity, text, undefined);
          else if (set === '856') this.handle856(tx as Entity, text, undefined);
        }
    }
  }

  state(): Record<string, unknown> {
    return {
      interchanges: { ...this.interchanges },
      sent: { ...this.sent },
      purchaseOrdersReceived: this.purchaseOrders.size,
      shipNoticesSent: this.shipNoticesSent.size,
      shipNoticesReceived: this.shipNoticesReceived.size,
      ...this.ledger.snapshot(),
    };
  }

  /** JSON body, or raw X12 text (its first transaction set). */
  private transaction(r: SimRequest, set: string): Entity | string {
    if (r.body && typeof r.body === 'object') return r.body as Entity;
    if (r.text.startsWith('ISA')) {
      const parsed = parseX12(r.text);
      const tx = parsed.value?.groups[0]?.transactions[0] as Entity | undefined;
      if (!tx) return `the X12 interchange has no ${set}: ${parsed.problems.map((p) => p.message).join('; ')}`;
      return tx;
    }
    return `expected an X12 ${set} (JSON or X12 text)`;
  }

  private receive850(r: SimRequest): SimReply {
    const tx = this.transaction(r, '850');
    if (typeof tx === 'string') return { status: 400, body: { error: 'AS2-MDN: processing-error', message: tx } };
    const problem = this.handle850(tx, undefined, r.idempotencyKey);
    if (problem) return { status: 400, body: { error: 'AS2-MDN: processing-error', message: problem } };
    // The MDN: the AS2 receipt, not yet the business answer (that is the 856).
    return {
      status: 200,
      body: { mdn: 'processed', originalMessageId: r.idempotencyKey ?? String((tx.BEG as Entity | undefined)?.BEG03) },
    };
  }

  /** Takes a purchase order (from a file or a request); returns the problem when it cannot. */
  private handle850(tx: Entity, text: string | undefined, idempotencyKey: string | undefined): string | undefined {
    const beg = tx.BEG as Entity | undefined;
    const poNumber = String(beg?.BEG03 ?? '');
    const lines = (tx.PO1Loop as Entity[] | undefined) ?? [];
    if (!poNumber || lines.length === 0) return '850 without BEG03 or PO1 lines (997 AK5*R)';
    this.ledger.record('850', poNumber, idempotencyKey);
    this.purchaseOrders.set(poNumber, tx);
    this.documents.set(
      `850:${poNumber}`,
      text ?? x12Text(tx, { sender: OUR_ID, receiver: SUPPLIER.x12Id, control: this.nextControl++, setId: '850' }),
    );
    later(this.ctx.timing.shipNoticeMs, () => this.shipAgainst(poNumber, String(beg?.BEG05 ?? x12Date(Date.now())), lines));
    return undefined;
  }

  /** Ships what the PO asked for (a share of lines short) and sends the 856. */
  private shipAgainst(poNumber: string, poDate: string, lines: Entity[]): void {
    const asn = String(this.nextAsn++);
    const now = Date.now();
    const items = lines.map((loop, i) => {
      const po1 = loop.PO1 as Entity;
      const sku = skuOf(String(po1.PO107 ?? '')) ?? SKUS.find((s) => s.vendorPart === po1.PO111) ?? SKUS[0]!;
      const ordered = Number(po1.PO102);
      const shipped = this.ctx.world.random() < this.shortShipShare ? Math.max(1, ordered - 1) : ordered;
      return { sku, ordered, shipped, line: String(po1.PO101 ?? i + 1) };
    });
    const totalQty = items.reduce((s, x) => s + x.shipped, 0);
    const weightLb = items.reduce((s, x) => s + x.sku.grossWeightKg * 2.2046 * x.shipped, 0);
    let hl = 3;
    const notice: Entity = {
      ST: { ST01: '856', ST02: String(this.nextControl).padStart(4, '0') },
      BSN: {
        BSN01: '00',
        BSN02: asn,
        BSN03: x12Date(now),
        BSN04: new Date(now).toISOString().slice(11, 19).replaceAll(':', ''),
        BSN05: '0001',
      },
      HLLoop: [
        {
          HL: { HL01: '1', HL03: 'S' },
          TD1: [{ TD101: 'PCS', TD102: String(items.length), TD106: 'A3', TD107: decimal(weightLb, 3), TD108: 'LB' }],
          TD5: [{ TD502: '2', TD503: 'NWSP', TD505: 'Northwind Freight' }],
          REF: [
            { REF01: 'BM', REF02: `NW-${asn}-001` },
            { REF01: 'CN', REF02: String(5_787_970_000 + (Number(asn) % 100_000)) },
          ],
          DTM: [{ DTM01: '011', DTM02: x12Date(now) }],
          N1Loop: [
            { N1: { N101: 'SH', N102: SUPPLIER.name }, N3: [{ N301: '31875 SOLON RD' }], N4: { N401: 'SOLON', N402: 'OH', N403: '44139' } },
            {
              N1: { N101: 'SF', N102: SUPPLIER.name, N103: '1', N104: SUPPLIER.x12Id },
              N3: [{ N301: '31875 SOLON ROAD' }],
              N4: { N401: 'SOLON', N402: 'OH', N403: '44139' },
            },
          ],
          HLLoop: [
            {
              HL: { HL01: '2', HL02: '1', HL03: 'O' },
              PRF: { PRF01: poNumber, PRF04: poDate },
              HLLoop: items.map((x) => ({
                HL: { HL01: String(hl++), HL02: '2', HL03: 'I' },
                LIN: { LIN01: x.line, LIN02: 'VP', LIN03: x.sku.vendorPart, LIN04: 'UP', LIN05: x.sku.gtin },
                // A short line names what was ordered (SN105/SN106), as suppliers do on a partial shipment.
                SN1:
                  x.shipped < x.ordered
                    ? { SN101: x.line, SN102: String(x.shipped), SN103: 'EA', SN105: String(x.ordered), SN106: 'EA' }
                    : { SN101: x.line, SN102: String(x.shipped), SN103: 'EA' },
                PO4: { PO401: '1', PO402: String(x.shipped), PO403: 'EA' },
                PID: [{ PID01: 'F', PID05: x.sku.description.toUpperCase() }],
              })),
            },
          ],
        },
      ],
      CTT: { CTT01: String(hl - 1), CTT02: String(totalQty) },
      SE: { SE01: String(8 + items.length * 5), SE02: String(this.nextControl).padStart(4, '0') },
    };
    this.shipNoticesSent.set(asn, notice);
    this.documents.set(
      `856:${asn}`,
      x12Text(notice, { sender: SUPPLIER.x12Id, receiver: OUR_ID, control: this.nextControl++, setId: '856' }),
    );
    this.send('856', notice);
  }

  private receive856(r: SimRequest): SimReply {
    const tx = this.transaction(r, '856');
    if (typeof tx === 'string') return { status: 400, body: { error: 'AS2-MDN: processing-error', message: tx } };
    const problem = this.handle856(tx, undefined, r.idempotencyKey);
    if (problem) return { status: 400, body: { error: 'AS2-MDN: processing-error', message: problem } };
    return {
      status: 200,
      body: { mdn: 'processed', originalMessageId: r.idempotencyKey ?? String((tx.BSN as Entity | undefined)?.BSN02) },
    };
  }

  /** Takes a ship notice of ours (from a file or a request); returns the problem when it cannot. */
  private handle856(tx: Entity, text: string | undefined, idempotencyKey: string | undefined): string | undefined {
    const id = String((tx.BSN as Entity | undefined)?.BSN02 ?? '');
    if (!id) return '856 without BSN02';
    this.ledger.record('856', id, idempotencyKey);
    this.shipNoticesReceived.set(id, tx);
    this.documents.set(
      `856-in:${id}`,
      text ?? x12Text(tx, { sender: OUR_ID, receiver: SUPPLIER.x12Id, control: this.nextControl++, setId: '856' }),
    );
    return undefined;
  }

  /** As a customer: sends us `count` 850s (PurchaseOrder.Received) for US01 items. */
  sendPurchaseOrders(count: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const po = `NW${this.ctx.runTag}${String(this.nextCustomerPo++).padStart(5, '0')}`;
      const items = SKUS.filter((s) => s.warehouse === 'US01').slice(0, 2);
      const tx: Entity = {
        ST: { ST01: '850', ST02: String(this.nextControl).padStart(4, '0') },
        BEG: { BEG01: '00', BEG02: 'SA', BEG03: po, BEG05: x12Date(Date.now()) },
        PO1Loop: items.map((s, n) => ({
          PO1: {
            PO101: String(n + 1),
            PO102: String(2 + n),
            PO103: 'EA',
            PO104: decimal(s.unitPrice),
            PO105: 'TE',
            PO106: 'BP',
            PO107: s.sku,
            PO110: 'VN',
            PO111: s.vendorPart,
          },
          PID: [{ PID01: 'F', PID05: s.description }],
        })),
        CTTLoop: [{ CTT: { CTT01: String(items.length) } }],
        SE: { SE01: String(4 + items.length * 2), SE02: String(this.nextControl++).padStart(4, '0') },
      };
      this.send('850', tx);
      ids.push(po);
    }
    return ids;
  }
}
