/**
 * The WMS (Manhattan Active-like REST): picks outbound orders (`POST /v1/outbound-orders`, a
 * wms-pick-order@1), expects inbound deliveries (`POST /v1/inbound-notices`, a
 * supplier-confirmation@1) and receives them a little later, and answers stock queries
 * (`GET /v1/inventory`).
 *
 * Events: Inventory.Changed (inventory-level@1) on every stock movement, Receipt.Posted (receipt@1)
 * when an inbound delivery is received. A picked order goes on the dock for the TMS's trucks.
 */
import { SimServer, route } from '../sim-http.ts';
import type { SimReply, SimRequest } from '../sim-http.ts';
import { INITIAL_STOCK, SKUS, SUPPLIER, skuByVendorPart, skuOf } from '../world.ts';
import { later, newLedger } from '../system.ts';
import type { SimContext, SimSystem } from '../system.ts';
import { runScopedStart } from '../run-epoch.ts';

type Entity = Record<string, unknown>;

export class Wms implements SimSystem {
  readonly name = 'wms';
  readonly ledger = newLedger();
  readonly server: SimServer;
  /** warehouse|sku → on hand. */
  readonly stock = new Map<string, number>();
  readonly outbound = new Map<string, Entity>();
  readonly inbound = new Map<string, Entity>();
  readonly receipts: Entity[] = [];
  /** Inventory movement numbers: per-run block (run-epoch.ts). */
  private nextMovement: number;
  private nextReceipt = 55_000;
  private readonly ctx: SimContext;

  constructor(ctx: SimContext, port: number) {
    this.ctx = ctx;
    this.nextMovement = runScopedStart(1, ctx.runEpoch ?? 0);
    for (const s of SKUS) this.stock.set(`${s.warehouse}|${s.sku}`, INITIAL_STOCK);
    this.server = new SimServer({
      name: this.name,
      port,
      authHeader: 'authorization',
      tokenEndpoint: true,
      state: () => this.state(),
      routes: [
        route('POST', '/v1/outbound-orders', (r) => this.pick(r)),
        route('GET', '/v1/outbound-orders/(?<id>[^/]+)', (r) => {
          const order = this.outbound.get(decodeURIComponent(r.params.id!));
          return order ? { status: 200, body: order } : { status: 404, body: { error: 'NOT_FOUND' } };
        }),
        route('POST', '/v1/inbound-notices', (r) => this.inboundNotice(r)),
        route('GET', '/v1/inventory', (r) => ({ status: 200, body: { data: this.levels(r.query.get('warehouse') ?? undefined) } })),
      ],
    });
  }

  state(): Record<string, unknown> {
    return {
      outboundOrders: this.outbound.size,
      inboundNotices: this.inbound.size,
      receipts: this.receipts.length,
      ...this.ledger.snapshot(),
    };
  }

  private levels(warehouse?: string): Entity[] {
    return [...this.stock]
      .filter(([k]) => !warehouse || k.startsWith(`${warehouse}|`))
      .map(([k, onHand]) => {
        const [wh, sku] = k.split('|') as [string, string];
        return { warehouseId: wh, itemId: sku, onHand, allocated: 0, available: onHand, uom: 'EA' };
      });
  }

  private move(warehouse: string, sku: string, delta: number, reference: string): void {
    const key = `${warehouse}|${sku}`;
    const onHand = (this.stock.get(key) ?? 0) + delta;
    this.stock.set(key, onHand);
    const movement = `INV-${warehouse}-${String(this.nextMovement++).padStart(7, '0')}`;
    this.ctx.publisher.emit({
      system: this.name,
      event: 'Inventory.Changed',
      key: `${sku}|${warehouse}`,
      id: `${this.ctx.runTag}:${movement}`,
      payload: {
        sku,
        warehouse,
        onHand,
        allocated: 0,
        available: onHand,
        unit: 'EA',
        asOf: new Date().toISOString(),
        source: { system: 'wms', reference: `${reference}/${movement}` },
      },
    });
  }

  private pick(r: SimRequest): SimReply {
    const order = r.body as Entity | undefined;
    const orderId = String(order?.orderId ?? '');
    const warehouse = String(order?.warehouseId ?? '');
    const lines = (order?.lines as Entity[] | undefined) ?? [];
    if (!orderId || !warehouse || lines.length === 0)
      return { status: 400, body: { error: 'VALIDATION', message: 'orderId, warehouseId and lines are required' } };
    for (const line of lines) {
      const sku = skuOf(String(line.itemId));
      if (!sku || sku.warehouse !== warehouse)
        return { status: 422, body: { error: 'ITEM_NOT_STOCKED', message: `item ${String(line.itemId)} is not stocked in ${warehouse}` } };
      if ((this.stock.get(`${warehouse}|${sku.sku}`) ?? 0) < Number(line.qty))
        return { status: 409, body: { error: 'SHORT_PICK', message: `not enough ${sku.sku} in ${warehouse}` } };
    }
    // Picking twice takes the goods off the shelf twice: the ledger counts it, the stock shows it.
    this.ledger.record('pick', orderId, r.idempotencyKey);
    for (const line of lines) this.move(warehouse, String(line.itemId), -Number(line.qty), orderId);
    const stored = { ...order, status: 'PICKED', pickedAt: new Date().toISOString() };
    this.outbound.set(orderId, stored);
    this.ctx.world.putOnDock({
      orderNumber: orderId,
      warehouse,
      lines: lines.map((l) => ({ lineId: String(l.lineId), sku: String(l.itemId), qty: Number(l.qty), uom: String(l.uom) })),
      pickedAt: Date.now(),
    });
    return { status: 201, body: { orderId, status: 'PICKED' } };
  }

  private inboundNotice(r: SimRequest): SimReply {
    const notice = r.body as Entity | undefined;
    const number = String(notice?.confirmationNumber ?? '');
    const lines = (notice?.lines as Entity[] | undefined) ?? [];
    if (!number || lines.length === 0)
      return { status: 400, body: { error: 'VALIDATION', message: 'confirmationNumber and lines are required' } };
    const resolved = lines.map((l) => ({
      line: l,
      sku: skuOf(String(l.sku ?? '')) ?? skuByVendorPart(String(l.vendorPartNumber ?? '')) ?? skuByVendorPart(String(l.gtin ?? '')),
    }));
    const unknown = resolved.find((x) => !x.sku);
    if (unknown)
      return { status: 422, body: { error: 'ITEM_UNKNOWN', message: `no item for vendor part ${String(unknown.line.vendorPartNumber)}` } };
    this.ledger.record('inbound-notice', number, r.idempotencyKey);
    this.inbound.set(number, notice!);
    const poNumber = String(notice!.purchaseOrderNumber ?? '');
    // The truck arrives at the warehouse the purchase order was for.
    const warehouse = this.ctx.world.poDestination.get(poNumber) ?? resolved[0]!.sku!.warehouse;
    later(this.ctx.timing.receiveMs, () =>
      this.receive(
        number,
        poNumber,
        warehouse,
        resolved.map((x) => ({ sku: x.sku!.sku, quantity: Number(x.line.confirmedQuantity), line: Number(x.line.lineNumber) })),
      ),
    );
    return { status: 201, body: { asnId: number, status: 'EXPECTED' } };
  }

  private receive(shipNotice: string, poNumber: string, warehouse: string, lines: { sku: string; quantity: number; line: number }[]): void {
    const receiptNumber = `GR-${warehouse}-${this.ctx.runTag}-${this.nextReceipt++}`;
    for (const l of lines) this.move(warehouse, l.sku, l.quantity, receiptNumber);
    const receipt: Entity = {
      receiptNumber,
      warehouse,
      receivedAt: new Date().toISOString(),
      purchaseOrderNumber: poNumber,
      shipNoticeNumber: shipNotice,
      supplier: { number: SUPPLIER.number, name: SUPPLIER.name },
      lines: lines.map((l, i) => ({
        lineNumber: i + 1,
        sku: l.sku,
        quantity: l.quantity,
        unit: 'EA',
        condition: 'good',
        purchaseOrderLine: l.line,
      })),
    };
    this.receipts.push(receipt);
    this.ctx.publisher.emit({ system: this.name, event: 'Receipt.Posted', key: receiptNumber, id: receiptNumber, payload: receipt });
  }
}
