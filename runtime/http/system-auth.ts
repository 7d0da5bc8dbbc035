import type { System } from '../../language/kinds/generated/kinds.ts';
import type { Environment } from './secrets.ts';
import { readSecret } from './secrets.ts';

type Auth = NonNullable<System['spec']['auth']>;

/** Adds a System's credentials to an outgoing request. `invalidate` drops a cached token after a 401. */
export interface SystemAuth {
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  invalidate(): void;
}

/**
 * Credentials per the System's `auth`, from secrets (secrets.ts): `basic` (keys `username`,
 * `password`), `api-key` (key `api-key`, sent in `header`, default `X-API-Key`), `bearer` (key
 * `token`), `oauth2-client-credentials` (keys `client-id`, `client-secret`; the token is fetched from
 * `tokenUrl` with HTTP Basic client authentication, cached until 30 s before it expires, and fetched
 * once for all concurrent callers). `mtls` is not supported by the local runner yet.
 */
export function createSystemAuth(
  system: string,
  auth: Auth | undefined,
  env: Environment,
  fetchImpl: typeof fetch = fetch,
  clock: () => number = Date.now,
): SystemAuth {
  const what = `System ${system}`;
  if (!auth || auth.type === 'none') return { headers: async () => ({}), invalidate() {} };
  const ref = auth.secretRef ?? { name: system };
  switch (auth.type) {
    case 'basic': {
      return {
        async headers() {
          const user = readSecret(env, { name: ref.name }, 'username', what);
          const password = readSecret(env, { name: ref.name }, 'password', what);
          return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
        },
        invalidate() {},
      };
    }
    case 'api-key':
      return {
        headers: async () => ({ [(auth.header ?? 'X-API-Key').toLowerCase()]: readSecret(env, ref, 'api-key', what) }),
        invalidate() {},
      };
    case 'bearer':
      return { headers: async () => ({ authorization: `Bearer ${readSecret(env, ref, 'token', what)}` }), invalidate() {} };
    case 'oauth2-client-credentials': {
      let cached: { token: string; until: number } | undefined;
      let inflight: Promise<string> | undefined;
      const fetchToken = async (signal?: AbortSignal): Promise<string> => {
        const id = readSecret(env, { name: ref.name }, 'client-id', what);
        const secret = readSecret(env, { name: ref.name }, 'client-secret', what);
        const form = new URLSearchParams({ grant_type: 'client_credentials' });
        if (auth.scopes?.length) form.set('scope', auth.scopes.join(' '));
        const response = await fetchImpl(auth.tokenUrl!, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
          },
          body: form.toString(),
          ...(signal ? { signal } : {}),
        });
        const text = await response.text();
        // The token endpoint's body may echo credentials: report the status only.
        if (!response.ok) throw new Error(`${what}: token endpoint answered HTTP ${response.status}`);
        const body = JSON.parse(text) as { access_token?: string; expires_in?: number };
        if (!body.access_token) throw new Error(`${what}: token endpoint sent no access_token`);
        cached = { token: body.access_token, until: clock() + Math.max(0, (body.expires_in ?? 300) - 30) * 1000 };
        return body.access_token;
      };
      return {
        async headers(signal) {
          if (cached && cached.until > clock()) return { authorization: `Bearer ${cached.token}` };
          inflight ??= fetchToken(signal).finally(() => {
            inflight = undefined;
          });
          return { authorization: `Bearer ${await inflight}` };
        },
        invalidate() {
          cached = undefined;
        },
      };
    }
    default:
      return {
        headers: async () => {
          throw new Error(`${what}: auth type ${auth.type} is not supported by this runner`);
        },
        invalidate() {},
      };
  }
}
