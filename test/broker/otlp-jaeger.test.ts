// Traces leave the process (issue 15): the example estate runs in process (`interlace run`, embedded
// backbone, simulated systems) with OTLP export to a real Jaeger (v1.75.0, built from the Go module
// proxy by scripts/build-jaeger.sh). Jaeger's query API then holds the journey of one dealer order as ONE
// trace: the webhook receiver's publish, both targets of dealer-order-received, the order's creation in
// the legacy ERP and the status sent back to the portal — each span with the order's business keys, no
// span with a value of a field classified pii or confidential.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateRun } from '../../runtime/run/estate-run.ts';
import { jaegerOrSkipReason, startJaeger } from './harness/jaeger.ts';
import type { Jaeger } from './harness/jaeger.ts';
import { backboneFactories, startEstate } from './scenario-support.ts';
import type { BackboneUnderTest } from './scenario-support.ts';

const jaegerBinary = await jaegerOrSkipReason();
const embedded = (await backboneFactories()).find((f) => f.name === 'embedded')!;

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
  processID: string;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
}

/** The traces of `service` with a span tagged `key=value`, from Jaeger's query HTTP API. */
async function tracesTagged(jaeger: Jaeger, key: string, value: string): Promise<JaegerTrace[]> {
  const query = new URLSearchParams({ service: 'interlace-run', tags: JSON.stringify({ [key]: value }), limit: '50', lookback: '1h' });
  const res = await fetch(`${jaeger.queryUrl}/api/traces?${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: JaegerTrace[] | null }).data ?? [];
}

const tag = (span: JaegerSpan, key: string): unknown => span.tags.find((t) => t.key === key)?.value;

describe.skipIf('skip' in jaegerBinary)('OTLP export to a real Jaeger', () => {
  let jaeger: Jaeger | undefined;
  let bb: BackboneUnderTest | undefined;
  let run: EstateRun | undefined;
  beforeAll(async () => {
    if ('skip' in jaegerBinary) return;
    jaeger = await startJaeger(jaegerBinary.binary);
  }, 120_000);
  afterAll(async () => {
    await run?.stop();
    await bb?.close();
    await jaeger?.stop();
  });

  it('holds one dealer order as one trace, from the webhook through every route and target, with its business keys', {
    timeout: 240_000,
  }, async () => {
    bb = await embedded.open();
    run = await startEstate(bb, { otlp: { endpoint: jaeger!.otlpEndpoint, estate: 'distribution' } });
    const sim = run.simulation!;
    const [orderNumber, other] = sim.sendOrders(2);
    const order = sim.dealerPortal.submitted.get(orderNumber!) as {
      customer: { number: string; name: string; contactName: string; email: string };
      shipTo: { postalCode: string };
      lines: { warehouse: string; unitPrice: number }[];
    };
    expect(await run.settle({ timeoutMs: 120_000, quietMs: 500 })).toBe(true);
    // Stopping the run shuts its tracer down, which sends every queued span.
    await run.stop();
    run = undefined;

    const journey = [
      'deliver dealer-order-received/orders-received',
      'deliver order-validation/legacy-erp',
      'deliver order-status-changed/dealer-portal',
    ];
    let trace: JaegerTrace | undefined;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      const traces = await tracesTagged(jaeger!, 'interlace.business_key.order_number', orderNumber!);
      // The trace that holds the ERP call of this order; Jaeger's batch makes spans arrive in steps.
      trace = traces.find((t) => t.spans.some((s) => s.operationName === 'deliver order-validation/legacy-erp'));
      if (trace && journey.every((name) => trace!.spans.some((s) => s.operationName === name))) break;
    }
    expect(trace, `no trace of ${orderNumber} with its ERP call in Jaeger`).toBeDefined();
    const spans = trace!.spans;
    const names = spans.map((s) => s.operationName);
    expect(names).toEqual(
      expect.arrayContaining([
        'publish dealer-portal Order.Submitted',
        'deliver dealer-order-received/orders-received',
        'deliver dealer-order-received/order-status',
        'deliver order-validation/legacy-erp',
        'deliver order-status-changed/dealer-portal',
      ]),
    );
    // One trace, one root (the webhook receiver's publish); every other span's parent is in it.
    const ids = new Set(spans.map((s) => s.spanID));
    const roots = spans.filter((s) => !s.references.some((r) => r.refType === 'CHILD_OF'));
    expect(roots.map((s) => s.operationName)).toEqual(['publish dealer-portal Order.Submitted']);
    for (const span of spans) {
      expect(span.traceID).toBe(trace!.traceID);
      for (const ref of span.references) expect(ids.has(ref.spanID), `${span.operationName}'s parent is in the trace`).toBe(true);
    }
    // Business keys on every delivery span; the other order's never.
    const warehouses = [...new Set(order.lines.map((l) => l.warehouse))].join(',');
    for (const span of spans.filter((s) => s.operationName.startsWith('deliver '))) {
      expect(tag(span, 'interlace.business_key.order_number'), span.operationName).toBe(orderNumber);
      expect(tag(span, 'interlace.outcome'), span.operationName).toBe('delivered');
    }
    const received = spans.find((s) => s.operationName === 'deliver dealer-order-received/orders-received')!;
    expect(tag(received, 'interlace.business_key.customer')).toBe(order.customer.number);
    expect(tag(received, 'interlace.business_key.warehouse')).toBe(warehouses);
    expect(spans.some((s) => tag(s, 'interlace.business_key.order_number') === other)).toBe(false);
    // Resource: the run's service name and the Estate.
    const processes = Object.values(trace!.processes);
    expect(processes.map((p) => p.serviceName)).toEqual(processes.map(() => 'interlace-run'));
    expect(processes[0]!.tags).toEqual(expect.arrayContaining([{ key: 'interlace.estate', type: 'string', value: 'distribution' }]));
    // No value of a pii or confidential field anywhere in the trace.
    const text = JSON.stringify(trace);
    for (const secret of [order.customer.name, order.customer.contactName, order.customer.email, order.shipTo.postalCode])
      expect(text.includes(secret), `the trace carries the pii value ${secret}`).toBe(false);
  });
});
