/**
 * How a worker finds its Temporal cluster: the environment the controller's Deployments set
 * (controller/plan/temporal-env.ts writes these names) or `interlace worker`'s flags. Reading the mTLS
 * files happens here, at start, so a missing or unreadable file is one clear message, not an SDK error
 * later. Imports no SDK: it loads where @temporalio/* is not installed, so that case can be reported too.
 */
import { readFileSync } from 'node:fs';
import type { Environment } from '../../http/secrets.ts';
import { scopeProblem } from './scope.ts';
import type { TemporalConnectionOptions } from './temporal-engine.ts';

/** The worker's environment variables (the Deployment sets them; the API key comes from a Secret). */
export const TEMPORAL_ENV = {
  address: 'INTERLACE_TEMPORAL_ADDRESS',
  namespace: 'INTERLACE_TEMPORAL_NAMESPACE',
  taskQueue: 'INTERLACE_TEMPORAL_TASK_QUEUE',
  /** The Estate scope (scope.ts): the controller sets `<namespace>.<estate>` or the Estate's own. */
  scope: 'INTERLACE_TEMPORAL_SCOPE',
  tlsCertFile: 'INTERLACE_TEMPORAL_TLS_CERT_FILE',
  tlsKeyFile: 'INTERLACE_TEMPORAL_TLS_KEY_FILE',
  tlsCaFile: 'INTERLACE_TEMPORAL_TLS_CA_FILE',
  apiKey: 'INTERLACE_TEMPORAL_API_KEY',
} as const;

export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** What the flags give (each wins over its variable). */
export interface TemporalFlags {
  address?: string | undefined;
  namespace?: string | undefined;
  taskQueue?: string | undefined;
  scope?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsCa?: string | undefined;
}

export type TemporalSettingsResult = { ok: true; settings: TemporalConnectionOptions | undefined } | { ok: false; error: string };

/**
 * The connection settings, or undefined when no address is given (the worker then runs no workflows),
 * or an error that says which setting is wrong. The API key is read from the environment only: a
 * secret on the command line is visible to every process on the machine.
 */
export function temporalSettings(flags: TemporalFlags, env: Environment): TemporalSettingsResult {
  const address = flags.address ?? env[TEMPORAL_ENV.address];
  if (!address) return { ok: true, settings: undefined };
  if (!/^[^\s:/]+:\d{1,5}$/.test(address) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(address))
    return { ok: false, error: `Temporal address ${JSON.stringify(address)} is not host:port (the frontend's gRPC port, 7233 by default)` };
  const namespace = flags.namespace ?? env[TEMPORAL_ENV.namespace] ?? DEFAULT_TEMPORAL_NAMESPACE;
  const taskQueue = flags.taskQueue ?? env[TEMPORAL_ENV.taskQueue];
  const scope = flags.scope ?? env[TEMPORAL_ENV.scope];
  const badScope = scope ? scopeProblem(scope) : undefined;
  if (badScope) return { ok: false, error: badScope };
  const certFile = flags.tlsCert ?? env[TEMPORAL_ENV.tlsCertFile];
  const keyFile = flags.tlsKey ?? env[TEMPORAL_ENV.tlsKeyFile];
  const caFile = flags.tlsCa ?? env[TEMPORAL_ENV.tlsCaFile];
  const apiKey = env[TEMPORAL_ENV.apiKey];
  if ((certFile === undefined) !== (keyFile === undefined))
    return { ok: false, error: 'Temporal mTLS needs both a client certificate and its key (--temporal-tls-cert and --temporal-tls-key)' };
  const read = (file: string, what: string): Buffer | string => {
    try {
      return readFileSync(file);
    } catch (error) {
      return `cannot read the Temporal ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    }
  };
  let tls: TemporalConnectionOptions['tls'];
  if (certFile !== undefined && keyFile !== undefined) {
    const cert = read(certFile, 'client certificate');
    const key = read(keyFile, 'client key');
    const ca = caFile !== undefined ? read(caFile, 'CA') : undefined;
    for (const value of [cert, key, ca]) if (typeof value === 'string') return { ok: false, error: value };
    tls = { cert: cert as Buffer, key: key as Buffer, ...(ca ? { ca: ca as Buffer } : {}) };
  } else if (caFile !== undefined) {
    return { ok: false, error: 'a Temporal CA file without a client certificate: give --temporal-tls-cert and --temporal-tls-key too' };
  }
  return {
    ok: true,
    settings: {
      address,
      namespace,
      ...(taskQueue ? { taskQueue } : {}),
      ...(scope ? { scope } : {}),
      ...(tls ? { tls } : {}),
      ...(apiKey ? { apiKey } : {}),
    },
  };
}
