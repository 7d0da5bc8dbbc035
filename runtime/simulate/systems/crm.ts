/**
 * The CRM (a Salesforce Apex REST service): upserts orders in the order@1 shape
 * (`PUT /orders/{orderNo}`), order statuses (`PUT /orders/{orderNumber}/status`), shipments
 * (`PUT /shipments/{shipmentNumber}`) and products (`PUT /products/{sku}`). Answers as Apex REST does:
 * `{id, success, errors}`. It emits nothing the estate routes.
 */
import { createHash } from 'node:crypto';
import { SimServer, route } from '../sim-http.ts';
import type { SimReply, SimRequest } from '../sim-http.ts';
import { newLedger } from '../system.ts';
import type { SimSystem } from '../system.ts';

type Entity = Record<string, unknown>;

function sfId(prefix: string, key: string): string {
  return prefix + createHash('sha256').update(key).digest('hex').slice(0, 15).toUpperCase();
}

export class Crm implements SimSystem {
  readonly name = 'crm';
  readonly ledger = newLedger();
  readonly server: SimServer;
  readonly orders = new Map<string, Entity>();
  /** Order number → statuses in the order received. */
  readonly statuses = new Map<string, Entity[]>();
  readonly shipments = new Map<string, Entity>();
  readonly products = new Map<string, Entity>();
  /** Order number → its invoice (from the order-to-cash workflow). */
  readonly invoices = new Map<string, Entity>();

  constructor(port: number) {
    this.server = new SimServer({
      name: this.name,
      port,
      authHeader: 'authorization',
      tokenEndpoint: true,
      state: () => this.state(),
      routes: [
        route('PUT', '/orders/(?<id>[^/]+)/status', (r) => this.status(r)),
        route('PUT', '/orders/(?<id>[^/]+)/invoice', (r) => this.upsert(r, 'invoice', this.invoices, 'orderNumber', 'a0I')),
        route('PUT', '/orders/(?<id>[^/]+)', (r) => this.upsert(r, 'order', this.orders, 'orderNo', 'a0B')),
        route('PUT', '/shipments/(?<id>[^/]+)', (r) => this.upsert(r, 'shipment', this.shipments, 'shipmentNumber', 'a0S')),
        route('PUT', '/products/(?<id>[^/]+)', (r) => this.upsert(r, 'product', this.products, 'sku', '01t')),
        route('GET', '/orders/(?<id>[^/]+)', (r) => {
          const id = decodeURIComponent(r.params.id!);
          const order = this.orders.get(id);
          return order
            ? { status: 200, body: { ...order, statuses: this.statuses.get(id) ?? [] } }
            : { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
        }),
      ],
    });
  }

  state(): Record<string, unknown> {
    return {
      orders: this.orders.size,
      ordersWithStatus: this.statuses.size,
      shipments: this.shipments.size,
      invoices: this.invoices.size,
      products: this.products.size,
      ...this.ledger.snapshot(),
    };
  }

  private upsert(r: SimRequest, kind: string, into: Map<string, Entity>, idField: string, prefix: string): SimReply {
    const id = decodeURIComponent(r.params.id!);
    const body = r.body as Entity | undefined;
    if (!body || typeof body !== 'object')
      return { status: 400, body: [{ errorCode: 'JSON_PARSER_ERROR', message: 'body is not a JSON object' }] };
    if (body[idField] !== undefined && String(body[idField]) !== id)
      return {
        status: 400,
        body: [{ errorCode: 'INVALID_ID_FIELD', message: `${idField} ${String(body[idField])} does not match the URL (${id})` }],
      };
    // The same version of a record written twice is a duplicate effect (an upsert hides it from users, not from us).
    // An upsert of the same event twice (same Idempotency-Key, acknowledged before) is a duplicate effect.
    this.ledger.record(kind, r.idempotencyKey ?? `${id}:${createHash('sha256').update(r.text).digest('hex').slice(0, 16)}`);
    const created = !into.has(id);
    into.set(id, body);
    return { status: created ? 201 : 200, body: { id: sfId(prefix, id), success: true, errors: [], created } };
  }

  private status(r: SimRequest): SimReply {
    const id = decodeURIComponent(r.params.id!);
    const body = r.body as Entity | undefined;
    if (!body || String(body.orderNumber) !== id)
      return { status: 400, body: [{ errorCode: 'INVALID_ID_FIELD', message: 'orderNumber does not match the URL' }] };
    this.ledger.record('order-status', r.idempotencyKey ?? `${id}:${String(body.status)}:${String(body.statusAt)}`);
    const list = this.statuses.get(id) ?? [];
    list.push(body);
    this.statuses.set(id, list);
    return { status: 200, body: { id: sfId('a0T', `${id}:${list.length}`), success: true, errors: [] } };
  }
}
