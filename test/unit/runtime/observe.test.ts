// Traces, logs, business keys and metrics: the observability contract.
import { describe, expect, it } from 'vitest';
import { businessKeysOf, readFieldPath } from '../../../runtime/observe/business-keys.ts';
import { RuntimeMetrics } from '../../../runtime/observe/metrics.ts';
import { formatTraceparent, memoryTracer, parseTraceparent } from '../../../runtime/observe/trace.ts';

describe('W3C trace context', () => {
  it('parses and formats traceparent, refusing malformed and all-zero ids', () => {
    const value = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(parseTraceparent(value)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 });
    expect(formatTraceparent(parseTraceparent(value)!)).toBe(value);
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('01-xyz')).toBeUndefined();
    expect(parseTraceparent(undefined)).toBeUndefined();
  });
  it('continues the parent trace with a new span id', () => {
    const { tracer, spans } = memoryTracer();
    const parent = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')!;
    const span = tracer.startSpan('deliver', { parent, attributes: { 'interlace.route': 'r', skipped: undefined } });
    span.fail(new Error('boom'));
    span.end();
    span.end();
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      traceId: parent.traceId,
      parentSpanId: parent.spanId,
      status: 'error',
      error: 'boom',
      attributes: { 'interlace.route': 'r' },
    });
    expect(spans[0]!.spanId).not.toBe(parent.spanId);
  });
});

describe('business keys', () => {
  it('reads declared keys, lists as distinct values', () => {
    const order = {
      orderNumber: '4711',
      customer: { number: 'C-1' },
      lines: [{ warehouse: 'DE01' }, { warehouse: 'US01' }, { warehouse: 'DE01' }],
      ['@odata.etag']: 'W/1',
    };
    expect(
      businessKeysOf(order, {
        order_number: 'orderNumber',
        customer: 'customer.number',
        warehouse: 'lines[].warehouse',
        supplier: 'supplier.id',
      }),
    ).toEqual({ order_number: '4711', customer: 'C-1', warehouse: 'DE01,US01' });
    expect(readFieldPath(order, '["@odata.etag"]')).toEqual(['W/1']);
    expect(businessKeysOf(order, undefined)).toEqual({});
  });
});

describe('metrics', () => {
  it('has bounded labels only and reads values back', async () => {
    const m = new RuntimeMetrics();
    m.messages.inc({ route: 'r', target: 't', outcome: 'delivered' }, 3);
    m.deliveryLatency.observe({ route: 'r', target: 't', outcome: 'delivered' }, 0.01);
    expect(await m.value('interlace_route_messages_total', { outcome: 'delivered' })).toBe(3);
    expect(await m.value('interlace_delivery_duration_seconds', { route: 'r' })).toBe(1);
    const text = await m.registry.metrics();
    for (const line of text.split('\n').filter((l) => l.startsWith('# HELP')))
      expect(line).not.toMatch(/order_number|customer|warehouse|supplier/);
    // Two workers in one process do not collide.
    expect(() => new RuntimeMetrics()).not.toThrow();
  });
});
