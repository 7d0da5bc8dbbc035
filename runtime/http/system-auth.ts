import type { System } from '../../language/kinds/generated/kinds.ts';
import type { Environment } from './secrets.ts';
import { readSecret } from './secrets.ts';
import { ClientCredentialsTokens } from './oauth2-client-credentials.ts';

type Auth = NonNullable<System['spec']['auth']>;

/** Adds a System's credentials to an outgoing request. */
export interface SystemAuth {
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /**
   * After the target answered 401 to a request sent with `sent` headers: drops the credential that
   * was rejected and says whether asking again can help (a fetched token: yes, once; a static secret:
   * no, it would be refused the same way).
   */
  renew(sent: Record<string, string>): boolean;
}

const STATIC = { renew: () => false };

/**
 * Credentials per the System's `auth`, from secrets (secrets.ts): `basic` (keys `username`,
 * `password`), `api-key` (key `api-key`, sent in `header`, default `X-API-Key`), `bearer` (key
 * `token`), `oauth2-client-credentials` (keys `client-id`, `client-secret`; tokens from `tokenUrl`,
 * oauth2-client-credentials.ts), `mtls` (no header: the client certificate is the transport's,
 * client-tls.ts).
 */
export function createSystemAuth(
  system: string,
  auth: Auth | undefined,
  env: Environment,
  fetchImpl: typeof fetch = fetch,
  clock: () => number = Date.now,
): SystemAuth {
  const what = `System ${system}`;
  if (!auth || auth.type === 'none' || auth.type === 'mtls') return { headers: async () => ({}), ...STATIC };
  const ref = auth.secretRef ?? { name: system };
  switch (auth.type) {
    case 'basic': {
      return {
        async headers() {
          const user = readSecret(env, { name: ref.name }, 'username', what);
          const password = readSecret(env, { name: ref.name }, 'password', what);
          return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
        },
        ...STATIC,
      };
    }
    case 'api-key':
      return {
        headers: async () => ({ [(auth.header ?? 'X-API-Key').toLowerCase()]: readSecret(env, ref, 'api-key', what) }),
        ...STATIC,
      };
    case 'bearer':
      return { headers: async () => ({ authorization: `Bearer ${readSecret(env, ref, 'token', what)}` }), ...STATIC };
    case 'oauth2-client-credentials': {
      const tokens = new ClientCredentialsTokens({
        what,
        tokenUrl: auth.tokenUrl!,
        scopes: auth.scopes,
        audience: auth.audience,
        resource: auth.resource,
        clientAuthentication: auth.clientAuthentication,
        credentials: () => ({
          id: readSecret(env, { name: ref.name }, 'client-id', what),
          secret: readSecret(env, { name: ref.name }, 'client-secret', what),
        }),
        fetchImpl,
        clock,
      });
      return {
        headers: async (signal) => ({ authorization: `Bearer ${await tokens.token(signal)}` }),
        renew: (sent) => tokens.renew((sent.authorization ?? '').replace(/^Bearer /, '')),
      };
    }
    default:
      return {
        headers: async () => {
          throw new Error(`${what}: auth type ${auth.type} is not supported by this runner`);
        },
        ...STATIC,
      };
  }
}
