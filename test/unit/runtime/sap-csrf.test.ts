// SAP-style CSRF protection for OData writes, against a service that binds each token to the session
// cookie it was issued with (test/helpers/auth-peers/sap-odata-service.ts), reached with HTTP Basic.
import { afterEach, describe, expect, it } from 'vitest';
import type { System } from '../../../language/kinds/generated/kinds.ts';
import { classifyFailure, CredentialError, HttpStatusError } from '../../../runtime/delivery/failures.ts';
import { SystemClient } from '../../../runtime/http/system-client.ts';
import { keepAliveFetch } from '../../../runtime/worker/keep-alive-fetch.ts';
import { SapODataService } from '../../helpers/auth-peers/sap-odata-service.ts';
import type { SapODataServiceOptions } from '../../helpers/auth-peers/sap-odata-service.ts';

const ENV = { S4_SALES_USERNAME: 'INTERLACE', S4_SALES_PASSWORD: 'Welcome1!' };

let service: SapODataService | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
});

async function setUp(
  options: Partial<SapODataServiceOptions> = {},
  endpoint: Partial<System['spec']['endpoint']> = {},
  transport: typeof fetch = keepAliveFetch(),
  env: Record<string, string> = ENV,
): Promise<{ service: SapODataService; client: SystemClient }> {
  service = await new SapODataService({ username: 'INTERLACE', password: 'Welcome1!', ...options }).start();
  const spec = {
    type: 'erp',
    hosting: 'on-prem',
    endpoint: { protocol: 'http', url: service.url, format: 'odata-v2', csrf: true, ...endpoint },
    auth: { type: 'basic', secretRef: { name: 's4-sales' } },
  } as System['spec'];
  return { service, client: new SystemClient('s4-sales', spec, env, transport) };
}

const create = (client: SystemClient, n = 1) =>
  client.call({ method: 'POST', path: '/A_SalesOrder', body: { PurchaseOrderByCustomer: `PO-${n}` }, timeoutMs: 10_000 });

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

describe('SAP CSRF tokens on OData writes', { timeout: 30_000 }, () => {
  it('the service enforces the binding: a token without its session cookie, or with another session’s, is 403 Required', async () => {
    const { service } = await setUp();
    const basic = { authorization: `Basic ${Buffer.from('INTERLACE:Welcome1!').toString('base64')}` };
    const fetchToken = async () => {
      const answer = await fetch(`${service.url}/`, { headers: { ...basic, 'x-csrf-token': 'Fetch' } });
      return {
        token: answer.headers.get('x-csrf-token')!,
        cookie: answer.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
      };
    };
    const a = await fetchToken();
    const b = await fetchToken();
    const write = (headers: Record<string, string>) =>
      fetch(`${service.url}/A_SalesOrder`, { method: 'POST', headers: { ...basic, ...headers }, body: '{}' });
    const noCookie = await write({ 'x-csrf-token': a.token });
    expect([noCookie.status, noCookie.headers.get('x-csrf-token')]).toEqual([403, 'Required']);
    expect((await write({ 'x-csrf-token': a.token, cookie: b.cookie })).status).toBe(403);
    expect((await write({ 'x-csrf-token': a.token, cookie: a.cookie })).status).toBe(201);
  });

  it('50 parallel writes fetch one token (GET on the service root) and send it with its session cookies', async () => {
    const { service, client } = await setUp();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => create(client, i)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(201));
    expect(service.counts).toMatchObject({ fetches: 1, writesAccepted: 50, writesRefused: 0 });
  });

  it('reads fetch no token', async () => {
    const { service, client } = await setUp();
    expect((await client.call({ method: 'GET', path: '/A_SalesOrder', timeoutMs: 5_000 })).status).toBe(200);
    expect(service.counts.fetches).toBe(0);
  });

  it('sessions that expire mid-run: writes refused with Required fetch once and are retried once, all created once', async () => {
    const { service, client } = await setUp();
    await create(client, 0);
    service.expireSessions();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => create(client, i + 1)));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(service.counts).toMatchObject({ fetches: 2, writesAccepted: 21, writesRefused: 20 });
    expect(service.created).toHaveLength(21);
  });

  it('the token is fetched with HEAD when the gateway refuses the GET', async () => {
    const { service, client } = await setUp({ fetchWith: ['HEAD'] });
    expect((await create(client)).status).toBe(201);
    expect(service.counts.fetches).toBe(1);
  });

  it('a service that keeps answering Required: one new token, one retry, then the 403 is the answer (no loop)', async () => {
    const { service, client } = await setUp({ refuseAllWrites: true });
    const error = await failureOf(create(client));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(403);
    expect(service.counts).toMatchObject({ fetches: 2, writesRefused: 2 });
  });

  it('a wrong password: 401 on the token fetch, no retry with the same static credentials, nothing written', async () => {
    const { service, client } = await setUp({}, {}, keepAliveFetch(), { ...ENV, S4_SALES_PASSWORD: 'nope' });
    const error = await failureOf(create(client));
    expect(classifyFailure(error)).toMatchObject({ kind: 'permanent', reason: 'http-401' });
    expect(service.counts.unauthorized).toBe(1);
    expect(service.created).toHaveLength(0);
  });

  it('csrf declared on a service that sends no token: a permanent failure that says so, nothing written', async () => {
    const { service, client } = await setUp({ csrfOff: true });
    const error = await failureOf(create(client));
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as Error).message).toMatch(/no X-CSRF-Token header: is CSRF protection on/);
    expect(classifyFailure(error)).toMatchObject({ kind: 'permanent', reason: 'csrf-http-200' });
    expect(service.created).toHaveLength(0);
  });

  it('works the same over built-in fetch, with csrfFetchPath naming where the token comes from', async () => {
    const { service, client } = await setUp({}, { csrfFetchPath: '/$metadata' }, fetch);
    expect((await create(client)).status).toBe(201);
    expect(service.counts).toMatchObject({ fetches: 1, writesAccepted: 1 });
  });
});
