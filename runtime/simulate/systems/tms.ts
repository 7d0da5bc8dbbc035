/**
 * The TMS (Oracle Transportation Management-like REST): takes order releases (`POST /orderReleases`,
 * the canonical order@2), plans a load once the WMS has picked the order (the physical dock), books a
 * carrier and dispatches; tracks inbound freight from supplier ship notices (`POST /shipments`).
 *
 * Events: Shipment.Dispatched (shipment@1, status dispatched) and then Shipment.MilestoneReached
 * (in-transit, delivered).
 */
import { SimServer, route } from '../sim-http.ts';
import type { SimReply, SimRequest } from '../sim-http.ts';
import { isoDate } from '../odata.ts';
import { skuOf, warehouse as warehouseOf } from '../world.ts';
import type { PickedOrder } from '../world.ts';
import { later, newLedger } from '../system.ts';
import type { SimContext, SimSystem } from '../system.ts';

type Entity = Record<string, unknown>;

const CARRIERS = [
  { scac: 'DHLF', name: 'DHL Freight', serviceLevel: 'standard' },
  { scac: 'UPSN', name: 'UPS', serviceLevel: 'ground' },
  { scac: 'DBSC', name: 'DB Schenker', serviceLevel: 'standard' },
];

export class Tms implements SimSystem {
  readonly name = 'tms';
  readonly ledger = newLedger();
  readonly server: SimServer;
  readonly releases = new Map<string, Entity>();
  readonly shipments = new Map<string, Entity>();
  readonly inboundShipments = new Map<string, Entity>();
  /** Orders dispatched (order number → shipment number). */
  readonly dispatched = new Map<string, string>();
  private nextShipment = 98_000;
  private readonly ctx: SimContext;

  constructor(ctx: SimContext, port: number) {
    this.ctx = ctx;
    ctx.world.onDock((picked) => this.tryDispatch(picked.orderNumber));
    this.server = new SimServer({
      name: this.name,
      port,
      authHeader: 'authorization',
      state: () => this.state(),
      routes: [
        route('POST', '/orderReleases', (r) => this.release(r)),
        route('POST', '/shipments', (r) => this.inbound(r)),
        route('GET', '/shipments/(?<id>[^/]+)', (r) => {
          const id = decodeURIComponent(r.params.id!);
          const s = this.shipments.get(id) ?? this.inboundShipments.get(id);
          return s ? { status: 200, body: s } : { status: 404, body: { title: 'Not Found', status: 404 } };
        }),
      ],
    });
  }

  state(): Record<string, unknown> {
    return {
      orderReleases: this.releases.size,
      dispatched: this.dispatched.size,
      inboundShipments: this.inboundShipments.size,
      waitingForPick: [...this.releases.keys()].filter((o) => !this.dispatched.has(o)).length,
      ...this.ledger.snapshot(),
    };
  }

  private release(r: SimRequest): SimReply {
    const order = r.body as Entity | undefined;
    const number = String(order?.orderNumber ?? '');
    if (!number || !Array.isArray(order?.lines))
      return { status: 400, body: { title: 'Bad Request', detail: 'orderNumber and lines are required', status: 400 } };
    this.ledger.record('order-release', number, r.idempotencyKey);
    this.releases.set(number, order!);
    this.tryDispatch(number);
    return { status: 201, body: { orderReleaseGid: `DIST.${number}`, status: 'PLANNED' } };
  }

  private tryDispatch(orderNumber: string): void {
    const order = this.releases.get(orderNumber);
    const picked = this.ctx.world.dock.get(orderNumber);
    if (!order || !picked || this.dispatched.has(orderNumber)) return;
    const wh = warehouseOf(picked.warehouse);
    const shipmentNumber = `SHP-${picked.warehouse}-${this.ctx.runTag}-${String(this.nextShipment++).padStart(7, '0')}`;
    this.dispatched.set(orderNumber, shipmentNumber);
    this.ctx.world.dock.delete(orderNumber);
    later(this.ctx.timing.dispatchMs, () =>
      this.dispatch(shipmentNumber, order, picked, wh?.name ?? picked.warehouse, wh?.country ?? 'DE'),
    );
  }

  private dispatch(shipmentNumber: string, order: Entity, picked: PickedOrder, fromName: string, fromCountry: string): void {
    const carrier = this.ctx.world.pick(CARRIERS);
    const now = Date.now();
    const shipTo = (order.shipTo as Entity | undefined) ?? {
      name: String((order.customer as Entity | undefined)?.name ?? 'Customer'),
      country: fromCountry,
    };
    const weight = picked.lines.reduce((sum, l) => sum + (skuOf(l.sku)?.grossWeightKg ?? 1) * l.qty, 0);
    const shipment: Entity = {
      shipmentNumber,
      direction: 'outbound',
      status: 'dispatched',
      orderNumber: String(order.orderNumber),
      customerNumber: String((order.customer as Entity | undefined)?.number ?? ''),
      ...(order.customerReference ? { customerReference: String(order.customerReference) } : {}),
      carrier,
      trackingNumber: `1Z${String(Math.floor(this.ctx.world.random() * 1e16)).padStart(16, '0')}`,
      shipFrom: { name: fromName, locationId: picked.warehouse, country: fromCountry },
      shipTo: {
        name: String(shipTo.name),
        ...(shipTo.city ? { city: String(shipTo.city) } : {}),
        ...(shipTo.postalCode ? { postalCode: String(shipTo.postalCode) } : {}),
        country: String(shipTo.country),
      },
      shipDate: isoDate(now),
      dispatchedAt: new Date(now).toISOString(),
      estimatedDeliveryDate: isoDate(now + 2 * 86_400_000),
      grossWeight: { value: Math.round(weight * 10) / 10, unit: 'KG' },
      packageCount: picked.lines.length,
      lines: picked.lines.map((l, i) => ({
        lineNumber: i + 1,
        sku: l.sku,
        quantity: l.qty,
        unit: l.uom,
        orderLineNumber: Number(l.lineId) || i + 1,
      })),
      milestones: [
        { code: 'picked', at: new Date(picked.pickedAt).toISOString(), location: picked.warehouse },
        { code: 'dispatched', at: new Date(now).toISOString(), location: picked.warehouse },
      ],
    };
    this.shipments.set(shipmentNumber, shipment);
    this.ctx.publisher.emit({
      system: this.name,
      event: 'Shipment.Dispatched',
      key: shipmentNumber,
      id: `${shipmentNumber}:dispatched`,
      payload: structuredClone(shipment),
    });
    // Milestones one after the other, each strictly later than the previous (a status view keeps the newest).
    let lastAt = now;
    const milestone = (code: 'in-transit' | 'delivered', status: string, next?: () => void) =>
      later(this.ctx.timing.milestoneMs, () => {
        lastAt = Math.max(Date.now(), lastAt + 1);
        const at = new Date(lastAt).toISOString();
        shipment.status = status;
        const entry: Entity = { code, at };
        if (code === 'delivered' && (shipment.shipTo as Entity).city) entry.location = String((shipment.shipTo as Entity).city);
        shipment.milestones = [...(shipment.milestones as Entity[]), entry];
        this.ctx.publisher.emit({
          system: this.name,
          event: 'Shipment.MilestoneReached',
          key: shipmentNumber,
          id: `${shipmentNumber}:${code}`,
          payload: structuredClone(shipment),
        });
        next?.();
      });
    milestone('in-transit', 'in-transit', () => milestone('delivered', 'delivered'));
  }

  private inbound(r: SimRequest): SimReply {
    const shipment = r.body as Entity | undefined;
    const number = String(shipment?.shipmentNumber ?? '');
    if (!number) return { status: 400, body: { title: 'Bad Request', detail: 'shipmentNumber is required', status: 400 } };
    this.ledger.record('inbound-shipment', number, r.idempotencyKey);
    this.inboundShipments.set(number, shipment!);
    return { status: 201, body: { shipmentGid: `DIST.${number}`, status: 'TRACKING' } };
  }
}
