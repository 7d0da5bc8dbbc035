// otlpTracer: the runtime's Tracer on the OpenTelemetry SDK, exporting over OTLP/HTTP to a receiver that
// decodes what arrives (test/helpers/otlp-sink.ts): parents from traceparent values, kinds, attributes,
// error status, the resource, parent-based ratio sampling; and the business keys a trace may carry.
import { afterEach, describe, expect, it } from 'vitest';
import type { DataContract } from '../../../language/kinds/generated/kinds.ts';
import { unclassifiedBusinessKeys } from '../../../runtime/observe/business-keys.ts';
import { contractBusinessKeys } from '../../../runtime/worker/estate.ts';
import { otlpTracer, sampleRatioOf, tracesUrlOf } from '../../../runtime/observe/otlp-tracer.ts';
import { formatTraceparent, parseTraceparent } from '../../../runtime/observe/trace.ts';
import { resourceAttributesOf, tracerFromEnvironment } from '../../../runtime/observe/trace-config.ts';
import { startOtlpSink } from '../../helpers/otlp-sink.ts';
import type { OtlpSink } from '../../helpers/otlp-sink.ts';

let sink: OtlpSink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

describe('otlpTracer', () => {
  it('exports spans that continue a traceparent, with kind, attributes, status and resource', async () => {
    sink = await startOtlpSink();
    const tracer = otlpTracer({ endpoint: sink.endpoint, serviceName: 'route-order-fulfilment', estate: 'distribution' });
    const root = tracer.startSpan('publish dealer-portal Order.Submitted', {
      kind: 'producer',
      attributes: { 'interlace.system': 'dealer-portal' },
    });
    const header = formatTraceparent(root.context);
    root.end();
    const child = tracer.startSpan('deliver order-fulfilment/wms', {
      parent: parseTraceparent(header)!,
      kind: 'consumer',
      attributes: { 'interlace.route': 'order-fulfilment', skipped: undefined },
    });
    child.setAttributes({ 'interlace.business_key.order_number': 'DP-1' });
    child.fail(new Error('HTTP 503'));
    child.end();
    child.end();
    await tracer.shutdown();
    expect(sink.spans).toHaveLength(2);
    const [published, delivered] = sink.spans;
    expect(published!.traceId).toBe(root.context.traceId);
    expect(published!.parentSpanId ?? '').toBe('');
    expect(published!.kind).toBe(4); // PRODUCER
    expect(delivered!.traceId).toBe(root.context.traceId);
    expect(delivered!.parentSpanId).toBe(root.context.spanId);
    expect(delivered!.kind).toBe(5); // CONSUMER
    expect(delivered!.attributes).toEqual({ 'interlace.route': 'order-fulfilment', 'interlace.business_key.order_number': 'DP-1' });
    expect(delivered!.status).toEqual({ code: 2, message: 'HTTP 503' });
    expect(delivered!.service).toBe('route-order-fulfilment');
    expect(delivered!.resource['interlace.estate']).toBe('distribution');
  });

  it('samples new traces by ratio and follows the parent decision', async () => {
    sink = await startOtlpSink();
    const tracer = otlpTracer({ endpoint: sink.endpoint, serviceName: 'interlace-run', sampleRatio: 0 });
    const dropped = tracer.startSpan('publish x');
    expect(dropped.context.flags & 1).toBe(0);
    dropped.end();
    // A sampled parent from upstream is kept whatever the ratio; an unsampled one is not.
    const kept = tracer.startSpan('deliver a/b', { parent: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), flags: 1 } });
    kept.end();
    tracer.startSpan('deliver c/d', { parent: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), flags: 0 } }).end();
    await tracer.shutdown();
    expect(sink.spans.map((s) => s.name)).toEqual(['deliver a/b']);
  });

  it('reads its settings from the OpenTelemetry environment variables and refuses bad ones', async () => {
    expect(tracesUrlOf('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrlOf('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
    expect(sampleRatioOf('0.25')).toEqual({ ok: true, ratio: 0.25 });
    expect(sampleRatioOf('2').ok).toBe(false);
    expect(sampleRatioOf('half').ok).toBe(false);
    expect(resourceAttributesOf('interlace.estate=distribution,bad,k8s.namespace.name=ops%2Dtest')).toEqual({
      'interlace.estate': 'distribution',
      'k8s.namespace.name': 'ops-test',
    });
    const none = tracerFromEnvironment({}, 'route-x');
    expect(none).toEqual({ ok: true, tracer: undefined, endpoint: undefined });
    expect(tracerFromEnvironment({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'route-x').ok).toBe(false);
    expect(tracerFromEnvironment({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER_ARG: '-1' }, 'route-x').ok).toBe(
      false,
    );

    sink = await startOtlpSink();
    const setting = tracerFromEnvironment(
      { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_RESOURCE_ATTRIBUTES: 'interlace.estate=distribution' },
      'route-order-validation',
    );
    if (!setting.ok || !setting.tracer) throw new Error('expected a tracer');
    setting.tracer.startSpan('deliver order-validation/legacy-erp').end();
    await setting.tracer.shutdown();
    expect(sink.spans.map((s) => [s.service, s.resource['interlace.estate']])).toEqual([['route-order-validation', 'distribution']]);
  });
});

describe('unclassifiedBusinessKeys', () => {
  it('leaves out business keys that read a pii or confidential field, or anything inside one', () => {
    expect(
      unclassifiedBusinessKeys(
        {
          order_number: 'orderNumber',
          customer: 'customer.number',
          email: 'customer.email',
          contact: 'shipTo.contact.name',
          price: 'lines[].unitPrice',
        },
        { 'customer.email': 'pii', 'shipTo.contact': 'pii', 'lines[].unitPrice': 'confidential', orderNumber: 'internal' },
      ),
    ).toEqual({ order_number: 'orderNumber', customer: 'customer.number' });
    expect(unclassifiedBusinessKeys(undefined, { a: 'pii' })).toBeUndefined();
  });

  it("is the rule of the workflows' spans too: contractBusinessKeys reads a value's keys by its contract ref, without the protected ones", () => {
    const contract = {
      metadata: { name: 'order' },
      spec: {
        version: '2.1.0',
        businessKeys: { order_number: 'orderNumber', email: 'customer.email', warehouse: 'lines[].warehouse' },
        classification: { 'customer.email': 'pii' },
      },
    } as unknown as DataContract;
    const keysOf = contractBusinessKeys({ routes: [], apis: [], systems: [], contracts: [contract] });
    const order = { orderNumber: 'SO-1', customer: { email: 'anna@example.com' }, lines: [{ warehouse: 'DE01' }, { warehouse: 'US01' }] };
    expect(keysOf('order@2', order)).toEqual({ order_number: 'SO-1', warehouse: 'DE01,US01' });
    expect(keysOf('order@1', order)).toEqual({});
  });
});

describe('Estate spec.tracing (CRD schema)', () => {
  it('takes an http(s) OTLP endpoint and a ratio from 0 to 1, and agrees with the worker on what an endpoint is', async () => {
    const { estateCrd } = await import('../../../generators/crds/estate-crd.ts');
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const crd = estateCrd() as {
      spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: { tracing: object } } } } } }[] };
    };
    const validate = new Ajv2020({ strict: false }).compile(
      crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.tracing,
    );
    expect(validate({ otlpEndpoint: 'http://otel-collector.observability:4318' })).toBe(true);
    expect(validate({ otlpEndpoint: 'https://otlp.example.com/otlp', sampleRatio: 0.1 })).toBe(true);
    for (const bad of [
      {},
      { otlpEndpoint: 'otel-collector:4318' },
      { otlpEndpoint: 'http://a b' },
      { otlpEndpoint: 'http://c:4318', sampleRatio: 1.5 },
    ])
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    // What the CRD admits, the worker accepts.
    expect(tracerFromEnvironment({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com/otlp' }, 'x').ok).toBe(true);
  });
});
