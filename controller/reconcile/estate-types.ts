/** The Estate custom resource as the controller reads it (see generators/crds/estate-crd.ts for the schema). */
import { parseDuration } from '../../lib/duration.ts';
import type { LiveObject } from '../apply/index.ts';
import type { BackboneSpec } from '../plan/backbone-env.ts';
import type { TemporalSpec } from '../plan/temporal-env.ts';
import type { TracingSpec } from '../plan/types.ts';
import type { EstateStatus } from '../status/index.ts';

export interface EstateSpec {
  source: {
    url: string;
    ref?: { branch?: string; tag?: string; commit?: string };
    path?: string;
    interval?: string;
    timeout?: string;
    secretRef?: { name: string };
    webhookSecretRef?: { name: string };
  };
  targetNamespace?: string;
  runtimeImage?: string;
  /** The NATS JetStream the workers share (controller/plan/backbone-env.ts). */
  backbone?: BackboneSpec;
  /** Where the Workflow units run (controller/plan/temporal-env.ts). */
  workflows?: { temporal?: TemporalSpec };
  /** OTLP trace export of the workers; default: the controller's `--otlp-endpoint`. */
  tracing?: TracingSpec;
  prune?: boolean;
  suspend?: boolean;
}

export interface EstateObject extends LiveObject {
  spec: EstateSpec;
  status?: Partial<EstateStatus> & Record<string, unknown>;
}

export const ESTATE_API_VERSION = 'interlace.dev/v1alpha1';
export const ESTATE_KIND = 'Estate';
export const FINALIZER = 'interlace.dev/finalizer';
/**
 * An annotation whose value (a timestamp, by convention) asks for a reconcile now, as Flux's
 * `reconcile.fluxcd.io/requestedAt`: a new value wakes the controller (the informer enqueues annotation
 * changes), which fetches, gates and applies afresh and records the value in `status.lastHandledReconcileAt`.
 */
export const RECONCILE_REQUESTED_AT = 'interlace.dev/reconcile-requested-at';

/** How often an Estate's source is fetched when nothing happens, and how long one fetch may take. */
export interface SourceTimings {
  intervalMs: number;
  timeoutMs: number;
}

export const DEFAULT_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_FETCH_TIMEOUT_MS = 60_000;

/**
 * `spec.source.interval` and `spec.source.timeout` in milliseconds (defaults when absent), or what is
 * wrong with them. The CRD's pattern admits the same grammar as {@link parseDuration}, but a CRD can be
 * installed without validation or edited, so a refusal here becomes a Stalled condition, not a crash.
 * Zero is refused: a zero interval would refetch in a loop and a zero timeout fail every fetch.
 */
export function sourceTimings(source: EstateSpec['source']): { ok: true; timings: SourceTimings } | { ok: false; message: string } {
  const field = (name: 'interval' | 'timeout', fallbackMs: number): number | string => {
    const text = source[name];
    if (text === undefined) return fallbackMs;
    const parsed = parseDuration(text);
    if (!parsed.ok) return `spec.source.${name}: ${parsed.reason}`;
    if (parsed.ms <= 0) return `spec.source.${name}: ${JSON.stringify(text)} must be longer than zero`;
    return parsed.ms;
  };
  const intervalMs = field('interval', DEFAULT_INTERVAL_MS);
  const timeoutMs = field('timeout', DEFAULT_FETCH_TIMEOUT_MS);
  if (typeof intervalMs === 'string') return { ok: false, message: intervalMs };
  if (typeof timeoutMs === 'string') return { ok: false, message: timeoutMs };
  return { ok: true, timings: { intervalMs, timeoutMs } };
}
