/**
 * How a Workflow unit's worker Deployment reaches the Temporal cluster that runs its workflows, in the
 * shape of backbone-env.ts: the address, namespace and the Estate's scope as plain environment, an API key
 * from its Secret (`secretKeyRef`), an mTLS client certificate, key and CA as files mounted from a
 * `kubernetes.io/tls` Secret. The variable names are the worker's (runtime/workflow/temporal/temporal-settings.ts).
 */
import { createHash } from 'node:crypto';
import { SCOPE_MAX_LENGTH } from '../../runtime/workflow/temporal/scope.ts';
import { TEMPORAL_ENV } from '../../runtime/workflow/temporal/temporal-settings.ts';

/** `Estate.spec.workflows.temporal`, or the controller's default (`--temporal-address`, the chart's `temporal.*`). */
export interface TemporalSpec {
  /** `host:port` of the Temporal frontend (gRPC). */
  address: string;
  /** Default `default`. */
  namespace?: string;
  /**
   * The Estate's scope in the namespace (runtime/workflow/temporal/scope.ts). Default
   * `<Estate namespace>.<Estate name>` (`temporalScope`); set it where that is not unique on the Temporal
   * namespace — the same Estate in two Kubernetes clusters (staging and production) on one Temporal.
   */
  scope?: string;
  /** A `kubernetes.io/tls` Secret: `tls.crt` and `tls.key` (the client certificate), `ca.crt` (the server's CA, optional). */
  mtls?: { secretRef: { name: string } };
  /** A Secret holding an API key (Temporal Cloud), under `key` (default `api-key`). */
  apiKey?: { secretRef: { name: string; key?: string } };
  /**
   * The image Workflow units run: one with the Temporal SDK (the Dockerfile's `temporal` target;
   * decision 0017). Default: the Estate's runtime image.
   */
  image?: string;
}

/** The Temporal settings of one Estate's workers: the scope decided (`temporalScope`). */
export type ScopedTemporalSpec = TemporalSpec & { scope: string };

const MTLS_MOUNT = '/etc/interlace/temporal-tls';
const DEFAULT_API_KEY_KEY = 'api-key';

interface TemporalWiring {
  env: Record<string, unknown>[];
  volumes: Record<string, unknown>[];
  volumeMounts: Record<string, unknown>[];
}

/**
 * The scope of an Estate's workflows on Temporal: the Estate's own (`spec.workflows.temporal.scope`), else
 * `<namespace>.<name>` — unique in a Kubernetes cluster (a namespace has no dot). A pair longer than a
 * scope may be keeps its first characters and a hash of the whole, so it stays readable and unique.
 */
export function temporalScope(temporal: TemporalSpec, estate: { name: string; namespace: string }): string {
  if (temporal.scope) return temporal.scope;
  const full = `${estate.namespace}.${estate.name}`;
  if (full.length <= SCOPE_MAX_LENGTH) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, SCOPE_MAX_LENGTH - hash.length - 1).replace(/[^A-Za-z0-9]+$/, '')}-${hash}`;
}

/** The env entries, volumes and mounts that give a Workflow unit's worker its Temporal cluster and its Estate's scope. */
export function temporalWiring(temporal: ScopedTemporalSpec): TemporalWiring {
  const env: Record<string, unknown>[] = [
    { name: TEMPORAL_ENV.address, value: temporal.address },
    { name: TEMPORAL_ENV.namespace, value: temporal.namespace ?? 'default' },
    { name: TEMPORAL_ENV.scope, value: temporal.scope },
  ];
  const volumes: Record<string, unknown>[] = [];
  const volumeMounts: Record<string, unknown>[] = [];
  if (temporal.apiKey) {
    const { name, key } = temporal.apiKey.secretRef;
    env.push({ name: TEMPORAL_ENV.apiKey, valueFrom: { secretKeyRef: { name, key: key ?? DEFAULT_API_KEY_KEY } } });
  }
  if (temporal.mtls) {
    env.push(
      { name: TEMPORAL_ENV.tlsCertFile, value: `${MTLS_MOUNT}/tls.crt` },
      { name: TEMPORAL_ENV.tlsKeyFile, value: `${MTLS_MOUNT}/tls.key` },
      { name: TEMPORAL_ENV.tlsCaFile, value: `${MTLS_MOUNT}/ca.crt` },
    );
    volumes.push({
      name: 'temporal-tls',
      secret: {
        secretName: temporal.mtls.secretRef.name,
        defaultMode: 0o440,
        items: [
          { key: 'tls.crt', path: 'tls.crt' },
          { key: 'tls.key', path: 'tls.key' },
          { key: 'ca.crt', path: 'ca.crt' },
        ],
      },
    });
    volumeMounts.push({ name: 'temporal-tls', mountPath: MTLS_MOUNT, readOnly: true });
  }
  return { env, volumes, volumeMounts };
}

/** The Secrets a Temporal connection reads, with the keys each must hold (for the reconciler's check). */
export function temporalSecrets(temporal: TemporalSpec): { name: string; keys: readonly string[]; purpose: string }[] {
  const out: { name: string; keys: readonly string[]; purpose: string }[] = [];
  if (temporal.mtls) out.push({ name: temporal.mtls.secretRef.name, keys: ['tls.crt', 'tls.key', 'ca.crt'], purpose: 'Temporal mTLS' });
  if (temporal.apiKey)
    out.push({
      name: temporal.apiKey.secretRef.name,
      keys: [temporal.apiKey.secretRef.key ?? DEFAULT_API_KEY_KEY],
      purpose: 'Temporal API key',
    });
  return out;
}
