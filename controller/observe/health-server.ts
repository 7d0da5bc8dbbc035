// One small HTTP server for what the kubelet and Prometheus ask: /healthz (the process answers),
// /readyz (the informer has synced and, with leader election, the API server is reachable),
// /metrics; optionally the push-webhook receiver under /hook.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** The answer of /readyz: ready, or the reasons it is not (shown to people debugging a probe). */
export interface Readiness {
  ready: boolean;
  reasons: string[];
}

/** Readiness from the controller's parts: informer synced; API server reachable when electing a leader. */
export function readinessCheck(parts: {
  informer: { hasSynced(): boolean };
  leaderElection?: { connected(): boolean } | undefined;
}): () => Readiness {
  return () => {
    const reasons: string[] = [];
    if (!parts.informer.hasSynced()) reasons.push('informer has not synced Estates yet');
    if (parts.leaderElection && !parts.leaderElection.connected()) reasons.push('leader election cannot reach the API server');
    return { ready: reasons.length === 0, reasons };
  };
}

export interface HealthServerOptions {
  /** Port to listen on (0 picks a free one); host defaults to 0.0.0.0 (in a pod) — tests pass 127.0.0.1. */
  port: number;
  host?: string;
  ready: () => Readiness;
  /** Registry served at /metrics (omit to serve no metrics). */
  registry?: Registry;
  /** Handler for POST /hook and /hook/* (the webhook receiver). */
  webhook?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface HealthServer {
  /** `http://host:port` */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (options.webhook && (path === '/hook' || path.startsWith('/hook/'))) return options.webhook(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    if (path === '/healthz' || path === '/livez') return send(res, 200, 'ok\n');
    if (path === '/readyz') {
      const { ready, reasons } = options.ready();
      return send(res, ready ? 200 : 503, ready ? 'ok\n' : `${reasons.map((r) => `not ready: ${r}`).join('\n')}\n`);
    }
    if (path === '/metrics' && options.registry) {
      const registry = options.registry;
      void registry.metrics().then(
        (text) => send(res, 200, text, registry.contentType),
        () => send(res, 500, 'metrics collection failed\n'),
      );
      return;
    }
    send(res, 404, 'not found\n');
  });
  // Probes are tiny; a slow client must not hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}
