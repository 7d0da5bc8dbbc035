// API authentication against hostile input: API keys that end in base64 padding, empty and
// padding-only keys, JWT headers that are not objects or carry CR/LF, non-Latin-1 or quote
// characters in `alg`, and key guessing from one address (throttled with 429 + Retry-After).
import type { IncomingMessage } from 'node:http';
import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Api } from '../../../language/kinds/generated/kinds.ts';
import { createApiAuthenticator } from '../../../runtime/http/api-auth.ts';
import { ApiKeys, ApiKeysError } from '../../../runtime/http/api-keys.ts';
import { AuthFailureThrottle } from '../../../runtime/http/auth-failure-throttle.ts';

/** What `openssl rand -base64 16` prints: 24 characters ending in `==`. */
const BASE64_KEY = 'q83vEjRWeJCrze8SNFZ4kA==';
const ONE_PAD_KEY = 'q83vEjRWeJCrze8SNFZ4kKo=';

function request(headers: Record<string, string>, address = '192.0.2.1'): IncomingMessage {
  return { headers, socket: { remoteAddress: address } } as unknown as IncomingMessage;
}

function api(auth: NonNullable<Api['spec']['auth']>): Api {
  return {
    apiVersion: 'interlace.dev/v1alpha1',
    kind: 'Api',
    metadata: { name: 'stock' },
    spec: { version: '1.0.0', basePath: '/stock/v1', auth, operations: [] },
  } as unknown as Api;
}

describe('API keys', () => {
  it('reads `client:key` entries whole: a base64 key ending in `=` or `==` is that key, not a client and `=`', () => {
    const keys = new ApiKeys(`dealer-1:${BASE64_KEY}\ndealer-2:${ONE_PAD_KEY}, ${BASE64_KEY.replace('q', 'Q')}`);
    expect(keys.clientOf(BASE64_KEY)).toBe('dealer-1');
    expect(keys.clientOf(ONE_PAD_KEY)).toBe('dealer-2');
    expect(keys.clientOf(BASE64_KEY.replace('q', 'Q'))).toMatch(/^key-[0-9a-f]{8}$/);
    for (const guess of ['=', '==', '', 'q83vEjRWeJCrze8SNFZ4kA', 'dealer-1']) expect(keys.clientOf(guess)).toBeUndefined();
  });

  it('takes a bare base64 key whole', () => {
    const keys = new ApiKeys(BASE64_KEY);
    expect(keys.clientOf(BASE64_KEY)).toMatch(/^key-/);
    expect(keys.clientOf('=')).toBeUndefined();
  });

  it('refuses empty and padding-only keys, empty client names and the ambiguous `client=key` form, naming the entry but never a key', () => {
    for (const [secret, reason] of [
      ['dealer-1:', /entry 1: the key is empty/],
      ['dealer-1:==', /entry 1: the key is only padding/],
      [`ok:${BASE64_KEY}, ==`, /entry 2: the key is only padding/],
      [`:${BASE64_KEY}`, /entry 1: the client name is empty/],
      ['dealer-1=secret-value', /entry 1: .*`client:key`/],
    ] as const) {
      let error: unknown;
      try {
        new ApiKeys(secret);
      } catch (e) {
        error = e;
      }
      expect(error, secret).toBeInstanceOf(ApiKeysError);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).not.toContain('secret-value');
      expect((error as Error).message).not.toContain(BASE64_KEY);
    }
    expect(() => new ApiKeys(' , \n')).toThrow(/no API keys/);
  });

  it('refuses `X-API-Key: =` and other padding-only keys at request time', async () => {
    const auth = createApiAuthenticator(api({ type: 'api-key', keysSecretRef: { name: 'stock-keys' } }), {
      STOCK_KEYS_KEYS: `dealer-1:${BASE64_KEY}`,
    });
    expect(await auth.authenticate(request({ 'x-api-key': BASE64_KEY }), [])).toMatchObject({ ok: true, client: 'dealer-1' });
    for (const key of ['=', '==', ' = '])
      expect(await auth.authenticate(request({ 'x-api-key': key }), []), key).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses to start an Api whose keys secret holds a bad entry, saying which Api, variable and entry', () => {
    expect(() =>
      createApiAuthenticator(api({ type: 'api-key', keysSecretRef: { name: 'stock-keys' } }), { STOCK_KEYS_KEYS: 'dealer-1=abc==' }),
    ).toThrow(/Api stock.*STOCK_KEYS_KEYS.*entry 1/);
  });
});

describe('malformed bearer tokens', () => {
  const auth = createApiAuthenticator(
    api({
      type: 'oauth2',
      jwksUrl: 'http://127.0.0.1:9/jwks.json',
      issuer: 'https://idp/',
      audience: 'api://stock',
      scopes: ['stock:read'],
    }),
    {},
    { fetchImpl: (async () => new Response('{"keys":[]}', { status: 200 })) as unknown as typeof fetch },
  );
  const segment = (value: string) => Buffer.from(value, 'utf8').toString('base64url');
  const claims = segment(JSON.stringify({ exp: 4_000_000_000 }));
  const headers = [
    'null',
    '1',
    '"RS256"',
    '[]',
    JSON.stringify({ alg: 'RS256\r\nX-Injected: 1', kid: 'a' }),
    JSON.stringify({ alg: 'RS256\u2028€ü', kid: 'a' }),
    JSON.stringify({ alg: 'x", error="none', kid: 'a' }),
    JSON.stringify({ alg: { nested: true } }),
    JSON.stringify({ alg: 'RS256', kid: { not: 'a string' } }),
  ];

  it.each(headers)('header %s → 401 with a fixed challenge that is a valid header value', async (header) => {
    const result = await auth.authenticate(request({ authorization: `Bearer ${segment(header)}.${claims}.c2ln` }), []);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(401);
    expect(() => validateHeaderValue('www-authenticate', result.challenge)).not.toThrow();
    expect(result.challenge).toMatch(/^[\x20-\x7e]*$/);
    // One error parameter, the fixed one: nothing from the token reaches the challenge.
    expect(result.challenge.match(/error=/g)).toHaveLength(1);
    expect(result.challenge).toContain('error="invalid_token"');
    expect(result.challenge).not.toMatch(/X-Injected|none"|€/);
  });
});

describe('AuthFailureThrottle', () => {
  it('lets a burst of failures through, then refuses the address with a Retry-After until tokens return', () => {
    let now = 0;
    const throttle = new AuthFailureThrottle({ burst: 5, perSecond: 1, clock: () => now });
    for (let i = 0; i < 5; i++) {
      expect(throttle.blocked('198.51.100.7')).toBeUndefined();
      expect(throttle.failed('198.51.100.7')).toBeUndefined();
    }
    // The attempt past the burst is refused, and so is every one after it until a token is back.
    expect(throttle.failed('198.51.100.7')).toBe(1);
    expect(throttle.blocked('198.51.100.7')).toBe(1);
    expect(throttle.blocked('198.51.100.8')).toBeUndefined();
    now += 1_000;
    expect(throttle.blocked('198.51.100.7')).toBeUndefined();
  });
  it('keeps memory bounded under many addresses', () => {
    const throttle = new AuthFailureThrottle({ burst: 1, perSecond: 1, maxAddresses: 100, clock: () => 0 });
    for (let i = 0; i < 10_000; i++) throttle.failed(`10.0.${i >> 8}.${i & 255}`);
    expect(throttle.size).toBeLessThanOrEqual(100);
  });
});
