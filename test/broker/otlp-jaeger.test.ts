// Traces leave the process (issue 15): the example estate runs in process (`interlace run`, embedded
// backbone, simulated systems) with OTLP export to a real Jaeger (v1.75.0, built from the Go module
// proxy by scripts/build-jaeger.sh). Jaeger's query API then holds the journey of one dealer order in
// traces that each cross several routes, one root each: the webhook receiver's publish, both targets of
// dealer-order-received, the status sent back to the portal (order-status-changed) and the order-to-cash
// workflow the order started (its start on orders.received, its credit check and its sales order created
// in the ERP); and, from the legacy ERP's confirmation of the sales order (the ERP passes no trace
// context on, as a real SAP does not), order-confirmed, the order's delivery to the warehouse, TMS and
// CRM (order-fulfilment) and its status to the portal — each span with the order's business keys, no
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

  it('holds one dealer order in traces that cross its routes, from the webhook and from the ERP, with its business keys', {
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

    /** Each journey: a trace of this order whose spans include `spans`, with `root` its only root. */
    const journeys = [
      {
        root: 'publish dealer-portal Order.Submitted',
        spans: [
          'publish dealer-portal Order.Submitted',
          'deliver dealer-order-received/orders-received',
          'deliver dealer-order-received/order-status',
          'deliver order-status-changed/dealer-portal',
          'workflow order-to-cash@1 start',
          'workflow order-to-cash@1 credit-check',
          'workflow order-to-cash@1 create-order',
        ],
      },
      {
        root: 'deliver order-confirmed/orders-confirmed',
        spans: [
          'deliver order-confirmed/orders-confirmed',
          'deliver order-fulfilment/wms',
          'deliver order-fulfilment/tms',
          'deliver order-fulfilment/crm',
          'deliver order-fulfilment/order-status',
          'deliver order-status-changed/dealer-portal',
        ],
      },
    ];
    const complete = (t: JaegerTrace, spans: string[]) => spans.every((name) => t.spans.some((s) => s.operationName === name));
    let traces: (JaegerTrace | undefined)[] = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      const found = await tracesTagged(jaeger!, 'interlace.business_key.order_number', orderNumber!);
      // Each journey's trace is the one holding its root; Jaeger's batch makes spans arrive in steps.
      traces = journeys.map((j) => found.find((t) => t.spans.some((s) => s.operationName === j.root)));
      if (traces.every((t, i) => t && complete(t, journeys[i]!.spans))) break;
    }
    const warehouses = [...new Set(order.lines.map((l) => l.warehouse))].join(',');
    for (const [i, journey] of journeys.entries()) {
      const trace = traces[i];
      expect(trace, `no trace of ${orderNumber} from ${journey.root} in Jaeger`).toBeDefined();
      const spans = trace!.spans;
      expect(
        spans.map((s) => s.operationName),
        journey.root,
      ).toEqual(expect.arrayContaining(journey.spans));
      // Several routes in one trace.
      expect(new Set(spans.map((s) => /^deliver ([^/]+)\//.exec(s.operationName)?.[1]).filter(Boolean)).size).toBeGreaterThanOrEqual(2);
      // One trace, one root; every other span's parent is in it.
      const ids = new Set(spans.map((s) => s.spanID));
      const roots = spans.filter((s) => !s.references.some((r) => r.refType === 'CHILD_OF'));
      expect(roots.map((s) => s.operationName)).toEqual([journey.root]);
      for (const span of spans) {
        expect(span.traceID).toBe(trace!.traceID);
        for (const ref of span.references) expect(ids.has(ref.spanID), `${span.operationName}'s parent is in the trace`).toBe(true);
      }
      // Business keys on every delivery span; the other order's never.
      for (const span of spans.filter((s) => s.operationName.startsWith('deliver '))) {
        expect(tag(span, 'interlace.business_key.order_number'), span.operationName).toBe(orderNumber);
        expect(tag(span, 'interlace.outcome'), span.operationName).toBe('delivered');
      }
      expect(spans.some((s) => tag(s, 'interlace.business_key.order_number') === other)).toBe(false);
    }
    const [fromWebhook, fromErp] = traces as [JaegerTrace, JaegerTrace];
    expect(fromWebhook.traceID).not.toBe(fromErp.traceID);
    expect(fromWebhook.spans.map((s) => s.operationName)).toContain('deliver dealer-order-received/order-status');
    const received = fromWebhook.spans.find((s) => s.operationName === 'deliver dealer-order-received/orders-received')!;
    expect(tag(received, 'interlace.business_key.customer')).toBe(order.customer.number);
    expect(tag(received, 'interlace.business_key.warehouse')).toBe(warehouses);
    // The workflow continues the trace of the event that started it: its start under the delivery to
    // orders.received, each step a child of the start, with the order's business keys (the trigger's).
    const span = (name: string) => fromWebhook.spans.find((s) => s.operationName === name)!;
    const parentOf = (s: JaegerSpan) => s.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
    const started = span('workflow order-to-cash@1 start');
    expect(parentOf(started)).toBe(received.spanID);
    expect(tag(started, 'interlace.workflow.execution')).toBe(`order-to-cash@1/${orderNumber}`);
    for (const [step, kind] of [
      ['credit-check', 'client'],
      ['create-order', 'client'],
    ] as const) {
      const stepSpan = span(`workflow order-to-cash@1 ${step}`);
      expect(parentOf(stepSpan), step).toBe(started.spanID);
      expect(tag(stepSpan, 'span.kind'), step).toBe(kind);
      expect(tag(stepSpan, 'interlace.workflow.step'), step).toBe(step);
      expect(tag(stepSpan, 'interlace.system'), step).toBe('legacy-erp');
      expect(tag(stepSpan, 'interlace.outcome'), step).toBe('called');
      expect(tag(stepSpan, 'interlace.business_key.order_number'), step).toBe(orderNumber);
      expect(tag(stepSpan, 'interlace.business_key.customer'), step).toBe(order.customer.number);
    }
    // The ERP's confirmation of the sales order the workflow created is in the other trace, not this one.
    expect(fromWebhook.spans.some((s) => s.operationName === 'deliver order-confirmed/orders-confirmed')).toBe(false);
    const picked = fromErp.spans.find((s) => s.operationName === 'deliver order-fulfilment/wms')!;
    expect(tag(picked, 'interlace.business_key.customer')).toBe(order.customer.number);
    for (const trace of [fromWebhook, fromErp]) {
      // Resource: the run's service name and the Estate.
      const processes = Object.values(trace.processes);
      expect(processes.map((p) => p.serviceName)).toEqual(processes.map(() => 'interlace-run'));
      expect(processes[0]!.tags).toEqual(expect.arrayContaining([{ key: 'interlace.estate', type: 'string', value: 'distribution' }]));
      // No value of a pii or confidential field anywhere in the trace.
      const text = JSON.stringify(trace);
      for (const secret of [order.customer.name, order.customer.contactName, order.customer.email, order.shipTo.postalCode])
        expect(text.includes(secret), `the trace carries the pii value ${secret}`).toBe(false);
    }
  });
});
