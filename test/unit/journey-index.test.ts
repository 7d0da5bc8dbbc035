// The journey index keeps an allow-list: business keys declared on unprotected paths, a few technical
// fields; never a key a contract declares on a pii or confidential field, never other log fields.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JourneyIndex, journeyFile, readJourney } from '../../runtime/run/journey-index.ts';
import type { WorkerEstate } from '../../runtime/worker/estate.ts';

const estate = {
  contracts: [
    {
      metadata: { name: 'order' },
      spec: {
        businessKeys: { order_number: 'orderNumber', customer_email: 'customer.email', warehouse: 'lines[].warehouse' },
        classification: { 'customer.email': 'pii' },
      },
    },
  ],
  routes: [{ metadata: { name: 'orders' }, spec: { source: { system: 'shop' }, targets: [{ name: 'erp', system: 'legacy-erp' }] } }],
  apis: [],
  systems: [],
} as unknown as WorkerEstate;

describe('JourneyIndex', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('indexes outcome lines by business key and keeps only allowed fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'interlace-journey-'));
    dirs.push(dir);
    const index = new JourneyIndex(dir);
    index.configure(estate);
    const passed: string[] = [];
    const sink = index.sink((line) => passed.push(line), 'info');
    const line = (fields: Record<string, unknown>) => `${JSON.stringify({ time: '2026-12-04T04:00:00.000Z', ...fields })}\n`;
    sink(
      line({
        level: 'debug',
        msg: 'delivered',
        route: 'orders',
        target: 'erp',
        order_number: 'SO-1',
        customer_email: 'jane@example.com',
        warehouse: 'DE01,US01',
        idempotency_key: 'orders/erp/SO-1/abc',
        error: 'secret detail',
      }),
    );
    sink(
      line({ level: 'warn', msg: 'dead-lettered', route: 'orders', target: 'erp', order_number: 'SO-2', reason: 'http-422', status: 422 }),
    );
    sink(line({ level: 'info', msg: 'started', unit: 'route-orders' }));
    index.flush();
    // The debug line is indexed but not passed on at info.
    expect(passed.map((l) => JSON.parse(l).msg)).toEqual(['dead-lettered', 'started']);
    const text = readFileSync(journeyFile(dir), 'utf8');
    for (const leak of ['jane@example.com', 'customer_email', 'secret detail', 'idempotency_key']) expect(text).not.toContain(leak);
    expect(readJourney(dir, 'SO-1')).toEqual([
      {
        time: '2026-12-04T04:00:00.000Z',
        route: 'orders',
        target: 'erp',
        from: 'shop',
        to: 'legacy-erp',
        outcome: 'delivered',
        keys: { order_number: 'SO-1', warehouse: 'DE01,US01' },
      },
    ]);
    expect(readJourney(dir, 'SO-2')[0]).toMatchObject({ outcome: 'dead-lettered', reason: 'http-422', status: 422 });
    // One value of a list key finds the step; a substring of a value does not.
    expect(readJourney(dir, 'US01').map((s) => s.keys.order_number)).toEqual(['SO-1']);
    expect(readJourney(dir, 'SO')).toEqual([]);
  });
});
