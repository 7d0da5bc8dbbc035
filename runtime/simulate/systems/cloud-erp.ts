/**
 * The cloud ERP: Business Central's API v2.0 (`/companies({id})/items|salesOrders|purchaseOrders`,
 * `{"@odata.context", "value": [...]}` collections, `@odata.etag` on every entity), plus the
 * Interlace logistics extension (`/api/interlace/logistics/v1.0/companies({id})/shipments|receipts`)
 * that books canonical shipments and receipts into the item ledger.
 *
 * Events: PurchaseOrder.Released (bc-purchase-order@1) shortly after a purchase order is created,
 * Item.Changed (bc-item@1) when an item's inventory moves, ItemLedgerEntry.Created
 * (bc-item-ledger-entry@1) for every ledger entry. Business Central does not push them: the events the
 * estate polls (`System.spec.sources.poll`, `polled`) are left in the collections for the poller, which
 * reads them as the real API answers (odata-collection.ts: `$filter` on `lastModifiedDateTime`,
 * `$orderby`, `$expand=purchaseOrderLines`, server pages with `@odata.nextLink`); the others are
 * published directly as before. `unpolled()` counts changes no poll has read yet, so a run does not
 * settle before the poller has seen them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SimServer, route } from '../sim-http.ts';
import type { SimReply, SimRequest } from '../sim-http.ts';
import { isoDate } from '../odata.ts';
import { queryODataCollection } from '../odata-collection.ts';
import type { ODataCollectionOptions } from '../odata-collection.ts';
import { INITIAL_STOCK, SKUS, SUPPLIER, WAREHOUSES, skuOf } from '../world.ts';
import { later, newLedger } from '../system.ts';
import type { SimContext, SimSystem } from '../system.ts';
import { runScopedStart } from '../run-epoch.ts';

type Entity = Record<string, unknown>;

export const BC_COMPANY_ID = 'a1b2c3d4-0000-4000-8000-00000000c0de';
const COMPANY = `/companies\\((?<company>[^)]+)\\)`;

/** Items existed long before the run: their last change is older than any poll's `since`. */
const ITEMS_CREATED = '2025-01-01T00:00:00.000Z';

/** Rows per page the simulated API sends at most (Business Central's is larger; a small one makes the poller page). */
const SERVER_PAGE_SIZE = 50;

/** The collections the poller reads, as OData V4 (the fields `$filter` and `$orderby` may name). */
const COLLECTIONS: Record<string, Omit<ODataCollectionOptions, 'maxPageSize' | 'version'>> = {
  items: {
    key: ['id'],
    fields: { id: 'string', number: 'string', type: 'string', blocked: 'boolean', lastModifiedDateTime: 'DateTimeOffset' },
  },
  salesOrders: { key: ['id'], fields: { id: 'string', number: 'string', status: 'string', lastModifiedDateTime: 'DateTimeOffset' } },
  purchaseOrders: {
    key: ['id'],
    fields: { id: 'string', number: 'string', status: 'string', vendorNumber: 'string', lastModifiedDateTime: 'DateTimeOffset' },
    navigation: ['purchaseOrderLines'],
  },
  itemLedgerEntries: {
    key: ['id'],
    fields: { id: 'string', entryNumber: 'number', itemNumber: 'string', entryType: 'string', lastModifiedDateTime: 'DateTimeOffset' },
  },
};

/** Which collection a polled event's change is a row of. */
const EVENT_SETS: Record<string, string> = {
  'Item.Changed': 'items',
  'PurchaseOrder.Released': 'purchaseOrders',
  'ItemLedgerEntry.Created': 'itemLedgerEntries',
};

function etag(entity: Entity): string {
  const digest = createHash('sha256')
    .update(JSON.stringify({ ...entity, '@odata.etag': undefined }))
    .digest('base64')
    .slice(0, 40);
  return `W/"JzQ0O${digest}MTswMDsn"`;
}

export class CloudErp implements SimSystem {
  readonly name = 'cloud-erp';
  readonly ledger = newLedger();
  readonly server: SimServer;
  /** Items by number; `inventory` is company-wide (all warehouses). */
  readonly items = new Map<string, Entity>();
  readonly purchaseOrders = new Map<string, Entity>();
  readonly salesOrders = new Map<string, Entity>();
  readonly shipments: Entity[] = [];
  readonly receipts: Entity[] = [];
  readonly ledgerEntries: Entity[] = [];
  // Per-run blocks (run-epoch.ts): a second run on one store issues new purchase order and entry numbers.
  private nextPurchaseOrder: number;
  private nextEntry: number;
  private readonly ctx: SimContext;
  private readonly polled: ReadonlySet<string>;
  /** `<set>|<id>` → the last-modified time of a change no poll has read yet. */
  private readonly unread = new Map<string, number>();
  private lastModifiedMs = 0;

  /** `polled`: the events the estate polls (not pushed; left for the poller). */
  constructor(ctx: SimContext, port: number, polled: ReadonlySet<string> = new Set()) {
    this.ctx = ctx;
    this.nextPurchaseOrder = runScopedStart(106_001, ctx.runEpoch ?? 0);
    this.nextEntry = runScopedStart(1, ctx.runEpoch ?? 0);
    this.polled = polled;
    for (const s of SKUS) {
      const item: Entity = {
        id: s.bcId,
        number: s.sku,
        displayName: s.description,
        type: 'Inventory',
        itemCategoryId: '00000000-0000-0000-0000-000000000000',
        itemCategoryCode: s.warehouse === 'US01' ? 'FURNITURE' : 'BIKES',
        blocked: false,
        gtin: s.gtin,
        // Company-wide: the Business Central company covers every warehouse.
        inventory: INITIAL_STOCK * WAREHOUSES.filter((w) => w.code === s.warehouse).length,
        unitPrice: s.unitPrice,
        priceIncludesTax: false,
        unitCost: s.unitCost,
        taxGroupId: '00000000-0000-0000-0000-000000000000',
        taxGroupCode: 'NONTAXABLE',
        baseUnitOfMeasureId: '00000000-0000-0000-0000-000000000000',
        baseUnitOfMeasureCode: 'PCS',
        lastModifiedDateTime: ITEMS_CREATED,
      };
      item['@odata.etag'] = etag(item);
      this.items.set(s.sku, item);
    }
    this.server = new SimServer({
      name: this.name,
      port,
      authHeader: 'authorization',
      tokenEndpoint: true,
      state: () => this.state(),
      routes: [
        route('GET', `${COMPANY}/items`, (r) => this.list(r, [...this.items.values()], 'items')),
        route('GET', `${COMPANY}/salesOrders`, (r) => this.list(r, [...this.salesOrders.values()], 'salesOrders')),
        route('GET', `${COMPANY}/purchaseOrders`, (r) => this.list(r, [...this.purchaseOrders.values()], 'purchaseOrders')),
        route('GET', `${COMPANY}/itemLedgerEntries`, (r) => this.list(r, this.ledgerEntries, 'itemLedgerEntries')),
        route('POST', `/api/interlace/logistics/v1.0${COMPANY}/shipments`, (r) => this.shipment(r)),
        route('POST', `/api/interlace/logistics/v1.0${COMPANY}/receipts`, (r) => this.receipt(r)),
        route('POST', `${COMPANY}/purchaseOrders`, (r) => this.createPurchaseOrder(r)),
        route('DELETE', `${COMPANY}/purchaseOrders\\((?<id>[^)]+)\\)`, (r) => this.deletePurchaseOrder(r)),
      ],
    });
  }

  state(): Record<string, unknown> {
    return {
      purchaseOrders: this.purchaseOrders.size,
      shipments: this.shipments.length,
      receipts: this.receipts.length,
      ledgerEntries: this.ledgerEntries.length,
      ...this.ledger.snapshot(),
    };
  }

  /** Company-wide inventory per SKU, for the divergence check (the WMS summed over warehouses). */
  inventoryBySku(): Map<string, number> {
    return new Map([...this.items].map(([sku, item]) => [sku, Number(item.inventory)]));
  }

  private wrongCompany(r: SimRequest): SimReply | undefined {
    if (r.params.company === BC_COMPANY_ID) return undefined;
    return {
      status: 404,
      body: {
        error: { code: 'BadRequest_ResourceNotFound', message: `Resource not found for the segment 'companies(${r.params.company})'.` },
      },
    };
  }

  /** Changes of polled events no poll has read yet (the run waits for them before it settles). */
  unpolled(): number {
    return this.unread.size;
  }

  /**
   * The time of a change: now, but never the same millisecond twice — two changes of one row in one
   * millisecond would look like one to a watermark, as a database's commit timestamps never do.
   */
  private modifiedNow(): string {
    this.lastModifiedMs = Math.max(Date.now(), this.lastModifiedMs + 1);
    return new Date(this.lastModifiedMs).toISOString();
  }

  /** Publishes an event directly, or — when the estate polls it — leaves the change for the poller. */
  private emit(event: string, key: string, id: string, payload: Entity): void {
    const set = EVENT_SETS[event];
    if (set && this.polled.has(event)) {
      this.unread.set(`${set}|${String(payload.id)}`, Date.parse(String(payload.lastModifiedDateTime)));
      return;
    }
    this.ctx.publisher.emit({ system: this.name, event, key, id, payload });
  }

  private list(r: SimRequest, rows: Entity[], set: string): SimReply {
    const wrong = this.wrongCompany(r);
    if (wrong) return wrong;
    const search = r.query.toString();
    const reply = queryODataCollection(rows, new URL(`${this.server.origin}${r.path}${search ? `?${search}` : ''}`), {
      version: 'v4',
      maxPageSize: SERVER_PAGE_SIZE,
      ...COLLECTIONS[set]!,
    });
    const body = reply.body as { value?: Entity[] } | undefined;
    // A poller's query (ordered by the watermark) has read the rows it got: their changes are no longer unread.
    if (body?.value && (r.query.get('$orderby') ?? '').startsWith('lastModifiedDateTime')) {
      for (const row of body.value) {
        const unread = this.unread.get(`${set}|${String(row.id)}`);
        if (unread !== undefined && Date.parse(String(row.lastModifiedDateTime)) >= unread) this.unread.delete(`${set}|${String(row.id)}`);
      }
    }
    if (reply.status !== 200 || !body) return reply;
    return {
      ...reply,
      body: { '@odata.context': `${this.server.origin}/api/v2.0/$metadata#companies(${BC_COMPANY_ID})/${set}`, ...body },
    };
  }

  private createPurchaseOrder(r: SimRequest): SimReply {
    const wrong = this.wrongCompany(r);
    if (wrong) return wrong;
    const body = r.body as Entity | undefined;
    if (!body || body.vendorNumber !== SUPPLIER.number) {
      return {
        status: 400,
        body: {
          error: {
            code: 'Internal_RecordNotFound',
            message: `The Vendor does not exist. Identification fields and values: No.='${String(body?.vendorNumber)}'`,
          },
        },
      };
    }
    const lines = (body.purchaseOrderLines as Entity[] | undefined) ?? [];
    // Business Central has no idempotency: the same proposal posted twice is two purchase orders.
    const contentKey = createHash('sha256')
      .update(JSON.stringify([body.vendorNumber, body.orderDate, body.requestedReceiptDate, lines]))
      .digest('hex')
      .slice(0, 16);
    this.ledger.record('purchase-order', contentKey, r.idempotencyKey);
    const number = String(this.nextPurchaseOrder++);
    const id = randomUUID();
    const now = new Date();
    let total = 0;
    const poLines = lines.map((line, i) => {
      const sku = skuOf(String(line.lineObjectNumber));
      const cost = sku?.unitCost ?? 0;
      total += cost * Number(line.quantity);
      return {
        id: randomUUID(),
        sequence: (i + 1) * 10_000,
        lineType: String(line.lineType ?? 'Item'),
        lineObjectNumber: String(line.lineObjectNumber ?? ''),
        description: sku?.description ?? '',
        unitOfMeasureCode: 'PCS',
        quantity: Number(line.quantity),
        directUnitCost: cost,
        expectedReceiptDate: String(line.expectedReceiptDate ?? body.requestedReceiptDate ?? isoDate(now.getTime())),
        receivedQuantity: 0,
      };
    });
    const dest = lines[0]
      ? this.ctx.world.replenishmentDestination(
          String(lines[0].lineObjectNumber),
          Number(lines[0].quantity),
          String(body.requestedReceiptDate ?? ''),
        )
      : undefined;
    if (dest) this.ctx.world.poDestination.set(number, dest);
    const po: Entity = {
      id,
      number,
      orderDate: String(body.orderDate ?? isoDate(now.getTime())),
      postingDate: isoDate(now.getTime()),
      dueDate: String(body.requestedReceiptDate ?? isoDate(now.getTime())),
      vendorId: 'eeeeeeee-4444-5555-6666-ffffffffffff',
      vendorNumber: SUPPLIER.number,
      vendorName: SUPPLIER.name,
      payToName: SUPPLIER.name,
      payToVendorId: 'eeeeeeee-4444-5555-6666-ffffffffffff',
      payToVendorNumber: SUPPLIER.number,
      shipToName: 'Interlace Distribution Inc.',
      shipToContact: '',
      buyFromAddressLine1: '31875 Solon Rd',
      buyFromAddressLine2: '',
      buyFromCity: 'Solon',
      buyFromCountry: 'US',
      buyFromState: 'OH',
      buyFromPostCode: '44139',
      shipToAddressLine1: '100 Day Drive',
      shipToAddressLine2: '',
      shipToCity: 'Chicago',
      shipToCountry: 'US',
      shipToState: 'IL',
      shipToPostCode: '61236',
      payToAddressLine1: '31875 Solon Rd',
      payToAddressLine2: '',
      payToCity: 'Solon',
      payToCountry: 'US',
      payToState: 'OH',
      payToPostCode: '44139',
      currencyId: '00000000-0000-0000-0000-000000000000',
      currencyCode: String(body.currencyCode ?? 'USD'),
      pricesIncludeTax: false,
      paymentTermsId: '00000000-0000-0000-0000-000000000000',
      shipmentMethodId: '00000000-0000-0000-0000-000000000000',
      purchaser: String(body.purchaser ?? ''),
      requestedReceiptDate: String(body.requestedReceiptDate ?? ''),
      discountAmount: 0,
      discountAppliedBeforeTax: true,
      totalAmountExcludingTax: Math.round(total * 100) / 100,
      totalTaxAmount: 0,
      totalAmountIncludingTax: Math.round(total * 100) / 100,
      fullyReceived: false,
      status: 'Draft',
      lastModifiedDateTime: this.modifiedNow(),
      purchaseOrderLines: poLines,
    };
    po['@odata.etag'] = etag(po);
    this.purchaseOrders.set(number, po);
    // A purchasing agent (or an approval workflow) releases the order shortly after.
    later(this.ctx.timing.releaseMs, () => {
      po.status = 'Released';
      po.lastModifiedDateTime = this.modifiedNow();
      po['@odata.etag'] = etag(po);
      this.emit('PurchaseOrder.Released', number, `${number}:released`, po);
    });
    const { purchaseOrderLines: _lines, ...header } = po;
    return {
      status: 201,
      body: { '@odata.context': `${this.server.origin}/api/v2.0/$metadata#companies(${BC_COMPANY_ID})/purchaseOrders/$entity`, ...header },
    };
  }

  /** Deletes (cancels) a purchase order by its id, as BC's API does: 204, or 404 for an unknown one. */
  private deletePurchaseOrder(r: SimRequest): SimReply {
    const wrong = this.wrongCompany(r);
    if (wrong) return wrong;
    const entry = [...this.purchaseOrders].find(([, po]) => po.id === r.params.id);
    if (!entry) return { status: 404, body: { error: { code: 'BadRequest_NotFound', message: `purchaseOrder ${r.params.id} not found` } } };
    this.ledger.record('purchase-order-cancelled', entry[0], r.idempotencyKey);
    this.purchaseOrders.delete(entry[0]);
    return { status: 204 };
  }

  private post(
    sku: string,
    quantity: number,
    entryType: string,
    document: string,
    documentType: string,
    source: { number: string; type: string },
  ): void {
    const item = this.items.get(sku);
    const catalog = skuOf(sku);
    if (!item || !catalog) return;
    item.inventory = Number(item.inventory) + quantity;
    item.lastModifiedDateTime = this.modifiedNow();
    item['@odata.etag'] = etag(item);
    const entryNumber = this.nextEntry++;
    const entry: Entity = {
      id: randomUUID(),
      entryNumber,
      itemNumber: sku,
      postingDate: isoDate(Date.now()),
      entryType,
      sourceNumber: source.number,
      sourceType: source.type,
      documentNumber: document,
      documentType,
      description: catalog.description,
      quantity,
      salesAmountActual: entryType === 'Sale' ? Math.round(-quantity * catalog.unitPrice * 100) / 100 : 0,
      costAmountActual: Math.round(quantity * catalog.unitCost * 100) / 100,
      lastModifiedDateTime: this.modifiedNow(),
    };
    entry['@odata.etag'] = etag(entry);
    this.ledgerEntries.push(entry);
    this.emit('ItemLedgerEntry.Created', String(entryNumber), `${entryNumber}`, entry);
    this.emit('Item.Changed', String(item.id), `${String(item.id)}:${entryNumber}`, { ...item });
  }

  private shipment(r: SimRequest): SimReply {
    const wrong = this.wrongCompany(r);
    if (wrong) return wrong;
    const shipment = r.body as Entity | undefined;
    const number = String(shipment?.shipmentNumber ?? '');
    if (!number || !Array.isArray(shipment?.lines))
      return { status: 400, body: { error: { code: 'BadRequest', message: 'shipmentNumber and lines are required' } } };
    this.ledger.record('shipment', number, r.idempotencyKey);
    this.shipments.push(shipment);
    for (const line of shipment.lines as Entity[])
      this.post(String(line.sku), -Number(line.quantity), 'Sale', number, 'Sales_x0020_Shipment', {
        number: String(shipment.customerNumber ?? ''),
        type: 'Customer',
      });
    return { status: 201, body: { shipmentNumber: number, status: 'Posted' } };
  }

  private receipt(r: SimRequest): SimReply {
    const wrong = this.wrongCompany(r);
    if (wrong) return wrong;
    const receipt = r.body as Entity | undefined;
    const number = String(receipt?.receiptNumber ?? '');
    if (!number || !Array.isArray(receipt?.lines))
      return { status: 400, body: { error: { code: 'BadRequest', message: 'receiptNumber and lines are required' } } };
    this.ledger.record('receipt', number, r.idempotencyKey);
    this.receipts.push(receipt);
    const po = this.purchaseOrders.get(String(receipt.purchaseOrderNumber ?? ''));
    for (const line of receipt.lines as Entity[]) {
      if (line.condition !== 'good') continue;
      this.post(String(line.sku), Number(line.quantity), 'Purchase', number, 'Purchase_x0020_Receipt', {
        number: SUPPLIER.number,
        type: 'Vendor',
      });
      const poLine = (po?.purchaseOrderLines as Entity[] | undefined)?.find((l) => l.lineObjectNumber === line.sku);
      if (poLine) poLine.receivedQuantity = Number(poLine.receivedQuantity) + Number(line.quantity);
    }
    if (po) po.fullyReceived = (po.purchaseOrderLines as Entity[]).every((l) => Number(l.receivedQuantity) >= Number(l.quantity));
    return { status: 201, body: { receiptNumber: number, status: 'Posted' } };
  }
}
