/**
 * How a worker or `interlace dlq` proves itself to NATS: one of user/password, token, NKey seed or a
 * creds file (JWT + seed), and optionally a CA to verify the server's TLS certificate with. The values
 * come from the environment or files that the Deployment mounts from the Estate's backbone Secret
 * (controller/plan/backbone-env.ts); they are never logged.
 */
import { readFileSync } from 'node:fs';
import {
  credsAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
  type ConnectionOptions,
} from '@nats-io/transport-node';

/** What to authenticate with. At most one of user, token, nkeySeed, credsFile. */
export interface NatsAuth {
  user?: string;
  password?: string;
  token?: string;
  /** An NKey user seed (`SU…`). */
  nkeySeed?: string;
  /** A `.creds` file (the user JWT and its seed, as `nsc` writes it). */
  credsFile?: string;
  /** PEM file of the CA that signed the server's certificate (turns TLS on). */
  caFile?: string;
}

/** The environment variables the worker reads (the plan sets them; docs/backbone.md lists them). */
export const NATS_ENV = {
  url: 'INTERLACE_NATS_URL',
  user: 'INTERLACE_NATS_USER',
  password: 'INTERLACE_NATS_PASSWORD',
  token: 'INTERLACE_NATS_TOKEN',
  nkeySeed: 'INTERLACE_NATS_NKEY_SEED',
  credsFile: 'INTERLACE_NATS_CREDS_FILE',
  caFile: 'INTERLACE_NATS_CA_FILE',
} as const;

/** A mistake in the credentials given (two methods at once, a password without a user). */
export class NatsAuthError extends Error {
  override readonly name = 'NatsAuthError';
}

/** Reads {@link NatsAuth} from environment variables ({@link NATS_ENV}); empty values count as absent. */
export function natsAuthFromEnv(env: Readonly<Record<string, string | undefined>>): NatsAuth {
  const auth: NatsAuth = {};
  for (const field of ['user', 'password', 'token', 'nkeySeed', 'credsFile', 'caFile'] as const) {
    const value = env[NATS_ENV[field]];
    if (value) auth[field] = value;
  }
  return auth;
}

/**
 * The connection options of the official client for `auth`. Files are read here, so a missing creds
 * or CA file is an error at start, not a reconnect loop.
 */
export function natsConnectionOptions(auth: NatsAuth): Partial<ConnectionOptions> {
  const methods = [auth.user !== undefined, auth.token !== undefined, auth.nkeySeed !== undefined, auth.credsFile !== undefined];
  if (methods.filter(Boolean).length > 1)
    throw new NatsAuthError('NATS credentials: give one of user/password, token, NKey seed or creds file, not several');
  if (auth.password !== undefined && auth.user === undefined) throw new NatsAuthError('NATS credentials: a password needs a user');
  const options: Partial<ConnectionOptions> = {};
  if (auth.user !== undefined) options.authenticator = usernamePasswordAuthenticator(auth.user, auth.password ?? '');
  else if (auth.token !== undefined) options.authenticator = tokenAuthenticator(auth.token);
  else if (auth.nkeySeed !== undefined) options.authenticator = nkeyAuthenticator(new TextEncoder().encode(auth.nkeySeed.trim()));
  else if (auth.credsFile !== undefined) options.authenticator = credsAuthenticator(readFileOrFail(auth.credsFile, 'creds file'));
  if (auth.caFile !== undefined) {
    readFileOrFail(auth.caFile, 'CA file');
    options.tls = { caFile: auth.caFile };
  }
  return options;
}

function readFileOrFail(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new NatsAuthError(`NATS ${what} ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
