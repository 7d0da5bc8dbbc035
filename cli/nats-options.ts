/**
 * The NATS connection flags `interlace worker` and `interlace dlq --nats` share. Secrets are read from
 * files or the environment, never from the command line (where `ps` shows them).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BackboneCredentialType, BackboneSpec } from '../controller/plan/backbone-env.ts';
import { natsAuthFromEnv } from '../runtime/backbone/nats-auth.ts';
import type { NatsAuth } from '../runtime/backbone/nats-auth.ts';
import { UsageError } from './exit-codes.ts';

/** parseArgs option declarations for the shared flags. */
export const NATS_AUTH_OPTIONS = {
  'nats-user': { type: 'string' },
  'nats-creds': { type: 'string' },
  'nats-nkey': { type: 'string' },
  'nats-token-file': { type: 'string' },
  'nats-ca': { type: 'string' },
} as const;

/** The help lines for {@link NATS_AUTH_OPTIONS}. */
export const NATS_AUTH_HELP = `  --nats-user <name>   NATS user (password from $INTERLACE_NATS_PASSWORD)
  --nats-token-file <f> file holding a NATS token (or $INTERLACE_NATS_TOKEN)
  --nats-nkey <file>   file holding an NKey user seed, SU… (or $INTERLACE_NATS_NKEY_SEED)
  --nats-creds <file>  a .creds file, user JWT and seed (or $INTERLACE_NATS_CREDS_FILE)
  --nats-ca <file>     CA certificate (PEM) for the server's TLS (or $INTERLACE_NATS_CA_FILE)`;

type NatsFlagValues = { [K in keyof typeof NATS_AUTH_OPTIONS]?: string | undefined };

/** Credentials from the flags, falling back per field to the environment (what the plan sets in a pod). */
export function natsAuthFromFlags(values: NatsFlagValues, env: Readonly<Record<string, string | undefined>>, cwd: string): NatsAuth {
  const auth = natsAuthFromEnv(env);
  const file = (flag: string, path: string): string => {
    try {
      return readFileSync(resolve(cwd, path), 'utf8').trim();
    } catch (error) {
      throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  // A flag names one method: it replaces whatever method the environment gave.
  const only = (next: NatsAuth): NatsAuth => ({ ...(auth.caFile ? { caFile: auth.caFile } : {}), ...next });
  let chosen = auth;
  if (values['nats-user'] !== undefined)
    chosen = only({ user: values['nats-user'], ...(auth.password !== undefined ? { password: auth.password } : {}) });
  if (values['nats-token-file'] !== undefined) chosen = only({ token: file('--nats-token-file', values['nats-token-file']) });
  if (values['nats-nkey'] !== undefined) chosen = only({ nkeySeed: file('--nats-nkey', values['nats-nkey']) });
  if (values['nats-creds'] !== undefined) chosen = only({ credsFile: resolve(cwd, values['nats-creds']) });
  if (values['nats-ca'] !== undefined) chosen = { ...chosen, caFile: resolve(cwd, values['nats-ca']) };
  const given = ['nats-user', 'nats-token-file', 'nats-nkey', 'nats-creds'].filter((f) => values[f as keyof NatsFlagValues] !== undefined);
  if (given.length > 1) throw new UsageError(`give one of ${given.map((f) => `--${f}`).join(', ')}, not several`);
  return chosen;
}

const CREDENTIAL_TYPES = ['userPassword', 'token', 'nkey', 'creds'] as const;

/** The default backbone from `--nats-url`, `--nats-credentials <type>:<secret>` and `--nats-ca-secret`. */
export function backboneFromFlags(
  url: string | undefined,
  credentials: string | undefined,
  caSecret: string | undefined,
): BackboneSpec | undefined {
  if (url === undefined) {
    if (credentials !== undefined || caSecret !== undefined)
      throw new UsageError('--nats-credentials and --nats-ca-secret need a NATS URL (--nats-url, or --nats for plan)');
    return undefined;
  }
  if (!/^(nats|tls):\/\/[^,\s]+(,(nats|tls):\/\/[^,\s]+)*$/.test(url))
    throw new UsageError(`NATS URL "${url}" is not nats://host:port (comma-separated for several)`);
  const backbone: BackboneSpec = { url };
  if (credentials !== undefined) {
    const [type, name] = credentials.split(':');
    if (!CREDENTIAL_TYPES.includes(type as (typeof CREDENTIAL_TYPES)[number]) || !name)
      throw new UsageError(`--nats-credentials "${credentials}": use <type>:<secret>, type one of ${CREDENTIAL_TYPES.join(', ')}`);
    backbone.credentials = { type: type as BackboneCredentialType, secretRef: { name } };
  }
  if (caSecret !== undefined) backbone.tls = { caSecretRef: { name: caSecret } };
  return backbone;
}
