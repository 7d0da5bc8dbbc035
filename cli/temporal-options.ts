/**
 * The Temporal cluster of `interlace controller` (for Estates that name none in spec.workflows.temporal;
 * the chart's temporal.* values) and of `interlace plan`: flags → controller/plan/temporal-env.ts's
 * TemporalSpec. Secret names only; the values stay in the cluster.
 */
import type { TemporalSpec } from '../controller/plan/temporal-env.ts';
import { UsageError } from './exit-codes.ts';

export const TEMPORAL_PLAN_HELP = `  --temporal-namespace <ns>          the Temporal namespace (default default)
  --temporal-image <image>           the image Workflow units run: one with the Temporal SDK (default: the runtime image)
  --temporal-mtls-secret <name>      a kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt): the workers' mTLS client certificate
  --temporal-api-key-secret <name>[:<key>]
                                     a Secret holding an API key (Temporal Cloud; key default api-key)`;

export const TEMPORAL_PLAN_OPTIONS = {
  'temporal-namespace': { type: 'string' },
  'temporal-image': { type: 'string' },
  'temporal-mtls-secret': { type: 'string' },
  'temporal-api-key-secret': { type: 'string' },
} as const;

const ADDRESS = /^([^\s:/]+|\[[0-9a-fA-F:]+\]):\d{1,5}$/;

export function temporalFromFlags(
  address: string | undefined,
  values: {
    'temporal-namespace'?: string | undefined;
    'temporal-image'?: string | undefined;
    'temporal-mtls-secret'?: string | undefined;
    'temporal-api-key-secret'?: string | undefined;
  },
): TemporalSpec | undefined {
  const namespace = values['temporal-namespace'];
  const image = values['temporal-image'];
  const mtls = values['temporal-mtls-secret'];
  const apiKey = values['temporal-api-key-secret'];
  if (address === undefined) {
    if (namespace !== undefined || image !== undefined || mtls !== undefined || apiKey !== undefined)
      throw new UsageError(
        '--temporal-namespace, --temporal-image, --temporal-mtls-secret and --temporal-api-key-secret need a Temporal address',
      );
    return undefined;
  }
  if (!ADDRESS.test(address))
    throw new UsageError(`Temporal address "${address}" is not host:port (the frontend's gRPC port, 7233 by default)`);
  const spec: TemporalSpec = { address, ...(namespace ? { namespace } : {}), ...(image ? { image } : {}) };
  if (mtls !== undefined) spec.mtls = { secretRef: { name: mtls } };
  if (apiKey !== undefined) {
    const [name, key] = apiKey.split(':');
    if (!name) throw new UsageError(`--temporal-api-key-secret "${apiKey}": use <secret> or <secret>:<key>`);
    spec.apiKey = { secretRef: { name, ...(key ? { key } : {}) } };
  }
  return spec;
}
