import { randomBytes } from 'node:crypto';

/**
 * OpenTelemetry-style tracing behind a narrow interface: spans with W3C trace context
 * (`traceparent: 00-<trace-id>-<span-id>-<flags>`) propagated in message and HTTP headers. The
 * finished spans of `createTracer` go to a `SpanSink` (dropped by default); `otlpTracer`
 * (otlp-tracer.ts) implements the same interface with the OpenTelemetry SDK and exports them over
 * OTLP (see docs/observability.md).
 */

export interface SpanContext {
  traceId: string;
  spanId: string;
  /** W3C trace flags; bit 0 = sampled. */
  flags: number;
}

export type SpanStatus = 'unset' | 'ok' | 'error';

export interface FinishedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  startTime: number;
  endTime: number;
  status: SpanStatus;
  error?: string;
  attributes: Record<string, string | number | boolean>;
}

export interface Span {
  readonly context: SpanContext;
  setAttribute(name: string, value: string | number | boolean): void;
  setAttributes(values: Readonly<Record<string, string | number | boolean | undefined>>): void;
  /** Marks the span failed. */
  fail(error: unknown): void;
  end(): void;
}

/** OpenTelemetry's span kinds: `server` for a request served, `consumer` for a message delivered, `producer` for an event published. */
export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

export interface Tracer {
  startSpan(
    name: string,
    options?: {
      parent?: SpanContext;
      kind?: SpanKindName;
      attributes?: Readonly<Record<string, string | number | boolean | undefined>>;
    },
  ): Span;
}

export type SpanSink = (span: FinishedSpan) => void;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Reads a `traceparent` header; undefined when absent or malformed (all-zero ids are invalid). */
export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  if (!value) return undefined;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, flags: Number.parseInt(match[3]!, 16) };
}

/** Writes a `traceparent` header value. */
export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags.toString(16).padStart(2, '0')}`;
}

/** A tracer that hands finished spans to `sink` (default: dropped). */
export function createTracer(sink: SpanSink = () => {}): Tracer {
  return {
    startSpan(name, options = {}) {
      const parent = options.parent;
      const context: SpanContext = {
        traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        flags: parent?.flags ?? 1,
      };
      const attributes: Record<string, string | number | boolean> = {};
      let status: SpanStatus = 'unset';
      let error: string | undefined;
      let ended = false;
      const startTime = Date.now();
      const span: Span = {
        context,
        setAttribute(key, value) {
          attributes[key] = value;
        },
        setAttributes(values) {
          for (const [key, value] of Object.entries(values)) if (value !== undefined) attributes[key] = value;
        },
        fail(err) {
          status = 'error';
          error = err instanceof Error ? err.message : String(err);
        },
        end() {
          if (ended) return;
          ended = true;
          sink({
            name,
            traceId: context.traceId,
            spanId: context.spanId,
            ...(parent ? { parentSpanId: parent.spanId } : {}),
            startTime,
            endTime: Date.now(),
            status: status === 'unset' ? 'ok' : status,
            ...(error !== undefined ? { error } : {}),
            attributes: { ...attributes },
          });
        },
      };
      if (options.attributes) span.setAttributes(options.attributes);
      return span;
    },
  };
}

/** A tracer that keeps finished spans in memory (tests, the live view). */
export function memoryTracer(): { tracer: Tracer; spans: FinishedSpan[] } {
  const spans: FinishedSpan[] = [];
  return { tracer: createTracer((span) => spans.push(span)), spans };
}
