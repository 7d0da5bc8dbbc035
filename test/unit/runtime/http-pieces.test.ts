// Pure parts of the HTTP side: JWT verification, API keys, routing, parameters, lifecycle headers,
// secrets, and the System auth's OAuth2 token caching (with a counting fetch behind FetchLike).
import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Api } from '../../../language/kinds/generated/kinds.ts';
import { ApiKeys } from '../../../runtime/http/api-keys.ts';
import { ApiRouter } from '../../../runtime/http/api-router.ts';
import { deprecationHeaders } from '../../../runtime/http/deprecation.ts';
import { verifyJwt } from '../../../runtime/http/jwt.ts';
import { ParameterValidator } from '../../../runtime/http/request-params.ts';
import { MissingSecretError, readSecret, secretVariable } from '../../../runtime/http/secrets.ts';
import { createSystemAuth } from '../../../runtime/http/system-auth.ts';
import { fillOperationPath, parseHttpOperation } from '../../../runtime/http/system-client.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keys = async (kid: string | undefined) =>
  kid === 'r' ? { key: rsa.publicKey, kty: 'RSA', alg: 'RS256' } : kid === 'e' ? { key: ec.publicKey, kty: 'EC' } : undefined;

function token(header: Record<string, unknown>, claims: Record<string, unknown>, key?: KeyObject, ecdsa = false): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const data = `${b64(header)}.${b64(claims)}`;
  const sig = key ? sign('sha256', Buffer.from(data), ecdsa ? { key, dsaEncoding: 'ieee-p1363' } : key).toString('base64url') : '';
  return `${data}.${sig}`;
}

describe('verifyJwt', () => {
  const claims = { iss: 'https://idp/', aud: ['api://a', 'api://b'], exp: 2000, nbf: 900, scope: 'read write' };
  const expect_ = { issuer: 'https://idp/', audience: 'api://b', scopes: ['read'], now: 1000, leewaySeconds: 0 };
  it('accepts RS256 and ES256 with the right claims', async () => {
    expect(await verifyJwt(token({ alg: 'RS256', kid: 'r' }, claims, rsa.privateKey), keys, expect_)).toMatchObject({
      ok: true,
      scopes: ['read', 'write'],
    });
    expect(await verifyJwt(token({ alg: 'ES256', kid: 'e' }, claims, ec.privateKey, true), keys, expect_)).toMatchObject({ ok: true });
  });
  it('refuses alg none, HMAC, key-type confusion, bad signatures and claims', async () => {
    const reason = async (t: string, e = expect_) => {
      const r = await verifyJwt(t, keys, e);
      return r.ok ? 'ok' : `${r.status} ${r.description}`;
    };
    expect(await reason(token({ alg: 'none', kid: 'r' }, claims))).toBe('401 the algorithm is not accepted (RS256, ES256)');
    expect(await reason(token({ alg: 'HS256', kid: 'r' }, claims, rsa.privateKey))).toBe(
      '401 the algorithm is not accepted (RS256, ES256)',
    );
    expect(await reason(token({ alg: 'ES256', kid: 'r' }, claims, ec.privateKey, true))).toBe(
      '401 the signing key does not match the algorithm',
    );
    expect(await reason(token({ alg: 'RS256', kid: 'r' }, { ...claims, exp: 1 }, rsa.privateKey))).toBe('401 the token has expired');
    expect(await reason(token({ alg: 'RS256', kid: 'r' }, { ...claims, nbf: 1500 }, rsa.privateKey))).toBe(
      '401 the token is not valid yet',
    );
    expect(await reason(token({ alg: 'RS256', kid: 'r' }, { ...claims, aud: 'api://c' }, rsa.privateKey))).toBe(
      '401 the token is for another audience',
    );
    expect(await reason(token({ alg: 'RS256', kid: 'r' }, { ...claims, exp: undefined }, rsa.privateKey))).toBe(
      '401 the token has no expiry',
    );
    expect(await reason(token({ alg: 'RS256', kid: 'r' }, { ...claims, scope: 'write' }, rsa.privateKey))).toBe(
      '403 missing scope(s): read',
    );
    expect(await reason(token({ alg: 'RS256', kid: 'x' }, claims, rsa.privateKey))).toBe('401 the signing key is unknown');
    const t = token({ alg: 'RS256', kid: 'r' }, claims, rsa.privateKey);
    const tampered = `${t.split('.')[0]}.${Buffer.from(JSON.stringify({ ...claims, scope: 'admin read' })).toString('base64url')}.${t.split('.')[2]}`;
    expect(await reason(tampered)).toBe('401 the signature does not verify');
    expect(await reason('a.b')).toBe('401 not a JWT');
    // Leeway absorbs small clock skew.
    expect(
      await reason(token({ alg: 'RS256', kid: 'r' }, { ...claims, exp: 990 }, rsa.privateKey), { ...expect_, leewaySeconds: 60 }),
    ).toBe('ok');
  });
});

const api: Api = {
  apiVersion: 'interlace.dev/v1alpha1',
  kind: 'Api',
  metadata: { name: 'orders' },
  spec: {
    version: '1.0.0',
    basePath: '/orders/v1',
    operations: [
      {
        id: 'getOrder',
        method: 'GET',
        path: '/orders/{id}',
        parameters: [
          { name: 'id', in: 'path', schema: { type: 'string', pattern: '^[0-9]+$' } },
          { name: 'expand', in: 'query', schema: { type: 'boolean' } },
          { name: 'limit', in: 'query', required: true, schema: { type: 'integer', maximum: 10 } },
        ],
        response: { contract: 'order@1' },
      },
      { id: 'latest', method: 'GET', path: '/orders/latest', response: { contract: 'order@1' } },
      { id: 'putOrder', method: 'PUT', path: '/orders/{id}', response: { contract: 'order@1' } },
    ],
  },
} as Api;

describe('ApiRouter and ParameterValidator', () => {
  const router = new ApiRouter(api);
  it('matches literals before parameters, decodes segments and reports 405 methods', () => {
    expect(router.owns('/orders/v1/orders/1')).toBe(true);
    expect(router.owns('/orders/v10')).toBe(false);
    const latest = router.match('GET', '/orders/v1/orders/latest');
    expect(latest.ok && latest.match.operation.id).toBe('latest');
    const one = router.match('GET', '/orders/v1/orders/4%2F2');
    expect(one.ok && one.match.pathParams).toEqual({ id: '4/2' });
    expect(router.match('DELETE', '/orders/v1/orders/1')).toEqual({ ok: false, allowed: ['GET', 'PUT'] });
    expect(router.match('GET', '/orders/v1/nothing')).toEqual({ ok: false, allowed: [] });
  });
  it('coerces and validates parameters', () => {
    const params = new ParameterValidator(api.spec.operations[0]!);
    const okay = params.check({ id: '42' }, new URL('http://x/?expand=true&limit=5'), {});
    expect(okay).toEqual({ ok: true, value: { params: { id: '42' }, query: { expand: true, limit: 5 }, headers: {} } });
    const bad = params.check({ id: 'x1' }, new URL('http://x/?expand=maybe&limit=50'), {});
    expect(bad.ok ? [] : bad.problems.map((p) => p.name)).toEqual(['id', 'expand', 'limit']);
    const missing = params.check({ id: '1' }, new URL('http://x/'), {});
    expect(missing).toEqual({ ok: false, problems: [{ in: 'query', name: 'limit', message: 'is required' }] });
  });
});

describe('lifecycle headers, API keys, secrets, System operations', () => {
  it('writes Deprecation (RFC 9745), Sunset (RFC 8594) and the successor link', () => {
    expect(deprecationHeaders(undefined)).toEqual({});
    expect(deprecationHeaders({ since: '2025-03-01', sunset: '2026-01-31' }, '/orders/v2')).toEqual({
      deprecation: `@${Date.UTC(2025, 2, 1) / 1000}`,
      sunset: 'Sat, 31 Jan 2026 23:59:59 GMT',
      link: '</orders/v2>; rel="successor-version"',
    });
    expect(deprecationHeaders({ reason: 'old' })).toEqual({ deprecation: '@1' });
  });
  it('maps API keys to clients', () => {
    const k = new ApiKeys('dealer-1:abc, def\nportal : ghi');
    expect([k.clientOf('abc'), k.clientOf('ghi'), k.clientOf('nope')]).toEqual(['dealer-1', 'portal', undefined]);
    expect(k.clientOf('def')).toMatch(/^key-[0-9a-f]{8}$/);
  });
  it('reads secrets from <NAME>_<KEY> and names the variable, never the value, when missing', () => {
    expect(secretVariable('wms-oauth', 'client-secret')).toBe('WMS_OAUTH_CLIENT_SECRET');
    expect(readSecret({ WMS_OAUTH_CLIENT_ID: 'id' }, { name: 'wms-oauth' }, 'client-id', 'System wms')).toBe('id');
    expect(() => readSecret({}, { name: 'wms-oauth', key: 'x' }, 'client-id', 'System wms')).toThrow(MissingSecretError);
    expect(() => readSecret({}, { name: 'wms-oauth', key: 'x' }, 'client-id', 'System wms')).toThrow('environment variable WMS_OAUTH_X');
  });
  it('fills operation paths from the payload, then System parameters', () => {
    expect(parseHttpOperation('PUT /orders/{orderNo}')).toEqual({ method: 'PUT', path: '/orders/{orderNo}' });
    expect(parseHttpOperation('856')).toBeUndefined();
    expect(
      fillOperationPath("/companies({companyId})/orders('{no}')", { no: 'A/1' }, (n) => (n === 'companyId' ? 'c-1' : undefined)),
    ).toEqual({ ok: true, path: "/companies(c-1)/orders('A%2F1')" });
    expect(fillOperationPath('/x/{missing}', {}, () => undefined)).toEqual({ ok: false, missing: 'missing' });
  });
  it('escapes a value for where it stands: a quote doubled inside an OData literal, all but unreserved percent-encoded', () => {
    const filter = "/companies({companyId})/items?$filter=number eq '{sku}'&$top=1";
    const fill = (sku: string) => fillOperationPath(filter, { sku }, () => 'c-1');
    // 14 characters that rewrote the filter with encodeURIComponent: ' and ( ) stayed as they were.
    expect(fill("x' or 1 eq 1 or number eq 'y")).toEqual({
      ok: true,
      path: "/companies(c-1)/items?$filter=number eq 'x%27%27%20or%201%20eq%201%20or%20number%20eq%20%27%27y'&$top=1",
    });
    expect(fill("a')&$top=999&x=('")).toMatchObject({ path: expect.not.stringMatching(/&\$top=999/) });
    // Outside a literal nothing but unreserved characters stays as it is.
    expect(fillOperationPath('/orders/{no}', { no: "A'(1)*!~._-" }, () => undefined)).toEqual({
      ok: true,
      path: '/orders/A%27%281%29%2A%21~._-',
    });
    expect(fillOperationPath("/items('{a}')/x/{b}", { a: "it's", b: "it's" }, () => undefined)).toEqual({
      ok: true,
      path: "/items('it%27%27s')/x/it%27s",
    });
  });
});

describe('System auth', () => {
  it('fetches an OAuth2 client-credentials token once for concurrent callers, caches it, refetches after a 401 renews it', async () => {
    let calls = 0;
    const bodies: string[] = [];
    const fetchImpl = (async (_url: string, init: { body: string; headers: Record<string, string> }) => {
      calls++;
      bodies.push(`${init.headers['authorization']} ${init.body}`);
      return new Response(JSON.stringify({ access_token: `t${calls}`, expires_in: 3600 }), { status: 200 });
    }) as unknown as typeof fetch;
    const auth = createSystemAuth(
      'wms',
      { type: 'oauth2-client-credentials', tokenUrl: 'https://idp/token', scopes: ['a', 'b'], secretRef: { name: 'wms-oauth' } },
      { WMS_OAUTH_CLIENT_ID: 'me', WMS_OAUTH_CLIENT_SECRET: 's3cret' },
      fetchImpl,
    );
    const all = await Promise.all([auth.headers(), auth.headers(), auth.headers()]);
    expect(all.map((h) => h['authorization'])).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t1']);
    expect(calls).toBe(1);
    expect(bodies[0]).toBe(`Basic ${Buffer.from('me:s3cret').toString('base64')} grant_type=client_credentials&scope=a+b`);
    expect(auth.renew({ authorization: 'Bearer t1' })).toBe(true);
    expect((await auth.headers())['authorization']).toBe('Bearer t2');
    // A 401 to the token already replaced drops nothing: concurrent callers share one renewal.
    auth.renew({ authorization: 'Bearer t1' });
    expect((await auth.headers())['authorization']).toBe('Bearer t2');
    expect(calls).toBe(2);
  });
  it('sends basic, bearer and api-key credentials from the environment', async () => {
    expect(
      await createSystemAuth('erp', { type: 'basic', secretRef: { name: 'erp' } }, { ERP_USERNAME: 'u', ERP_PASSWORD: 'p' }).headers(),
    ).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    expect(await createSystemAuth('crm', { type: 'bearer', secretRef: { name: 'crm' } }, { CRM_TOKEN: 't' }).headers()).toEqual({
      authorization: 'Bearer t',
    });
    expect(
      await createSystemAuth(
        'sap',
        { type: 'api-key', header: 'APIKey', secretRef: { name: 'sap', key: 'key' } },
        { SAP_KEY: 'k' },
      ).headers(),
    ).toEqual({ apikey: 'k' });
  });
});
