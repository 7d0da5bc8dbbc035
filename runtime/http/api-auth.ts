import type { IncomingMessage } from 'node:http';
import type { Api } from '../../language/kinds/generated/kinds.ts';
import { ApiKeys, ApiKeysError, isEmptyKey } from './api-keys.ts';
import { JwksCache } from './jwks.ts';
import { verifyJwt } from './jwt.ts';
import type { Environment } from './secrets.ts';
import { readSecret, secretVariable } from './secrets.ts';

export type AuthResult =
  | { ok: true; client: string; scopes: string[] }
  | { ok: false; status: 401 | 403; title: string; detail: string; challenge: string };

/** Authenticates a request to one Api; `scopes` are the operation's extra scopes. */
export interface ApiAuthenticator {
  authenticate(req: IncomingMessage, operationScopes: readonly string[]): Promise<AuthResult>;
  /** For /readyz: false until the JWKS has been fetched once. */
  ready(): { ok: boolean; detail?: string };
}

/**
 * Auth per the Api's `auth`: `none`; `api-key` (the key in `header`, default `X-API-Key`, checked
 * against the keys secret, api-keys.ts); `oauth2` (an `Authorization: Bearer` JWT verified against
 * `jwksUrl` with `issuer`, `audience` and the Api's plus the operation's scopes, jwt.ts). The client
 * identity (key's client name, or the token's `azp`/`client_id`/`sub`) is what rate limits count.
 */
export function createApiAuthenticator(
  api: Api,
  env: Environment,
  options: { fetchImpl?: typeof fetch; now?: () => number } = {},
): ApiAuthenticator {
  const auth = api.spec.auth ?? { type: 'none' as const };
  const apiName = `Api ${api.metadata.name}`;
  if (auth.type === 'none') {
    return {
      authenticate: async (req) => ({ ok: true, client: req.socket.remoteAddress ?? 'anonymous', scopes: [] }),
      ready: () => ({ ok: true }),
    };
  }
  if (auth.type === 'api-key') {
    const header = (auth.header ?? 'X-API-Key').toLowerCase();
    const ref = auth.keysSecretRef ?? { name: `${api.metadata.name}-keys` };
    const keys = readApiKeys(
      readSecret(env, ref, 'keys', apiName),
      `${apiName}: the API keys secret (environment variable ${secretVariable(ref.name, ref.key ?? 'keys')})`,
    );
    const challenge = `ApiKey header=${quoted(auth.header ?? 'X-API-Key')}`;
    return {
      async authenticate(req) {
        const value = req.headers[header];
        const key = Array.isArray(value) ? value[0] : value;
        if (!key || isEmptyKey(key))
          return {
            ok: false,
            status: 401,
            title: 'Unauthorized',
            detail: `send an API key in the ${auth.header ?? 'X-API-Key'} header`,
            challenge,
          };
        const client = keys.clientOf(key);
        if (!client) return { ok: false, status: 401, title: 'Unauthorized', detail: 'the API key is not valid', challenge };
        return { ok: true, client, scopes: [] };
      },
      ready: () => ({ ok: keys.size > 0, ...(keys.size === 0 ? { detail: 'no API keys configured' } : {}) }),
    };
  }
  const jwks = new JwksCache(auth.jwksUrl!, options.fetchImpl ? { fetchImpl: options.fetchImpl } : {});
  void jwks.refresh();
  return {
    async authenticate(req, operationScopes) {
      const header = req.headers['authorization'] ?? '';
      const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header);
      const scopes = [...(auth.scopes ?? []), ...operationScopes];
      const realm = `Bearer realm=${quoted(api.metadata.name)}${scopes.length ? `, scope=${quoted(scopes.join(' '))}` : ''}`;
      if (!match) return { ok: false, status: 401, title: 'Unauthorized', detail: 'send a bearer token', challenge: realm };
      const result = await verifyJwt(match[1]!, (kid) => jwks.key(kid), {
        ...(auth.issuer !== undefined ? { issuer: auth.issuer } : {}),
        ...(auth.audience !== undefined ? { audience: auth.audience } : {}),
        scopes,
        ...(options.now ? { now: Math.floor(options.now() / 1000) } : {}),
      });
      if (!result.ok) {
        return {
          ok: false,
          status: result.status,
          title: result.status === 401 ? 'Unauthorized' : 'Forbidden',
          detail: result.description,
          // Only fixed texts reach the header (jwt.ts never quotes the token), escaped all the same.
          challenge: `${realm}, error=${quoted(result.error)}, error_description=${quoted(result.description)}`,
        };
      }
      const c = result.claims;
      return { ok: true, client: String(c.azp ?? c.client_id ?? c.sub ?? 'unknown'), scopes: result.scopes };
    },
    ready: () => ({ ok: jwks.loaded, ...(jwks.loaded ? {} : { detail: jwks.lastError ?? 'JWKS not fetched yet' }) }),
  };
}

/** The keys, or a start-up error that says which Api and variable, and which entry (never a key). */
function readApiKeys(secretValue: string, what: string): ApiKeys {
  try {
    return new ApiKeys(secretValue);
  } catch (error) {
    if (error instanceof ApiKeysError) throw new ApiKeysError(`${what}: ${error.message}`);
    throw error;
  }
}

/**
 * An RFC 9110 quoted-string for a challenge parameter: `"` and `\` escaped, and anything outside
 * printable ASCII replaced, so no value can add parameters or header lines.
 */
export function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
