/**
 * Trace export settings from the standard OpenTelemetry environment variables, which the controller
 * sets on every worker from the Estate's `spec.observability.otlp` (controller/plan):
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (OTLP/HTTP base URL; spans go to `<it>/v1/traces`),
 * `OTEL_TRACES_SAMPLER_ARG` (share of new traces kept, 0..1), `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES` (`interlace.estate=distribution,k8s.namespace.name=...`).
 * Without an endpoint nothing is exported (spans are created and dropped, as before).
 */
import { otlpTracer, sampleRatioOf } from './otlp-tracer.ts';
import type { ExportingTracer } from './otlp-tracer.ts';

export type TraceExportSetting =
  | { ok: true; tracer: ExportingTracer | undefined; endpoint: string | undefined }
  | { ok: false; error: string };

/** The exporting tracer the environment asks for; `serviceName` is used when `OTEL_SERVICE_NAME` is unset. */
export function tracerFromEnvironment(env: Readonly<Record<string, string | undefined>>, serviceName: string): TraceExportSetting {
  const endpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  if (!endpoint) return { ok: true, tracer: undefined, endpoint: undefined };
  if (!/^https?:\/\/[^\s/]+/.test(endpoint))
    return { ok: false, error: `OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, not ${JSON.stringify(endpoint)}` };
  const ratio = sampleRatioOf(env['OTEL_TRACES_SAMPLER_ARG']);
  if (!ratio.ok) return ratio;
  const resource = resourceAttributesOf(env['OTEL_RESOURCE_ATTRIBUTES']);
  const { 'interlace.estate': estate, ...rest } = resource;
  return {
    ok: true,
    endpoint,
    tracer: otlpTracer({
      endpoint,
      serviceName: env['OTEL_SERVICE_NAME']?.trim() || serviceName,
      ...(estate ? { estate } : {}),
      ...(ratio.ratio !== undefined ? { sampleRatio: ratio.ratio } : {}),
      resource: rest,
    }),
  };
}

/** `k=v,k2=v2` (values percent-encoded, as the OpenTelemetry specification says); malformed pairs are left out. */
export function resourceAttributesOf(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  for (const pair of value.split(',').slice(0, 64)) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    let text = pair.slice(at + 1).trim();
    try {
      text = decodeURIComponent(text);
    } catch {
      continue;
    }
    if (key && text && key.length <= 255 && text.length <= 255) out[key] = text;
  }
  return out;
}
