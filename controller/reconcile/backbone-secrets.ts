/**
 * Checks that the Secrets an Estate's backbone (and its Temporal connection) names exist in the target namespace and hold the keys
 * the workers read. A worker rolled onto a missing Secret would never start (CreateContainerConfigError),
 * taking down a unit that was running; so the reconciler stops first and says which Secret and key.
 * Values are never read into a message.
 */
import { isNotFound } from '../apply/index.ts';
import type { KubeRest } from '../apply/index.ts';
import { backboneSecrets } from '../plan/backbone-env.ts';
import type { BackboneSpec } from '../plan/backbone-env.ts';
import { temporalSecrets } from '../plan/temporal-env.ts';
import type { TemporalSpec } from '../plan/temporal-env.ts';

interface BackboneProblem {
  reason: `${'Backbone' | 'Temporal'}Secret${'NotFound' | 'Invalid'}`;
  /** The Secret's name (never its data). */
  secret: string;
  message: string;
}

/** The first problem with the backbone's Secrets, or undefined when all are there with their keys. */
export async function backboneProblem(rest: KubeRest, namespace: string, backbone: BackboneSpec): Promise<BackboneProblem | undefined> {
  return secretsProblem(rest, namespace, backboneSecrets(backbone), 'Backbone');
}

/** The first problem with the Secrets of the Temporal connection (mTLS, API key). */
export async function temporalProblem(rest: KubeRest, namespace: string, temporal: TemporalSpec): Promise<BackboneProblem | undefined> {
  return secretsProblem(rest, namespace, temporalSecrets(temporal), 'Temporal');
}

async function secretsProblem(
  rest: KubeRest,
  namespace: string,
  secrets: readonly { name: string; keys: readonly string[]; purpose: string }[],
  what: 'Backbone' | 'Temporal',
): Promise<BackboneProblem | undefined> {
  for (const wanted of secrets) {
    let data: Record<string, string>;
    try {
      const secret = (await rest.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: wanted.name })) as {
        data?: Record<string, string>;
      };
      data = secret.data ?? {};
    } catch (error) {
      if (!isNotFound(error)) throw error;
      return {
        reason: `${what}SecretNotFound`,
        secret: wanted.name,
        message: `The ${wanted.purpose} Secret "${wanted.name}" does not exist in namespace "${namespace}"; workers are not rolled until it does (keys: ${wanted.keys.join(', ')})`,
      };
    }
    const missing = wanted.keys.filter((key) => !(typeof data[key] === 'string' && data[key].length > 0));
    if (missing.length > 0)
      return {
        reason: `${what}SecretInvalid`,
        secret: wanted.name,
        message: `The ${wanted.purpose} Secret "${wanted.name}" in namespace "${namespace}" has no ${missing.map((k) => `"${k}"`).join(', ')} key (it needs ${wanted.keys.join(', ')}); workers are not rolled until it does`,
      };
  }
  return undefined;
}
