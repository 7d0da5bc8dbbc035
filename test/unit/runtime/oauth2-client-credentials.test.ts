// OAuth2 client credentials as production needs them, against a provider and a resource server that
// enforce what real ones do (test/helpers/auth-peers/oauth2-provider.ts): tokens that expire, 401 for
// an expired or revoked token, client authentication the one way the client is registered with.
// The client under test is the worker's own: SystemClient over the keep-alive transport.
import { afterEach, describe, expect, it } from 'vitest';
import type { System } from '../../../language/kinds/generated/kinds.ts';
import { classifyFailure, CredentialError, HttpStatusError } from '../../../runtime/delivery/failures.ts';
import { SystemClient } from '../../../runtime/http/system-client.ts';
import { keepAliveFetch } from '../../../runtime/worker/keep-alive-fetch.ts';
import { OAuth2Provider } from '../../helpers/auth-peers/oauth2-provider.ts';
import type { OAuth2ProviderOptions } from '../../helpers/auth-peers/oauth2-provider.ts';

const SECRET = 's3cret: &+ %é';
const ENV = { WMS_OAUTH_CLIENT_ID: 'interlace', WMS_OAUTH_CLIENT_SECRET: SECRET };

let provider: OAuth2Provider | undefined;
afterEach(async () => {
  await provider?.stop();
  provider = undefined;
});

async function setUp(
  options: Partial<OAuth2ProviderOptions> = {},
  auth: Partial<NonNullable<System['spec']['auth']>> = {},
  env: Record<string, string> = ENV,
): Promise<{ provider: OAuth2Provider; client: SystemClient }> {
  provider = await new OAuth2Provider({
    clients: { interlace: SECRET },
    clientAuthentication: 'client_secret_basic',
    ttlSeconds: 3600,
    ...options,
  }).start();
  const spec = {
    type: 'wms',
    hosting: 'saas',
    endpoint: { protocol: 'http', url: provider.apiUrl },
    auth: { type: 'oauth2-client-credentials', tokenUrl: provider.tokenUrl, secretRef: { name: 'wms-oauth' }, ...auth },
  } as System['spec'];
  return { provider, client: new SystemClient('wms', spec, env, keepAliveFetch()) };
}

const post = (client: SystemClient, n = 1) => client.call({ method: 'POST', path: '/orders', body: { n }, timeoutMs: 10_000 });

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

describe('OAuth2 client credentials against an enforcing provider', { timeout: 30_000 }, () => {
  it('50 parallel calls fetch one token (client_secret_basic, form-encoded id and secret), all accepted', async () => {
    const { provider, client } = await setUp({ tokenDelayMs: 100 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(client, i)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(201));
    expect(provider.tokenRequests).toBe(1);
    expect(provider.resource).toEqual({ accepted: 50, rejected: 0 });
  });

  it('tokens that expire mid-run are refreshed before expiry: every call accepted, a few fetches, not one per call', async () => {
    // 2 s tokens, refreshed in the background from 1.8 s on, not sent after 1.95 s; 5 s of traffic, 10 calls at a time.
    const { provider, client } = await setUp({ ttlSeconds: 2 });
    const until = Date.now() + 5_000;
    let calls = 0;
    const lane = async () => {
      while (Date.now() < until) {
        await post(client, calls++);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await Promise.all(Array.from({ length: 10 }, lane));
    expect(calls).toBeGreaterThan(100);
    expect(provider.resource.accepted).toBe(calls);
    // Refreshed before expiry, not after a 401: a request delayed past its token's last 50 ms (a busy
    // event loop on a loaded machine) may still meet one, at most one per lane and expiry; one per call
    // would be hundreds.
    expect(provider.resource.rejected).toBeLessThanOrEqual(20);
    // The proof of "before expiry": new tokens were asked for while the last one still worked (a client
    // that refreshed only after a 401 would have none of these).
    expect(provider.earlyTokenRequests).toBeGreaterThanOrEqual(2);
    expect(provider.tokenRequests).toBeGreaterThanOrEqual(3);
    expect(provider.tokenRequests).toBeLessThanOrEqual(8);
  });

  it('a 401 for a revoked token: one new token for 50 callers that all got 401, each call retried once and accepted', async () => {
    const { provider, client } = await setUp();
    await post(client);
    provider.revokeAll();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(client, i)));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(provider.tokenRequests).toBe(2);
    expect(provider.resource.rejected).toBe(50);
    expect(provider.resource.accepted).toBe(51);
  });

  it('a target that keeps answering 401: one refresh and one retry, then the 401 is the answer (no loop)', async () => {
    // Tokens expire as they are issued: every use is answered 401.
    const { provider, client } = await setUp({ ttlSeconds: 0 });
    const error = await failureOf(post(client));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(401);
    expect(provider.tokenRequests).toBe(2);
    expect(provider.resource.rejected).toBe(2);
    expect(classifyFailure(error)).toMatchObject({ kind: 'permanent', reason: 'http-401' });
  });

  it('a wrong client secret: invalid_client, a permanent failure that names the endpoint and never the secret', async () => {
    const { provider, client } = await setUp({}, {}, { ...ENV, WMS_OAUTH_CLIENT_SECRET: 'wrong-secret' });
    const error = await failureOf(post(client));
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as Error).message).toContain(provider.tokenUrl);
    expect((error as Error).message).toContain('invalid_client');
    expect((error as Error).message).not.toContain('wrong-secret');
    expect(classifyFailure(error)).toMatchObject({ kind: 'permanent', reason: 'token-invalid_client' });
    expect(provider.resource.accepted + provider.resource.rejected).toBe(0);
  });

  it('token endpoint 503 with Retry-After, then garbage: transient failures; the next call gets a token', async () => {
    const { provider, client } = await setUp();
    provider.failNext(
      { status: 503, body: '<html>maintenance</html>', headers: { 'retry-after': '7' } },
      { status: 200, body: '<html>login</html>', headers: { 'content-type': 'text/html' } },
      { status: 200, body: '{"token_type":"Bearer"}' },
    );
    const unavailable = classifyFailure(await failureOf(post(client)));
    expect(unavailable).toMatchObject({ kind: 'transient', reason: 'token-http-503', retryAfterMs: 7_000 });
    expect(classifyFailure(await failureOf(post(client)))).toMatchObject({ kind: 'transient', reason: 'token-malformed' });
    expect(classifyFailure(await failureOf(post(client)))).toMatchObject({ kind: 'transient', reason: 'token-malformed' });
    expect((await post(client)).status).toBe(201);
    expect(provider.tokenRequests).toBe(4);
  });

  it('an unreachable token endpoint is a transient network failure', async () => {
    const { provider, client } = await setUp();
    await provider.stop();
    expect(classifyFailure(await failureOf(post(client)))).toMatchObject({ kind: 'transient', reason: 'token-network-econnrefused' });
  });

  it('client_secret_post: id and secret in the body, as the provider is registered; Basic is refused there', async () => {
    const registered = { clientAuthentication: 'client_secret_post' as const };
    const basic = await setUp(registered);
    expect(classifyFailure(await failureOf(post(basic.client)))).toMatchObject({ kind: 'permanent', reason: 'token-invalid_client' });
    await basic.provider.stop();
    const { provider, client } = await setUp(registered, { clientAuthentication: 'client_secret_post' });
    expect((await post(client)).status).toBe(201);
    expect(provider.tokenForms[0]!.get('client_id')).toBe('interlace');
  });

  it('audience, resource and scopes go to the token endpoint when the System names them', async () => {
    const required = { requireAudience: 'https://api.wms.example', requireResource: 'https://wms.example/' };
    const without = await setUp(required);
    expect(classifyFailure(await failureOf(post(without.client)))).toMatchObject({ kind: 'permanent', reason: 'token-invalid_request' });
    await without.provider.stop();
    const { provider, client } = await setUp(required, {
      audience: 'https://api.wms.example',
      resource: 'https://wms.example/',
      scopes: ['orders.write', 'stock.read'],
    });
    expect((await post(client)).status).toBe(201);
    expect(provider.tokenForms[0]!.get('scope')).toBe('orders.write stock.read');
  });
});
