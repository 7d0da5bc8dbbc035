// kill -9 of `interlace worker` in the middle of authenticated deliveries (issue 13 item 6): a child
// worker on a real nats-server delivers orders to a target that enforces its credentials — an OAuth2
// resource server behind a client-credentials token endpoint, an SAP-style OData service wanting a
// CSRF token bound to its session cookie, an HTTPS server that requires a client certificate from its
// CA — and applies each write once per Idempotency-Key (test/helpers/auth-peers). The target holds each
// answer after its effect, so the kill falls while calls are done at the target but not yet known to
// the worker. The credentials the killed worker held are then made useless (tokens revoked, sessions
// ended) and the worker started again: every order is applied exactly once, none lost, and the
// restarted worker fetched its own token instead of sending a stale one.
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody, startHttpServer } from '../../lib/http-server.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { consumerName } from '../../runtime/delivery/route-consumer.ts';
import { EffectsByKey } from '../helpers/auth-peers/effects-by-key.ts';
import { OAuth2Provider } from '../helpers/auth-peers/oauth2-provider.ts';
import { SapODataService } from '../helpers/auth-peers/sap-odata-service.ts';
import { createTestPki } from '../helpers/auth-peers/test-pki.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { eventually, freePort, generateBundlesFromText, startWorkerProcess } from './worker-fixtures.ts';
import type { WorkerProcess } from './worker-fixtures.ts';

const ORDERS = 60;
/** How long the target holds each answer after applying the write. */
const HOLD_MS = 200;
const prerequisite = await natsServerOrSkipReason();

/** The target as the test sees it. */
interface Peer {
  effects: EffectsByKey;
  /** Makes every credential issued so far useless (the killed worker's token or session). */
  invalidate(): void;
  /** Tokens or CSRF sessions handed out so far. */
  fetches(): number;
  /** Writes refused for a stale or missing credential so far. */
  refused(): number;
}

const estate = (name: string, system: string) => `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: order }
spec:
  version: 1.0.0
  owner: team-test
  description: An order to create at the target.
  identity: [orderNumber]
  schema:
    type: object
    required: [orderNumber, quantity]
    properties:
      orderNumber: { type: string }
      quantity: { type: integer }
---
${system}
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: ${name} }
spec:
  owner: team-test
  source: { topic: ${name}.orders, contract: order@1 }
  key: [orderNumber]
  targets:
    - name: target
      system: target
      operation: POST /orders
      delivery:
        timeout: 10s
        retry: { maxAttempts: 10, initialBackoff: 100ms, maxBackoff: 1s, multiplier: 2 }
        deadLetter: { topic: dlq.${name}.target }
`;

const systemYaml = (endpoint: string, auth: string) => `apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: target }
spec:
  type: erp
  hosting: cloud
  owner: team-test
  endpoint: ${endpoint}
  auth: ${auth}
  limits: { concurrency: 4, timeout: 10s }
  contracts: [order@1]`;

const order = (i: number) => ({ orderNumber: `SO-${String(i).padStart(5, '0')}`, quantity: 1 + (i % 9) });

describe.skipIf('skip' in prerequisite)('authenticated deliveries: kill -9 of the worker mid-delivery', () => {
  let nats: NatsServer | undefined;
  let backbone: JetStreamBackbone | undefined;
  const children: WorkerProcess[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'auth-kill-'));
  beforeAll(async () => {
    if (!('binary' in prerequisite)) return;
    nats = await startNatsServer(prerequisite.binary);
    backbone = await openJetStreamBackbone({ servers: nats.url, name: 'auth-kill-test' });
  }, 60_000);
  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    for (const cleanup of cleanups) await cleanup();
    await backbone?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Waits for `check`; on a timeout the worker's output so far says why. */
  async function waitFor(child: WorkerProcess, what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
    try {
      await eventually(check, what, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nworker output:\n${child.output()}`);
    }
  }

  /** Delivers ORDERS orders through route `name`, kills the worker mid-delivery and starts it again. */
  async function killMidDelivery(name: string, system: string, env: Record<string, string>, peer: Peer): Promise<void> {
    const started = Date.now();
    const bundleDir = await generateBundlesFromText(join(dir, name), estate(name, system));
    const port = await freePort();
    const args = [
      ...['--bundle', bundleDir, '--unit', `route-${name}`, '--nats', nats!.url],
      ...['--state-dir', join(dir, name, 'state'), '--port', String(port), '--host', '127.0.0.1'],
      ...['--ack-wait', '2s', '--worker-id', name, '--grace', '5s'],
    ];
    const start = async (): Promise<WorkerProcess> => {
      const child = startWorkerProcess(args, env);
      children.push(child);
      await waitFor(
        child,
        'the worker to be ready',
        async () => {
          if (child.process.exitCode !== null) throw new Error(`the worker exited (${child.process.exitCode}):\n${child.output()}`);
          return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
        },
        60_000,
      );
      return child;
    };
    const topic = `${name}.orders`;
    const effects = peer.effects;

    const first = await start();
    await backbone!.ensureTopic(topic);
    for (let i = 0; i < ORDERS; i++) await backbone!.publish(topic, Buffer.from(JSON.stringify(order(i))), { messageId: `order-${i}` });
    await waitFor(
      first,
      'a third of the orders applied with a call in flight',
      () => effects.applied.size >= ORDERS / 3 && effects.held > 0,
      60_000,
    );
    first.process.kill('SIGKILL');
    await first.exited;
    const appliedAtKill = effects.applied.size;
    expect(appliedAtKill).toBeLessThan(ORDERS);
    expect(peer.fetches()).toBeGreaterThan(0);

    // What the killed worker held is no good any more: the restarted one must fetch its own.
    peer.invalidate();
    const fetchesBefore = peer.fetches();
    const refusedBefore = peer.refused();
    const second = await start();
    const consumer = consumerName(name, 'target');
    await waitFor(
      second,
      'every order applied and acknowledged',
      async () => effects.applied.size >= ORDERS && effects.held === 0 && (await backbone!.pending(topic, consumer)) === 0,
      120_000,
    );
    second.process.kill('SIGTERM');
    await second.exited;

    // Exactly once per order: every write carried a key, each key applied once, each order under one key.
    expect(effects.withoutKey).toBe(0);
    const numbers = [...effects.applied.values()].map((body) => (body as { orderNumber: string }).orderNumber).sort();
    expect(numbers).toEqual(Array.from({ length: ORDERS }, (_, i) => order(i).orderNumber));
    // The restarted worker fetched a credential of its own and never sent the killed worker's.
    expect(peer.fetches()).toBeGreaterThan(fetchesBefore);
    expect(peer.refused()).toBe(refusedBefore);
    console.log(
      `auth-kill ${name}: killed with ${appliedAtKill}/${ORDERS} applied and ${effects.repeats === 0 ? 'no' : effects.repeats} write(s) repeated after the restart (same key, not applied again); ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }

  it('OAuth2 client credentials: every order once, a fresh token after the restart', { timeout: 240_000 }, async () => {
    if (!('binary' in prerequisite)) return;
    const provider = await new OAuth2Provider({
      clients: { interlace: 'client-secret-1' },
      clientAuthentication: 'client_secret_post',
      ttlSeconds: 3600,
    }).start();
    cleanups.push(() => provider.stop());
    provider.effects.holdMs = HOLD_MS;
    const system = systemYaml(
      `{ protocol: http, url: "${provider.apiUrl}", format: json }`,
      `{ type: oauth2-client-credentials, tokenUrl: "${provider.tokenUrl}", secretRef: { name: erp-oauth }, clientAuthentication: client_secret_post }`,
    );
    await killMidDelivery(
      'oauth-orders',
      system,
      { ERP_OAUTH_CLIENT_ID: 'interlace', ERP_OAUTH_CLIENT_SECRET: 'client-secret-1' },
      {
        effects: provider.effects,
        invalidate: () => provider.revokeAll(),
        fetches: () => provider.tokensIssued,
        refused: () => provider.resource.rejected,
      },
    );
  });

  it('SAP CSRF token and session cookie: every order once, a fresh token and session after the restart', { timeout: 240_000 }, async () => {
    if (!('binary' in prerequisite)) return;
    const service = await new SapODataService({ username: 'INTERLACE', password: 'Welcome1!' }).start();
    cleanups.push(() => service.stop());
    service.effects.holdMs = HOLD_MS;
    const system = systemYaml(
      `{ protocol: http, url: "${service.url}", format: odata-v2, csrf: true }`,
      '{ type: basic, secretRef: { name: s4-sales } }',
    );
    await killMidDelivery(
      'csrf-orders',
      system,
      { S4_SALES_USERNAME: 'INTERLACE', S4_SALES_PASSWORD: 'Welcome1!' },
      {
        effects: service.effects,
        invalidate: () => service.expireSessions(),
        fetches: () => service.counts.fetches,
        refused: () => service.counts.writesRefused,
      },
    );
  });

  it('mTLS: every order once at a server that requires a client certificate from its CA', { timeout: 240_000 }, async () => {
    if (!('binary' in prerequisite)) return;
    const pki = createTestPki();
    const effects = new EffectsByKey(HOLD_MS);
    const clients = new Set<string>();
    let handshakes = 0;
    const server = await startHttpServer({
      port: 0,
      tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true },
      handler: async (req, res) => {
        const read = await readBody(req, 64 * 1024);
        clients.add(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
        if (!read.ok || req.method !== 'POST') {
          res.writeHead(400).end();
          return;
        }
        effects.apply(req.headers['idempotency-key'], JSON.parse(read.body));
        await effects.hold();
        res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      },
    });
    server.server.on('secureConnection', () => handshakes++);
    cleanups.push(async () => {
      await server.close();
      pki.remove();
    });
    const system = systemYaml(`{ protocol: http, url: "${server.url}", format: json }`, '{ type: mtls, secretRef: { name: partner-tls } }');
    await killMidDelivery(
      'mtls-orders',
      system,
      { PARTNER_TLS_TLS_CRT: pki.client.cert, PARTNER_TLS_TLS_KEY: pki.client.key, PARTNER_TLS_CA_CRT: pki.ca.cert },
      // A client certificate is not fetched: the TLS handshakes stand for it (the restarted worker makes its own).
      { effects, invalidate: () => {}, fetches: () => handshakes, refused: () => 0 },
    );
    expect([...clients]).toEqual(['interlace-client']);
  });
});
