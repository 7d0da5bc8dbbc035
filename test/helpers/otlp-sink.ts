// A minimal OTLP/HTTP (JSON) receiver: accepts `POST /v1/traces` as a collector does (200 with an empty
// partial-success answer) and keeps the spans, or only counts them (`keep: false`, the pipeline bench's
// sink when no Jaeger binary is built). Served by lib/http-server.ts, bodies bounded.
import { readBody, startHttpServer } from '../../lib/http-server.ts';

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number; message?: string };
  /** The resource's `service.name`. */
  service: string;
  resource: Record<string, unknown>;
}

export interface OtlpSink {
  /** The base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  readonly endpoint: string;
  readonly spans: OtlpSpan[];
  /** Spans kept and export requests answered (a discarding sink counts requests only). */
  readonly counts: { spans: number; requests: number };
  close(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}

function anyValueOf(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return v.boolValue;
}

function attributesOf(list: { key: string; value: AnyValue }[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, anyValueOf(a.value)]));
}

export async function startOtlpSink(options: { keep?: boolean } = {}): Promise<OtlpSink> {
  const spans: OtlpSpan[] = [];
  const counts = { spans: 0, requests: 0 };
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    handler: async (req, res) => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const read = await readBody(req, 64 * 1024 * 1024);
      if (!read.ok) {
        res.writeHead(413).end();
        return;
      }
      counts.requests++;
      if (options.keep === false) {
        // Discarding: accepted unread, as a collector's fast path would cost the sender nothing more.
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const body = JSON.parse(read.body) as {
        resourceSpans?: {
          resource?: { attributes?: { key: string; value: AnyValue }[] };
          scopeSpans?: {
            spans?: (Omit<OtlpSpan, 'attributes' | 'service' | 'resource'> & { attributes?: { key: string; value: AnyValue }[] })[];
          }[];
        }[];
      };
      for (const rs of body.resourceSpans ?? []) {
        const resource = attributesOf(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? [])
          for (const span of ss.spans ?? []) {
            counts.spans++;
            spans.push({ ...span, attributes: attributesOf(span.attributes), service: String(resource['service.name']), resource });
          }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    },
  });
  return { endpoint: server.url, spans, counts, close: () => server.close() };
}
