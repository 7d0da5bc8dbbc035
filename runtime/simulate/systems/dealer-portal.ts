/**
 * The dealer portal: where dealers order (it emits Order.Submitted in the canonical order@2 shape —
 * the traffic of a run) and follow their orders. It is a `nats` System: the estate delivers to it on
 * its own subjects (`dealer-portal.order-status`, `.shipments`, `.availability`, `.products`), which it
 * consumes from the backbone like any NATS client, de-duplicating by message id as JetStream clients
 * do. Over HTTP it shows what a dealer sees: `GET /orders/{orderNumber}`, and takes
 * `POST /orders?count=N` to make traffic.
 */
import { createHash } from 'node:crypto';
import type { Subscription } from '../../backbone/backbone.ts';
import { SimServer, route } from '../sim-http.ts';
import type { SimReply } from '../sim-http.ts';
import { isoDate } from '../odata.ts';
import { DEALERS, SKUS } from '../world.ts';
import { newLedger } from '../system.ts';
import type { SimContext, SimSystem } from '../system.ts';

type Entity = Record<string, unknown>;

export class DealerPortal implements SimSystem {
  readonly name = 'dealer-portal';
  readonly ledger = newLedger();
  readonly server: SimServer;
  /** Orders the dealers submitted, by number. */
  readonly submitted = new Map<string, Entity>();
  /** What the portal shows: the latest status per order. */
  readonly orderStatus = new Map<string, Entity>();
  readonly shipments = new Map<string, Entity>();
  readonly availability = new Map<string, Entity>();
  readonly products = new Map<string, Entity>();
  /** Messages received again with an id already handled (backbone redeliveries). */
  redeliveries = 0;
  private nextOrder = 1;
  private readonly ctx: SimContext;
  private readonly topics: string[];
  private readonly subscriptions: Subscription[] = [];
  private readonly seen = new Set<string>();

  /** `topics`: the subjects the estate delivers to this System on (from its routes). */
  constructor(ctx: SimContext, port: number, topics: readonly string[]) {
    this.ctx = ctx;
    this.topics = [...topics];
    this.server = new SimServer({
      name: this.name,
      port,
      state: () => this.state(),
      routes: [
        route('POST', '/orders', (r) => {
          const count = Math.max(1, Math.min(100_000, Number(r.query.get('count') ?? 1)));
          return { status: 202, body: { submitted: this.submitOrders(count) } };
        }),
        route('GET', '/orders/(?<id>[^/]+)', (r): SimReply => {
          const id = decodeURIComponent(r.params.id!);
          const order = this.submitted.get(id);
          if (!order) return { status: 404, body: { error: 'unknown order' } };
          return { status: 200, body: { order, status: this.orderStatus.get(id) ?? null } };
        }),
      ],
    });
  }

  state(): Record<string, unknown> {
    const byStatus: Record<string, number> = {};
    for (const s of this.orderStatus.values()) byStatus[String(s.status)] = (byStatus[String(s.status)] ?? 0) + 1;
    return {
      submitted: this.submitted.size,
      ordersWithStatus: this.orderStatus.size,
      byStatus,
      shipments: this.shipments.size,
      availability: this.availability.size,
      products: this.products.size,
      redeliveries: this.redeliveries,
      ...this.ledger.snapshot(),
    };
  }

  async start(): Promise<void> {
    for (const topic of this.topics) {
      await this.ctx.backbone.ensureTopic(topic);
      this.subscriptions.push(
        await this.ctx.backbone.subscribe(
          topic,
          `sim-dealer-portal-${topic.split('.').slice(1).join('-') || 'in'}`,
          async (delivery) => {
            const id = delivery.messageId ?? createHash('sha256').update(delivery.payload).digest('hex');
            if (this.seen.has(`${topic}|${id}`)) {
              this.redeliveries++;
              await delivery.ack();
              return;
            }
            this.seen.add(`${topic}|${id}`);
            let body: Entity;
            try {
              body = JSON.parse(Buffer.from(delivery.payload).toString('utf8')) as Entity;
            } catch {
              await delivery.term();
              return;
            }
            this.take(topic, body);
            await delivery.ack();
          },
          { maxInFlight: 256 },
        ),
      );
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.stop().catch(() => {})));
  }

  private take(topic: string, body: Entity): void {
    if (topic.endsWith('order-status')) {
      const n = String(body.orderNumber);
      this.ledger.record('order-status', `${n}:${String(body.status)}:${String(body.statusAt)}`);
      const current = this.orderStatus.get(n);
      // Statuses may arrive out of order across routes; the portal keeps the newest.
      if (!current || String(current.statusAt) <= String(body.statusAt)) this.orderStatus.set(n, body);
    } else if (topic.endsWith('shipments')) {
      this.ledger.record('shipment', `${String(body.shipmentNumber)}:${String(body.status)}`);
      this.shipments.set(String(body.shipmentNumber), body);
    } else if (topic.endsWith('availability')) {
      this.availability.set(`${String(body.sku)}|${String(body.warehouse)}`, body);
    } else if (topic.endsWith('products')) {
      this.products.set(String(body.sku), body);
    }
  }

  /** Dealers submit `count` orders; returns their numbers. Each is emitted as Order.Submitted. `edit` changes an order before it leaves (a poison message). */
  submitOrders(count: number, edit?: (order: Entity) => void): string[] {
    const numbers: string[] = [];
    const world = this.ctx.world;
    for (let i = 0; i < count; i++) {
      const dealer = world.pick(DEALERS);
      const skus = SKUS.filter((s) => s.warehouse === dealer.warehouse);
      const lineCount = 1 + Math.floor(world.random() * 3);
      const chosen = [...skus].sort(() => world.random() - 0.5).slice(0, lineCount);
      const orderNumber = `DP-${this.ctx.runTag}-${String(this.nextOrder++).padStart(6, '0')}`;
      const now = Date.now();
      let total = 0;
      const lines = chosen.map((s, index) => {
        const quantity = 1 + Math.floor(world.random() * 20);
        const net = Math.round(quantity * s.unitPrice * 100) / 100;
        total += net;
        return {
          lineNumber: index + 1,
          sku: s.sku,
          description: s.description,
          quantity,
          unit: 'EA',
          unitPrice: s.unitPrice,
          netAmount: net,
          warehouse: s.warehouse,
        };
      });
      const order: Entity = {
        orderNumber,
        source: { system: 'dealer-portal' },
        orderDate: isoDate(now),
        requestedDeliveryDate: isoDate(now + 7 * 86_400_000),
        status: 'received',
        customer: { number: dealer.number, name: dealer.name, contactName: dealer.contactName, email: dealer.email },
        customerReference: `PO-${String(80_000 + this.nextOrder)}`,
        currency: dealer.currency,
        totalNetAmount: Math.round(total * 100) / 100,
        shipTo: {
          name: dealer.name,
          contactName: dealer.contactName,
          city: dealer.city,
          postalCode: dealer.postalCode,
          country: dealer.country,
        },
        lines,
        lastModifiedAt: new Date(now).toISOString(),
      };
      edit?.(order);
      this.submitted.set(orderNumber, order);
      this.ctx.publisher.emit({ system: this.name, event: 'Order.Submitted', key: orderNumber, id: `${orderNumber}:1`, payload: order });
      numbers.push(orderNumber);
    }
    return numbers;
  }
}
