import { secretVariable } from '../../runtime/http/secrets.ts';
import { sourceSecrets } from '../../runtime/adapters/sources/create-sources.ts';
import type { EstateIndex, SpecDocument } from '../../language/validate/estate-index.ts';

export interface SecretEnv {
  /** `WMS_CREDENTIALS_API_KEY`: how the worker reads it (runtime/http/secrets.ts). */
  variable: string;
  secret: string;
  key: string;
  /** The worker runs without it (`secretKeyRef.optional`): an mTLS System's `ca.crt`. */
  optional?: true;
}

/** Keys the runtime reads per System auth type (runtime/http/system-auth.ts); `key` overrides a single-key type's default. */
function systemKeys(
  auth: { type?: string; secretRef?: { name: string; key?: string } } | undefined,
  system: string,
): { secret: string; key: string; optional?: true }[] {
  if (!auth || auth.type === 'none' || auth.type === undefined) return [];
  const secret = auth.secretRef?.name ?? system;
  switch (auth.type) {
    case 'basic':
      return [
        { secret, key: 'username' },
        { secret, key: 'password' },
      ];
    case 'api-key':
      return [{ secret, key: auth.secretRef?.key ?? 'api-key' }];
    case 'bearer':
      return [{ secret, key: auth.secretRef?.key ?? 'token' }];
    case 'oauth2-client-credentials':
      return [
        { secret, key: 'client-id' },
        { secret, key: 'client-secret' },
      ];
    case 'mtls':
      // The keys of a kubernetes.io/tls Secret (runtime/http/client-tls.ts); ca.crt only for a private server CA.
      return [
        { secret, key: 'tls.crt' },
        { secret, key: 'tls.key' },
        { secret, key: 'ca.crt', optional: true },
      ];
    default:
      return [];
  }
}

/**
 * The SFTP login of a file or EDI System whose directory is on an SFTP server (runtime/adapters/files/
 * file-location.ts): `private-key` or `password`, `passphrase` for an encrypted key; each optional, since
 * a login uses one or the other.
 */
function sftpKeys(endpoint: { url?: string; sftp?: { secretRef: { name: string } } }): { secret: string; key: string; optional: true }[] {
  if (!endpoint.sftp || !endpoint.url?.startsWith('sftp://')) return [];
  const secret = endpoint.sftp.secretRef.name;
  return ['private-key', 'passphrase', 'password'].map((key) => ({ secret, key, optional: true as const }));
}

/** Names of the Systems a unit calls or consumes from. */
function systemsOf(doc: SpecDocument): string[] {
  const names = new Set<string>();
  if (doc.kind === 'EventRoute') {
    if (typeof doc.spec.source?.system === 'string') names.add(doc.spec.source.system);
    for (const target of doc.spec.targets ?? []) if (typeof target.system === 'string') names.add(target.system);
  } else if (doc.kind === 'Workflow') {
    for (const step of doc.spec.steps ?? []) if (typeof step.call?.system === 'string') names.add(step.call.system);
  } else if (doc.kind === 'Api') {
    for (const operation of doc.spec.operations ?? [])
      if (typeof operation.backend?.system === 'string') names.add(operation.backend.system);
  }
  return [...names].sort();
}

/**
 * The Secret keys a unit's worker needs as environment variables (`secretKeyRef`): the credentials of
 * every System it talks to, for a System's source unit its sources' secrets, and for an Api with API
 * keys, the accepted keys. References only: the
 * plan never holds a secret value.
 */
export function unitSecretEnv(doc: SpecDocument, index: EstateIndex): SecretEnv[] {
  const refs: { secret: string; key: string; optional?: true }[] = [];
  // The SFTP login only where the unit opens a connection: a target's directory, not the System it
  // consumes from (that System's files are picked up by its own source unit).
  const targets = new Set(
    doc.kind === 'EventRoute' ? (doc.spec.targets ?? []).flatMap((t) => (typeof t.system === 'string' ? [t.system] : [])) : [],
  );
  for (const name of systemsOf(doc)) {
    const system = index.named('System', name)[0];
    if (system) refs.push(...systemKeys(system.spec.auth, name), ...(targets.has(name) ? sftpKeys(system.spec.endpoint) : []));
  }
  if (doc.kind === 'System') {
    // A System's source unit: the credentials it calls the System with (a poller) and its sources' own
    // secrets (a webhook's signing secret).
    refs.push(...systemKeys(doc.spec.auth, doc.name), ...sourceSecrets({ metadata: { name: doc.name }, spec: doc.spec }));
  }
  if (doc.kind === 'Api' && doc.spec.auth?.type === 'api-key') {
    const ref = doc.spec.auth.keysSecretRef as { name: string; key?: string } | undefined;
    if (ref) refs.push({ secret: ref.name, key: ref.key ?? 'keys' });
  }
  const byVariable = new Map<string, SecretEnv>();
  for (const ref of refs) {
    const variable = secretVariable(ref.secret, ref.key);
    if (!byVariable.has(variable)) byVariable.set(variable, { variable, ...ref });
  }
  return [...byVariable.values()].sort((a, b) => (a.variable < b.variable ? -1 : 1));
}
