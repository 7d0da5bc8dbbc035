// Business APIs served by the worker: API keys, OAuth2 bearer JWTs verified against a JWKS served on
// loopback (RS256 and ES256), per-client rate limits (429 + Retry-After), Deprecation/Sunset headers,
// request validation with problem+json bodies, a view kept up to date by the route's events (sqlite
// backbone), and a backend that calls a System and maps its answer.
import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import type { SqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { memoryLogger } from '../../lib/log.ts';
import { memoryTracer } from '../../runtime/observe/trace.ts';
import type { FinishedSpan } from '../../runtime/observe/trace.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import type { Worker } from '../../runtime/worker/start-worker.ts';
import { eventually, generateTestEstate, startTargetServer } from './worker-fixtures.ts';
import type { TargetServer } from './worker-fixtures.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

function jwt(claims: Record<string, unknown>, key: KeyObject, kid: string, alg: 'RS256' | 'ES256'): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const data = `${b64({ alg, kid, typ: 'JWT' })}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(data), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${data}.${signature.toString('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);
const good = { iss: 'https://login.example.com/', aud: 'api://picks', scope: 'picks:read other', azp: 'dealer-portal' };

let generated: Awaited<ReturnType<typeof generateTestEstate>>;
let worker: Worker;
let backbone: SqliteBackbone;
let wms: TargetServer;
let jwksServer: ReturnType<typeof createServer>;
let jwksFetches = 0;
let stateDir: string;
const tracer = memoryTracer();
let logs: Record<string, unknown>[];

beforeAll(async () => {
  generated = await generateTestEstate();
  jwksServer = createServer((_req, res) => {
    jwksFetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        keys: [
          { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
          { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  wms = await startTargetServer((request) => ({ status: 200, body: request.body }));
  stateDir = mkdtempSync(join(tmpdir(), 'interlace-worker-api-'));
  backbone = await openSqliteBackbone({ path: join(stateDir, 'backbone.db'), pollIntervalMs: 20 });
  const estate = generated.estate();
  estate.systems.find((s) => s.metadata.name === 'wms')!.spec.endpoint.url = wms.url;
  const v2 = estate.apis.find((a) => a.spec.version.startsWith('2.'))!;
  v2.spec.auth!.jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  const memory = memoryLogger('debug');
  logs = memory.lines;
  worker = await startWorker({
    bundleDir: generated.bundleDir,
    backbone,
    estate,
    stateDir,
    port: 0,
    logger: memory.logger,
    tracer: tracer.tracer,
    env: { WMS_KEY_API_KEY: 'wms-secret', PICK_STATUS_KEYS_KEYS: 'dealer-1:key-one-secret,dealer-2:key-two-secret' },
  });
}, 120_000);

afterAll(async () => {
  await worker?.close(1000);
  await backbone?.close();
  await wms?.close();
  jwksServer?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  generated?.cleanup();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${worker.url}${path}`, { headers });

describe('worker APIs', () => {
  it('serves a view kept up to date by the route events, behind API keys, with lifecycle headers', async () => {
    await backbone.ensureTopic('orders.in');
    await backbone.publish(
      'orders.in',
      Buffer.from(JSON.stringify({ orderNumber: 'P-100', warehouse: 'DE01', quantity: 4, seq: 1, unit: 'CS' })),
    );
    await backbone.publish('orders.in', Buffer.from(JSON.stringify({ orderNumber: 'P-100', warehouse: 'DE01', quantity: 6, seq: 2 })));
    await eventually(
      () =>
        worker.views.size('pick-status@1/getPick') === 1 &&
        (worker.views.get('pick-status@1/getPick', 'P-100') as { qty: number }).qty === 6,
      'view updated',
    );

    const none = await get('/pick-status/v1/picks/P-100');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.headers.get('www-authenticate')).toContain('X-API-Key');
    expect((await get('/pick-status/v1/picks/P-100', { 'x-api-key': 'wrong' })).status).toBe(401);

    const ok = await get('/pick-status/v1/picks/P-100', { 'x-api-key': 'key-one-secret' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ orderNo: 'P-100', dc: 'DE01', qty: 6, seq: 2, unit: 'each' });
    // RFC 9745 Deprecation (since 2025-01-01), RFC 8594 Sunset, and the successor.
    expect(ok.headers.get('deprecation')).toBe(`@${Date.parse('2025-01-01T00:00:00Z') / 1000}`);
    expect(ok.headers.get('sunset')).toBe('Sun, 30 Jun 2030 23:59:59 GMT');
    expect(ok.headers.get('link')).toBe('</pick-status/v2>; rel="successor-version"');

    const missing = await get('/pick-status/v1/picks/NOPE', { 'x-api-key': 'key-two-secret' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('deprecation')).not.toBeNull();
    const tooLong = await get('/pick-status/v1/picks/ABCDEFGHIJKLMNOP', { 'x-api-key': 'key-two-secret' });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ status: 400, title: 'Bad Request', errors: [{ in: 'path', name: 'orderNo' }] });
  });

  it('rate-limits per client with 429 and Retry-After, without touching other clients', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('/pick-status/v1/picks/P-100', { 'x-api-key': 'key-one-secret' })).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    const limited = await get('/pick-status/v1/picks/P-100', { 'x-api-key': 'key-one-secret' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
    // Another client still has its own budget.
    expect((await get('/pick-status/v1/picks/P-100', { 'x-api-key': 'key-two-secret' })).status).toBe(200);
  });

  it('accepts valid RS256 and ES256 tokens from the JWKS and refuses expired, wrong-audience, unscoped and forged ones', async () => {
    const path = '/pick-status/v2/picks/P-100';
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const rs = await get(path, bearer(jwt({ ...good, exp: now() + 300 }, rsa.privateKey, 'rsa-1', 'RS256')));
    expect(rs.status).toBe(200);
    expect(rs.headers.get('deprecation')).toBeNull();
    expect((await get(path, bearer(jwt({ ...good, exp: now() + 300 }, ec.privateKey, 'ec-1', 'ES256')))).status).toBe(200);

    const expired = await get(path, bearer(jwt({ ...good, exp: now() - 3600 }, rsa.privateKey, 'rsa-1', 'RS256')));
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await expired.json()).toMatchObject({ detail: 'the token has expired' });
    const audience = await get(path, bearer(jwt({ ...good, aud: 'api://other', exp: now() + 300 }, rsa.privateKey, 'rsa-1', 'RS256')));
    expect(audience.status).toBe(401);
    expect(await audience.json()).toMatchObject({ detail: 'the token is for another audience' });
    const issuer = await get(
      path,
      bearer(jwt({ ...good, iss: 'https://evil.example/', exp: now() + 300 }, rsa.privateKey, 'rsa-1', 'RS256')),
    );
    expect(issuer.status).toBe(401);
    const notYet = await get(path, bearer(jwt({ ...good, nbf: now() + 3600, exp: now() + 7200 }, rsa.privateKey, 'rsa-1', 'RS256')));
    expect(notYet.status).toBe(401);
    const unscoped = await get(path, bearer(jwt({ ...good, scope: 'other', exp: now() + 300 }, rsa.privateKey, 'rsa-1', 'RS256')));
    expect(unscoped.status).toBe(403);
    expect(unscoped.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    const forged = await get(path, bearer(jwt({ ...good, exp: now() + 300 }, stranger.privateKey, 'rsa-1', 'RS256')));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ detail: 'the signature does not verify' });
    const unknownKid = await get(path, bearer(jwt({ ...good, exp: now() + 300 }, stranger.privateKey, 'rsa-9', 'RS256')));
    expect(unknownKid.status).toBe(401);
    const noToken = await get(path);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer realm="pick-status", scope="picks:read"/);
    // The JWKS is cached: one fetch at start, at most one more for the unknown kid.
    expect(jwksFetches).toBeLessThanOrEqual(2);
  });

  it('validates the request body against its contract (400 problem+json) and maps a System backend answer', async () => {
    const headers = {
      authorization: `Bearer ${jwt({ ...good, exp: now() + 300 }, rsa.privateKey, 'rsa-1', 'RS256')}`,
      'content-type': 'application/json',
    };
    const invalid = await fetch(`${worker.url}/pick-status/v2/previews`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ orderNumber: 'Q-1', quantity: 'many' }),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await invalid.json()) as { errors: string[]; detail: string };
    expect(problem.detail).toContain('order-in@1');
    expect(problem.errors.join('\n')).toMatch(/warehouse/);
    expect(problem.errors.join('\n')).toMatch(/\/quantity/);
    const previews = () => wms.requests.filter((r) => r.path === '/previews');
    expect(previews()).toHaveLength(0);

    const valid = await fetch(`${worker.url}/pick-status/v2/previews`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ orderNumber: 'Q-1', warehouse: 'US01', quantity: 2 }),
    });
    expect(valid.status).toBe(200);
    expect(await valid.json()).toEqual({ orderNo: 'Q-1', dc: 'US01', qty: 2, unit: 'each' });
    expect(previews()).toHaveLength(1);
    expect(previews()[0]!.headers['x-wms-key']).toBe('wms-secret');

    // The answer must satisfy the response contract: quantity 0 maps to qty 0, below pick@1's minimum.
    const broken = await fetch(`${worker.url}/pick-status/v2/previews`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ orderNumber: 'Q-2', warehouse: 'US01', quantity: 0 }),
    });
    expect(broken.status).toBe(502);
    expect(logs.some((l) => l['msg'] === 'the response breaks its contract; not sent')).toBe(true);
  });

  it('exposes /healthz, /readyz and /metrics with API requests by operation and status; spans carry business keys', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain('interlace_api_requests_total{api="pick-status@1",operation="getPick",status="429"}');
    expect(metrics).toContain('interlace_api_requests_total{api="pick-status@2",operation="getPick",status="403"} 1');
    expect(metrics).toContain('interlace_api_request_duration_seconds_bucket');
    // No business key is a metric label.
    expect(metrics).not.toContain('P-100');
    const span = tracer.spans.find(
      (s: FinishedSpan) => s.attributes['interlace.api'] === 'pick-status@1' && s.attributes['http.response.status_code'] === 200,
    );
    expect(span?.attributes).toMatchObject({
      'interlace.business_key.order_number': 'P-100',
      'interlace.business_key.warehouse': 'DE01',
      'interlace.client': 'dealer-1',
    });
  });
});
