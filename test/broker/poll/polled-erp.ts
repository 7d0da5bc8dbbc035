// A simulated ERP for the poller tests: an SAP-style OData V2 collection (A_SalesOrder, `/Date(ms+0000)/`
// timestamps, server page size 20), a Business Central-style V4 collection (items, ISO timestamps,
// server page size 7), and an event queue read with GET and acknowledged with DELETE — each served by
// runtime/simulate's SimServer (faults: 429/503 with Retry-After, 500, garbage) and
// queryODataCollection (typed filter literals, ordering, skip-token paging).
import { SimServer, route } from '../../../runtime/simulate/sim-http.ts';
import type { SimRequest } from '../../../runtime/simulate/sim-http.ts';
import { queryODataCollection } from '../../../runtime/simulate/odata-collection.ts';

type Row = Record<string, unknown>;

export const V2_PATH = '/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder';
export const V4_PATH = '/api/v2.0/companies(c0de)/items';
export const QUEUE_PATH = '/api/events/v1/queue';

export class PolledErp {
  readonly server: SimServer;
  readonly salesOrders = new Map<string, Row>();
  readonly items = new Map<string, Row>();
  /** Queue entries not yet acknowledged, in arrival order. */
  readonly queue = new Map<string, Row>();
  /** Ids acknowledged (DELETE answered 204), in order, repeats included. */
  readonly acknowledged: string[] = [];
  /** Runs before a DELETE acknowledges an entry (a test checks the entry is already on the backbone). */
  onAcknowledge: ((id: string) => Promise<void>) | undefined;
  private nextEvent = 1;

  constructor(port = 0) {
    this.server = new SimServer({
      name: 'polled-erp',
      port,
      state: () => ({ salesOrders: this.salesOrders.size, items: this.items.size, queue: this.queue.size }),
      routes: [
        route('GET', V2_PATH.replace(/[()]/g, '\\$&'), (r) =>
          queryODataCollection([...this.salesOrders.values()], this.urlOf(r), {
            version: 'v2',
            key: ['SalesOrder'],
            fields: { SalesOrder: 'string', SalesOrderType: 'string', LastChangeDateTime: 'DateTimeOffset' },
            navigation: ['to_Item'],
            maxPageSize: 20,
          }),
        ),
        route('GET', V4_PATH.replace(/[()]/g, '\\$&'), (r) =>
          queryODataCollection([...this.items.values()], this.urlOf(r), {
            version: 'v4',
            key: ['id'],
            fields: { id: 'string', number: 'string', lastModifiedDateTime: 'DateTimeOffset', blocked: 'boolean' },
            maxPageSize: 7,
          }),
        ),
        route('GET', QUEUE_PATH, (r) => {
          const top = Number(r.query.get('$top') ?? '50');
          return { status: 200, body: { value: [...this.queue.values()].slice(0, top) } };
        }),
        route('DELETE', `${QUEUE_PATH}/(?<id>[^/]+)`, async (r) => {
          const id = decodeURIComponent(r.params.id!);
          await this.onAcknowledge?.(id);
          if (!this.queue.delete(id)) return { status: 404, body: { error: { code: 'NotFound', message: `no entry ${id}` } } };
          this.acknowledged.push(id);
          return { status: 204 };
        }),
      ],
    });
  }

  private urlOf(r: SimRequest): URL {
    const search = r.query.toString();
    return new URL(`${this.server.origin}${r.path}${search ? `?${search}` : ''}`);
  }

  /** Writes (or rewrites) a sales order with its change time `ms` (SAP writes `/Date(ms+0000)/`). */
  upsertSalesOrder(number: number, ms: number): void {
    const id = String(number).padStart(10, '0');
    const version = Number(this.salesOrders.get(id)?.Version ?? 0) + 1;
    this.salesOrders.set(id, {
      __metadata: { id: `${this.server.origin}${V2_PATH}('${id}')`, type: 'API_SALES_ORDER_SRV.A_SalesOrderType' },
      SalesOrder: id,
      SalesOrderType: number % 10 === 0 ? 'CR' : 'OR',
      LastChangeDateTime: `/Date(${ms}+0000)/`,
      Version: version,
      to_Item: { results: [{ SalesOrder: id, SalesOrderItem: '10', Material: `MAT-${number}` }] },
    });
  }

  /** Writes an item with an ISO change time (Business Central). */
  upsertItem(number: number, ms: number): void {
    const id = `00000000-0000-4000-8000-${String(number).padStart(12, '0')}`;
    const version = Number(this.items.get(id)?.version ?? 0) + 1;
    this.items.set(id, {
      '@odata.etag': `W/"${version}"`,
      id,
      number: `ITEM-${number}`,
      blocked: false,
      version,
      lastModifiedDateTime: new Date(ms).toISOString(),
    });
  }

  enqueue(count: number): void {
    for (let i = 0; i < count; i++) {
      const id = `evt-${String(this.nextEvent++).padStart(6, '0')}`;
      this.queue.set(id, { id, type: 'BusinessPartner.Changed', data: { BusinessPartner: `BP${id.slice(4)}` } });
    }
  }
}
