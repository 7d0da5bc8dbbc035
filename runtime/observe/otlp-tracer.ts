/**
 * The `Tracer` that exports: the OpenTelemetry JS SDK (tracer provider, parent-based ratio sampler,
 * batch span processor, OTLP/HTTP exporter) behind the runtime's narrow `Tracer` interface, so the
 * delivery pipeline, the API server and the source adapters do not change (docs/observability.md,
 * docs/decisions/0011-opentelemetry-sdk-for-traces.md).
 *
 * Trace context still travels as the runtime's own `traceparent` values: a parent from a message or
 * request header becomes a remote SDK span context, and the SDK's span ids go back out in headers. The
 * SDK's global context manager and propagators are not used (nothing is installed process-wide), so two
 * workers in one process (`interlace run`) each export under their own resource.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import type { Attributes, Span as OtelSpan } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Span, SpanKindName, Tracer } from './trace.ts';

export interface OtlpTracerOptions {
  /**
   * The collector's OTLP/HTTP base URL (`http://otel-collector:4318`); spans go to `<endpoint>/v1/traces`
   * (the meaning of `OTEL_EXPORTER_OTLP_ENDPOINT`). A URL that already ends in `/v1/traces` is used as is.
   */
  endpoint: string;
  /** `service.name`: the worker unit (`route-order-fulfilment`), or `interlace-run`. */
  serviceName: string;
  /** The Estate (`interlace.estate` resource attribute), when known. */
  estate?: string;
  /** Share of new traces kept, 0..1 (default 1). A span with a parent follows its parent's decision. */
  sampleRatio?: number;
  /** Extra resource attributes (`service.instance.id`, `k8s.namespace.name`). */
  resource?: Readonly<Record<string, string>>;
  /** Batch span processor queue (default 8192 spans; beyond it spans are dropped, never blocking). */
  maxQueueSize?: number;
  /** How often a batch is sent (default 1000 ms). */
  scheduledDelayMs?: number;
}

/** A tracer whose spans leave the process; `shutdown` sends what is queued. */
export interface ExportingTracer extends Tracer {
  /** Sends the queued spans now. */
  flush(): Promise<void>;
  /** Sends the queued spans and stops exporting. */
  shutdown(): Promise<void>;
}

const KINDS: Record<SpanKindName, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

/** The OTLP/HTTP traces URL of a collector base URL. */
export function tracesUrlOf(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

/**
 * The sampling ratio from `OTEL_TRACES_SAMPLER_ARG` (a number in 0..1); undefined when unset, and an
 * error message for any other value (the worker refuses to start rather than trace at a guessed rate).
 */
export function sampleRatioOf(value: string | undefined): { ok: true; ratio: number | undefined } | { ok: false; error: string } {
  if (value === undefined || value.trim() === '') return { ok: true, ratio: undefined };
  const ratio = Number(value);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    return { ok: false, error: `OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not ${JSON.stringify(value)}` };
  return { ok: true, ratio };
}

/** A tracer exporting over OTLP/HTTP (JSON) with a batch span processor and a parent-based ratio sampler. */
export function otlpTracer(options: OtlpTracerOptions): ExportingTracer {
  const exporter = new OTLPTraceExporter({ url: tracesUrlOf(options.endpoint) });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.namespace': 'interlace',
      ...(options.estate ? { 'interlace.estate': options.estate } : {}),
      ...options.resource,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        maxQueueSize: options.maxQueueSize ?? 8192,
        maxExportBatchSize: 512,
        scheduledDelayMillis: options.scheduledDelayMs ?? 1000,
      }),
    ],
  });
  const sdk = provider.getTracer('interlace');
  return {
    startSpan(name, spanOptions = {}) {
      const parent = spanOptions.parent;
      const context = parent
        ? trace.setSpanContext(ROOT_CONTEXT, {
            traceId: parent.traceId,
            spanId: parent.spanId,
            traceFlags: parent.flags & TraceFlags.SAMPLED,
            isRemote: true,
          })
        : ROOT_CONTEXT;
      const span = sdk.startSpan(
        name,
        { kind: KINDS[spanOptions.kind ?? 'internal'], ...(spanOptions.attributes ? { attributes: defined(spanOptions.attributes) } : {}) },
        context,
      );
      return wrap(span);
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

function wrap(span: OtelSpan): Span {
  const sc = span.spanContext();
  return {
    context: { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags },
    setAttribute(key, value) {
      span.setAttribute(key, value);
    },
    setAttributes(values) {
      span.setAttributes(defined(values));
    },
    fail(error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    },
    end() {
      span.end();
    },
  };
}

function defined(values: Readonly<Record<string, string | number | boolean | undefined>>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value;
  return out;
}
