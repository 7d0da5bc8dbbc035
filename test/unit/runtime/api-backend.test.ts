// availability@1 of the example estate, served by a real worker from the committed bundle
// (generated/bundles/api-availability-v1) against a loopback stand-in for the cloud ERP that parses
// OData as Business Central does. It answers with the System's `companyId` parameter filled in, a
// value cannot rewrite the `$filter` it is put into, base64 API keys work whole, and key guessing
// from one address is refused with 429.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteBackbone } from '../../../runtime/backbone/sqlite-backbone.ts';
import type { SqliteBackbone } from '../../../runtime/backbone/sqlite-backbone.ts';
import { memoryLogger } from '../../../lib/log.ts';
import { estateFromBundles, loadBundles } from '../../../runtime/worker/bundle.ts';
import { startWorker } from '../../../runtime/worker/start-worker.ts';
import type { Worker } from '../../../runtime/worker/start-worker.ts';

const BUNDLES = new URL('../../../generated/bundles', import.meta.url).pathname;
const ITEM = JSON.parse(readFileSync(new URL('../../../specs/fixtures/erp/business-central/item.get.json', import.meta.url), 'utf8'));
const COMPANY = 'a1b2c3d4-0000-4000-8000-00000000c0de';
/** What `openssl rand -base64 18` prints: ends in `==`... with 16 bytes; here one of each kind. */
const KEY_TWO_PADS = 'q83vEjRWeJCrze8SNFZ4kA==';
const KEY_ONE_PAD = 'q83vEjRWeJCrze8SNFZ4kKo=';

/** The OData string literal of a `$filter=number eq '…'`, read as the server reads it (`''` is one quote). */
function filterValue(filter: string | null): string | undefined {
  const m = /^number eq '((?:[^']|'')*)'$/.exec(filter ?? '');
  return m ? m[1]!.replaceAll("''", "'") : undefined;
}

let erp: Server;
const seen: string[] = [];
let worker: Worker;
let backbone: SqliteBackbone;
let stateDir: string;

beforeAll(async () => {
  erp = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://erp');
    if (req.method === 'POST' && url.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 't', token_type: 'Bearer', expires_in: 3600 }));
      return;
    }
    seen.push(req.url ?? '');
    const company = /^\/companies\(([^)]*)\)\/items$/.exec(url.pathname);
    if (!company || decodeURIComponent(company[1]!) !== COMPANY) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"BadRequest_ResourceNotFound"}}');
      return;
    }
    // A filter the server cannot parse as one string comparison is a 400, as OData servers answer.
    const sku = filterValue(url.searchParams.get('$filter'));
    if (sku === undefined) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"BadRequest"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ '@odata.context': 'x', value: sku === ITEM.number ? [ITEM] : [] }));
  });
  await new Promise<void>((r) => erp.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(erp.address() as AddressInfo).port}`;

  const estate = estateFromBundles(await loadBundles(BUNDLES, ['api-availability-v1']));
  const cloudErp = estate.systems.find((s) => s.metadata.name === 'cloud-erp')!;
  cloudErp.spec.endpoint.url = origin;
  cloudErp.spec.auth!.tokenUrl = `${origin}/token`;
  stateDir = mkdtempSync(join(tmpdir(), 'interlace-api-backend-'));
  backbone = await openSqliteBackbone({ path: join(stateDir, 'backbone.db'), pollIntervalMs: 50 });
  worker = await startWorker({
    bundleDir: BUNDLES,
    units: ['api-availability-v1'],
    estate,
    backbone,
    stateDir,
    port: 0,
    logger: memoryLogger('error').logger,
    env: {
      AVAILABILITY_V1_DEALER_KEYS_KEYS: `dealer-1:${KEY_TWO_PADS}\ndealer-2:${KEY_ONE_PAD}`,
      CLOUD_ERP_OAUTH_CLIENT_ID: 'interlace',
      CLOUD_ERP_OAUTH_CLIENT_SECRET: 'local',
      CLOUD_ERP_PARAM_COMPANYID: COMPANY,
    },
  });
}, 60_000);

afterAll(async () => {
  await worker?.close(500);
  await backbone?.close();
  erp?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

const availability = (sku: string, key: string) =>
  fetch(`${worker.url}/availability/v1/products/${encodeURIComponent(sku)}/availability`, { headers: { 'x-api-key': key } });

describe('availability@1', () => {
  it('answers 200 with the System parameter companyId filled in', async () => {
    const res = await availability('1896-S', KEY_TWO_PADS);
    expect(await res.json()).toMatchObject({ sku: '1896-S', availableQuantity: 4, unit: 'EA', inStock: true });
    expect(res.status).toBe(200);
    expect(seen.at(-1)).toContain(`/companies(${COMPANY})/items?`);
  });

  it('answers 404 for an unknown SKU', async () => {
    expect((await availability('NOPE-1', KEY_TWO_PADS)).status).toBe(404);
  });

  it("keeps a value inside its OData string literal: `x' or number ne 'y` matches nothing", async () => {
    const injection = "1896-S' or 'a'='a";
    expect(injection.length).toBeLessThanOrEqual(20);
    const res = await availability(injection, KEY_TWO_PADS);
    expect(res.status).toBe(404);
    const sent = new URL(seen.at(-1)!, 'http://erp');
    expect(sent.searchParams.get('$filter')).toBe("number eq '1896-S'' or ''a''=''a'");
  });

  it('accepts both base64 keys whole and refuses `=` and `==`', async () => {
    expect((await availability('1896-S', KEY_ONE_PAD)).status).toBe(200);
    for (const key of ['=', '==']) expect((await availability('1896-S', key)).status, key).toBe(401);
  });
});

describe('guessing API keys', () => {
  /** From another loopback address, so the other tests' address is not the one blocked. */
  const guess = (key: string) =>
    new Promise<{ status: number; retryAfter?: string }>((resolve, reject) => {
      const req = request(
        `${worker.url}/availability/v1/products/1896-S/availability`,
        { headers: { 'x-api-key': key }, localAddress: '127.0.0.2' },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}) }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('is refused with 429 and Retry-After after a burst, even with the right key', async () => {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 60; i++) {
      const r = await guess(`wrong-key-${i}`);
      statuses.push(r.status);
      retryAfter ??= r.retryAfter;
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(25);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(35);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await guess(KEY_TWO_PADS)).status).toBe(429);
    // Other addresses are not affected.
    expect((await availability('1896-S', KEY_TWO_PADS)).status).toBe(200);
  });
});
