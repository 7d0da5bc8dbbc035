// A poll goes through the same System path as a delivery (runtime/worker/route-assembly.ts
// systemTransportFor, runtime/delivery/system-budget.ts): `interlace worker`'s source unit polls an
// OData V4 collection on an HTTPS server that requires a client certificate (a PKI made with openssl),
// with the client certificate from the System's mTLS Secret; the System's rate limit spaces the poll's
// queries; and failing queries open the System's circuit breaker — the one its deliveries share —
// after which the poll sends nothing until it half-opens.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/log.ts';
import { openSqliteBackbone } from '../../../runtime/backbone/sqlite-backbone.ts';
import type { Backbone } from '../../../runtime/backbone/backbone.ts';
import { CircuitState } from '../../../runtime/delivery/system-budget.ts';
import { queryODataCollection } from '../../../runtime/simulate/odata-collection.ts';
import { startWorker } from '../../../runtime/worker/start-worker.ts';
import type { Worker } from '../../../runtime/worker/start-worker.ts';
import { createTestPki } from '../../helpers/auth-peers/test-pki.ts';
import type { TestPki } from '../../helpers/auth-peers/test-pki.ts';
import { generateBundlesFromText } from '../worker-fixtures.ts';
import { storedMessages, waitFor } from './poll-test-support.ts';

const ROWS = 60;
const TOPIC = 'erp.item.changed';
const rows = Array.from({ length: ROWS }, (_, i) => ({
  id: `ITEM-${String(i).padStart(3, '0')}`,
  lastModifiedDateTime: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
}));

let pki: TestPki;
let server: Server;
let dir: string;
let backbone: Backbone;
let worker: Worker | undefined;
let failing = false;
/** When each query arrived, and whether it carried a client certificate the server trusts. */
const queries: { at: number; authorized: boolean }[] = [];

const estate = (url: string) => `apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: erp }
spec:
  type: erp
  hosting: cloud
  owner: team-test
  endpoint: { protocol: http, url: "${url}", format: odata-v4 }
  auth: { type: mtls, secretRef: { name: erp-tls } }
  limits:
    rateLimit: { requests: 5, per: 1s, burst: 1 }
  sources:
    poll:
      - name: items
        event: Item.Changed
        interval: 100ms
        odata: { path: /items, key: [id], modifiedField: lastModifiedDateTime, pageSize: 10 }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: item }
spec:
  version: 1.0.0
  owner: team-test
  description: An item as the ERP's collection answers it.
  identity: [id]
  schema:
    type: object
    required: [id]
    properties:
      id: { type: string }
      lastModifiedDateTime: { type: string }
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: items-changed }
spec:
  owner: team-test
  source: { system: erp, event: Item.Changed, contract: item@1 }
  targets:
    - name: catalogue
      topic: catalogue.items
      delivery:
        timeout: 5s
        retry: { maxAttempts: 3, initialBackoff: 100ms, maxBackoff: 1s }
        deadLetter: { topic: dlq.items-changed }
`;

beforeAll(async () => {
  pki = createTestPki();
  dir = mkdtempSync(join(tmpdir(), 'poll-budget-'));
  server = createServer(
    { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const url = new URL(req.url ?? '/', `https://${req.headers.host}`);
      queries.push({ at: Date.now(), authorized: (req.socket as { authorized?: boolean }).authorized === true });
      const reply = failing
        ? { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'maintenance' } } }
        : url.pathname === '/v2.0/items'
          ? queryODataCollection(rows, url, {
              version: 'v4',
              key: ['id'],
              fields: { id: 'string', lastModifiedDateTime: 'DateTimeOffset' },
              maxPageSize: 10,
            })
          : { status: 404, body: { error: { code: 'NotFound', message: url.pathname } } };
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const bundleDir = await generateBundlesFromText(dir, estate(`https://127.0.0.1:${port}/v2.0`));
  backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db') });
  worker = await startWorker({
    bundleDir,
    backbone,
    units: ['source-erp'],
    stateDir: join(dir, 'state'),
    env: { ERP_TLS_TLS_CRT: pki.client.cert, ERP_TLS_TLS_KEY: pki.client.key, ERP_TLS_CA_CRT: pki.ca.cert },
    port: 0,
    logger: silentLogger,
    // Two failed queries open the circuit; it stays open for the rest of the test.
    breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
  });
}, 120_000);

afterAll(async () => {
  await worker?.close();
  await backbone?.close();
  await new Promise((resolve) => server?.close(resolve));
  pki?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("polls with the System's client certificate, spaced by its rate limit; failures open its circuit breaker", {
  timeout: 60_000,
}, async () => {
  await waitFor('every row on the backbone', async () => (await storedMessages(backbone, TOPIC).catch(() => [])).length >= ROWS);
  const stored = await storedMessages(backbone, TOPIC);
  expect(stored.map((m) => m.payload.id)).toEqual(rows.map((r) => r.id));
  // Every query came over a TLS connection with the client certificate the server's CA signed.
  expect(queries.length).toBeGreaterThanOrEqual(ROWS / 10);
  expect(queries.every((q) => q.authorized)).toBe(true);
  // Six full pages, each followed at once by the next query: 5 requests/s with a burst of 1 lets them go
  // 200 ms apart, 1 s for the five gaps (without the budget they come within milliseconds of each other).
  const first = queries.slice(0, ROWS / 10);
  expect(first.at(-1)!.at - first[0]!.at).toBeGreaterThanOrEqual(800);

  failing = true;
  const budget = worker!.budgets.get('erp');
  await waitFor('the circuit to open', () => budget.state === CircuitState.Open, 20_000);
  const sent = queries.length;
  // The poll keeps backing off and trying (1 s, then up to 2 s), but an open circuit sends nothing.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(queries.length).toBe(sent);
  expect(await storedMessages(backbone, TOPIC)).toHaveLength(ROWS);
});
