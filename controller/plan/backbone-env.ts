/**
 * How a worker Deployment reaches the estate's NATS JetStream backbone: the URL as plain environment,
 * credentials from the backbone Secret (`secretKeyRef`, or a mounted file for a creds file), a TLS CA
 * as a mounted file. The variable names are the worker's (runtime/backbone/nats-auth.ts).
 */
import { NATS_ENV } from '../../runtime/backbone/nats-auth.ts';

/** `Estate.spec.backbone`, or the controller's default (`--nats-url`, the chart's `nats.*`). */
export interface BackboneSpec {
  /** `nats://host:4222`; several servers comma-separated. */
  url: string;
  credentials?: {
    type: BackboneCredentialType;
    /** A Secret in the target namespace, holding the keys of {@link BACKBONE_SECRET_KEYS}. */
    secretRef: { name: string };
  };
  tls?: {
    /** A Secret with key `ca.crt`: the CA that signed the NATS server's certificate. */
    caSecretRef: { name: string };
  };
}

export type BackboneCredentialType = 'userPassword' | 'token' | 'nkey' | 'creds';

/** The keys each credential type reads from its Secret (the reconciler checks they are there). */
const BACKBONE_SECRET_KEYS: Readonly<Record<BackboneCredentialType, readonly string[]>> = {
  userPassword: ['username', 'password'],
  token: ['token'],
  nkey: ['seed'],
  creds: ['user.creds'],
};
const BACKBONE_CA_KEY = 'ca.crt';

const CREDS_MOUNT = '/etc/interlace/nats-creds';
const CA_MOUNT = '/etc/interlace/nats-ca';

interface BackboneWiring {
  env: Record<string, unknown>[];
  volumes: Record<string, unknown>[];
  volumeMounts: Record<string, unknown>[];
}

/** The env entries, volumes and mounts that give a worker its backbone. */
export function backboneWiring(backbone: BackboneSpec): BackboneWiring {
  const env: Record<string, unknown>[] = [{ name: NATS_ENV.url, value: backbone.url }];
  const volumes: Record<string, unknown>[] = [];
  const volumeMounts: Record<string, unknown>[] = [];
  const fromSecret = (variable: string, secret: string, key: string) => ({
    name: variable,
    valueFrom: { secretKeyRef: { name: secret, key } },
  });
  const credentials = backbone.credentials;
  if (credentials) {
    const secret = credentials.secretRef.name;
    switch (credentials.type) {
      case 'userPassword':
        env.push(fromSecret(NATS_ENV.user, secret, 'username'), fromSecret(NATS_ENV.password, secret, 'password'));
        break;
      case 'token':
        env.push(fromSecret(NATS_ENV.token, secret, 'token'));
        break;
      case 'nkey':
        env.push(fromSecret(NATS_ENV.nkeySeed, secret, 'seed'));
        break;
      case 'creds':
        env.push({ name: NATS_ENV.credsFile, value: `${CREDS_MOUNT}/user.creds` });
        volumes.push({
          name: 'nats-creds',
          secret: { secretName: secret, defaultMode: 0o440, items: [{ key: 'user.creds', path: 'user.creds' }] },
        });
        volumeMounts.push({ name: 'nats-creds', mountPath: CREDS_MOUNT, readOnly: true });
        break;
    }
  }
  if (backbone.tls) {
    env.push({ name: NATS_ENV.caFile, value: `${CA_MOUNT}/${BACKBONE_CA_KEY}` });
    volumes.push({
      name: 'nats-ca',
      secret: { secretName: backbone.tls.caSecretRef.name, defaultMode: 0o444, items: [{ key: BACKBONE_CA_KEY, path: BACKBONE_CA_KEY }] },
    });
    volumeMounts.push({ name: 'nats-ca', mountPath: CA_MOUNT, readOnly: true });
  }
  return { env, volumes, volumeMounts };
}

/** The Secrets a backbone reads, with the keys each must hold (for the reconciler's check). */
export function backboneSecrets(backbone: BackboneSpec): { name: string; keys: readonly string[]; purpose: string }[] {
  const out: { name: string; keys: readonly string[]; purpose: string }[] = [];
  if (backbone.credentials)
    out.push({
      name: backbone.credentials.secretRef.name,
      keys: BACKBONE_SECRET_KEYS[backbone.credentials.type],
      purpose: `backbone credentials (${backbone.credentials.type})`,
    });
  if (backbone.tls) out.push({ name: backbone.tls.caSecretRef.name, keys: [BACKBONE_CA_KEY], purpose: 'backbone TLS CA' });
  return out;
}
