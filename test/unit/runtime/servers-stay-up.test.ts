// Every server `interlace run` starts (simulated systems, the gateway, the worker) stays up whatever
// bytes a client sends: a malformed request line, a body announced larger than it is and then cut
// off, headers trickled byte by byte (slowloris), a path that climbs out of an API's base path. Each
// server is the real one, started on port 0; the requests are raw bytes over node:net.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteBackbone } from '../../../runtime/backbone/sqlite-backbone.ts';
import type { SqliteBackbone } from '../../../runtime/backbone/sqlite-backbone.ts';
import { memoryLogger } from '../../../lib/log.ts';
import { RuntimeMetrics } from '../../../runtime/observe/metrics.ts';
import { Gateway } from '../../../runtime/run/gateway.ts';
import { SimServer, route } from '../../../runtime/simulate/sim-http.ts';
import { startWorker } from '../../../runtime/worker/start-worker.ts';
import type { Worker } from '../../../runtime/worker/start-worker.ts';

const BUNDLES = new URL('../../../generated/bundles', import.meta.url).pathname;
/** Short limits so a slow client is cut off within the test's time. */
const LIMITS = { headersTimeoutMs: 800, requestTimeoutMs: 2_000 };

/** Sends raw bytes; resolves with what came back once the server closes the socket (or `waitMs` passes). */
function exchange(port: number, chunks: (string | number)[], waitMs = 3_000): Promise<{ reply: string; closedAfterMs?: number }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let reply = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(closed ? { reply, closedAfterMs: Date.now() - started } : { reply });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d) => {
      reply += d.toString('latin1');
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      // A number in the list is a pause (ms) between writes.
      for (const chunk of chunks) {
        if (done) return;
        if (typeof chunk === 'number') await new Promise((r) => setTimeout(r, chunk));
        else socket.write(chunk, 'latin1');
      }
    });
  });
}

/** Headers one line every 150 ms for `lines` lines: never finishes within the headers timeout. */
function trickle(lines: number): (string | number)[] {
  const out: (string | number)[] = ['GET /healthz HTTP/1.1\r\nHost: x\r\n'];
  for (let i = 0; i < lines; i++) out.push(150, `X-Slow-${i}: ${i}\r\n`);
  return out;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

async function stillServes(url: string, path = '/healthz'): Promise<number> {
  return (await fetch(`${url}${path}`)).status;
}

describe('a simulated system', () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = new SimServer({
      name: 'sim',
      port: 0,
      routes: [route('POST', '/v1/things', (r) => ({ status: 201, body: r.body })), route('GET', '/healthz', () => ({ status: 200 }))],
      state: () => ({}),
      limits: LIMITS,
    });
    await sim.start();
  });
  afterAll(() => sim?.stop());

  it('answers `GET //[` with a 4xx and keeps serving', async () => {
    const { reply } = await exchange(sim.port, ['GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(reply).toMatch(/^HTTP\/1\.1 (400|404)/);
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
    expect(await stillServes(sim.origin)).toBe(200);
  });

  it('survives a POST that announces 100 kB, sends 6 bytes and closes', async () => {
    await exchange(
      sim.port,
      ['POST /v1/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":1', 50],
      300,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(unhandled).toEqual([]);
    expect(await stillServes(sim.origin)).toBe(200);
  });

  it('refuses a body over its limit with 413', async () => {
    const res = await fetch(`${sim.origin}/v1/things`, { method: 'POST', body: 'x'.repeat(3 * 1024 * 1024) }).catch(() => undefined);
    if (res) expect(res.status).toBe(413);
    expect(await stillServes(sim.origin)).toBe(200);
  });

  it('closes a socket that trickles its headers within the headers timeout', async () => {
    const { closedAfterMs } = await exchange(sim.port, trickle(40), 5_000);
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs!).toBeLessThan(LIMITS.headersTimeoutMs + 1_500);
  });
});

describe('the gateway', () => {
  let gateway: Gateway;
  let upstream: Server;
  const forwarded: string[] = [];
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      forwarded.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`upstream ${req.url}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gateway = new Gateway({
      port: 0,
      metrics: new RuntimeMetrics(),
      apis: () => new Map([['/order-status/v1', origin]]),
      state: async () => ({}),
      limits: LIMITS,
    });
    await gateway.start();
  });
  afterAll(async () => {
    await gateway?.stop();
    upstream?.close();
  });
  const port = () => Number(new URL(gateway.url).port);

  it('routes on the normalised path: `/order-status/v1/orders/../../../metrics` never reaches the API', async () => {
    forwarded.length = 0;
    for (const path of [
      '/order-status/v1/orders/../../../metrics',
      '/order-status/v1/orders/%2e%2e/%2e%2e/%2e%2e/metrics',
      '/order-status/v1/..%2f..%2fmetrics',
    ]) {
      const { reply } = await exchange(port(), [`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
      expect(reply).not.toContain('upstream');
    }
    expect(forwarded).toEqual([]);
    const { reply } = await exchange(port(), ['GET /order-status/v1/orders/./4711 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(reply).toContain('upstream /order-status/v1/orders/4711');
  });

  it('answers `GET //[` and a cut-off body without ending the process', async () => {
    const { reply } = await exchange(port(), ['GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(reply).toMatch(/^HTTP\/1\.1 (400|404)/);
    await exchange(port(), ['POST /order-status/v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"a":1', 50], 300);
    await new Promise((r) => setTimeout(r, 100));
    expect(unhandled).toEqual([]);
    expect(await stillServes(gateway.url)).toBe(200);
  });

  it('closes a socket that trickles its headers within the headers timeout', async () => {
    const { closedAfterMs } = await exchange(port(), trickle(40), 5_000);
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs!).toBeLessThan(LIMITS.headersTimeoutMs + 1_500);
  });
});

describe('the worker', () => {
  let worker: Worker;
  let backbone: SqliteBackbone;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'interlace-stay-up-'));
    backbone = await openSqliteBackbone({ path: join(stateDir, 'backbone.db'), pollIntervalMs: 50 });
    worker = await startWorker({
      bundleDir: BUNDLES,
      units: ['api-availability-v1'],
      backbone,
      stateDir,
      port: 0,
      logger: memoryLogger('error').logger,
      env: {
        AVAILABILITY_V1_DEALER_KEYS_KEYS: 'dealer-1:key-one-secret',
        CLOUD_ERP_OAUTH_CLIENT_SECRET: 's',
        CLOUD_ERP_OAUTH_CLIENT_ID: 'i',
      },
      serverLimits: LIMITS,
    });
  }, 60_000);
  afterAll(async () => {
    await worker?.close(500);
    await backbone?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });
  const port = () => Number(new URL(worker.url).port);

  it('answers `GET //[` with a 4xx and a cut-off body without ending the process', async () => {
    const { reply } = await exchange(port(), ['GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(reply).toMatch(/^HTTP\/1\.1 (400|404)/);
    await exchange(
      port(),
      ['POST /availability/v1/products/x/availability HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"a":1', 50],
      300,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(unhandled).toEqual([]);
    expect(await stillServes(worker.url)).toBe(200);
  });

  it('closes a socket that trickles its headers within the headers timeout', async () => {
    const { closedAfterMs } = await exchange(port(), trickle(40), 5_000);
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs!).toBeLessThan(LIMITS.headersTimeoutMs + 1_500);
  });
});
