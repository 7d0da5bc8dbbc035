/** The Estate custom resource as the controller reads it (see generators/crds/estate-crd.ts for the schema). */
import type { LiveObject } from '../apply/index.ts';
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

/** `30s`, `5m`, `1h30m`, `250ms` → milliseconds (the CRD's pattern has already checked the shape). */
export function parseDuration(text: string | undefined, fallbackMs: number): number {
  if (!text) return fallbackMs;
  let total = 0;
  let matched = false;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    matched = true;
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
  }
  return matched && total > 0 ? total : fallbackMs;
}
