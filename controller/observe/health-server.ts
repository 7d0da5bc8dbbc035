// The controller's one probe and metrics server, built on lib/http-server.ts (timeouts, connection
// limits, guarded handlers). Endpoints behave like kube-apiserver's:
//   /healthz, /livez   liveness: the process answers (checks marked `liveness`)
//   /readyz            readiness: every check passes; `?verbose` lists each as `[+]name ok` / `[-]name failed: reason`;
//                      `?exclude=name` skips one; `/readyz/<name>` runs one
//   /metrics           Prometheus text from the controller's registry
//   /map/              the estate map, read-only: the static view of each Estate's last accepted revision
//                      (runtime/map/; live figures are the workers' own /metrics)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { normalisedPath, startHttpServer } from '../../lib/http-server.ts';
import { serveMap } from '../../runtime/map/map-handler.ts';
import type { MapSource } from '../../runtime/map/map-handler.ts';
import type { ServerLimits, StartedServer } from '../../lib/http-server.ts';

/** One named check; returns undefined when it passes, else why it does not. */
export interface HealthCheck {
  name: string;
  check: () => string | undefined;
  /** Also part of /healthz and /livez (default: readiness only). */
  liveness?: boolean;
}

/** The controller's readiness checks: the Estate cache has synced; with leader election, the API server answers the elector. */
export function controllerChecks(parts: {
  informer: { hasSynced(): boolean };
  leaderElection?: () => { connected(): boolean } | undefined;
  stopping?: () => boolean;
}): HealthCheck[] {
  return [
    { name: 'ping', check: () => undefined, liveness: true },
    { name: 'informer-sync', check: () => (parts.informer.hasSynced() ? undefined : 'the Estate informer has not synced yet') },
    {
      name: 'leader-election',
      check: () => {
        const elector = parts.leaderElection?.();
        return elector && !elector.connected() ? 'leader election cannot reach the API server' : undefined;
      },
    },
    { name: 'shutdown', check: () => (parts.stopping?.() ? 'the controller is shutting down' : undefined) },
  ];
}

export interface HealthServerOptions extends ServerLimits {
  port: number;
  /** Default 127.0.0.1; the chart passes `:8080` (all interfaces) for the kubelet and Prometheus. */
  host?: string;
  checks: HealthCheck[];
  registry?: Registry;
  /** The estate map's source (the reconciler's accepted graphs); without it /map/ is not served. */
  map?: MapSource;
}

/** Starts the server; resolves once it listens. */
export function startHealthServer(options: HealthServerOptions): Promise<StartedServer> {
  return startHttpServer({
    ...options,
    host: options.host ?? '127.0.0.1',
    handler: (req, res) => serve(req, res, options),
  });
}

function serve(req: IncomingMessage, res: ServerResponse, options: HealthServerOptions): void | Promise<void> {
  const url = normalisedPath(req.url);
  if (!url) return send(res, 400, 'bad request\n');
  if (options.map && (url.path === '/map' || url.path.startsWith('/map/')))
    return Promise.resolve(serveMap(options.map, req, res, url.path, url.search)).then(() => undefined);
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
  const query = new URLSearchParams(url.search);
  if (url.path === '/metrics' && options.registry) {
    const registry = options.registry;
    return registry.metrics().then((text) => send(res, 200, text, registry.contentType));
  }
  const [, endpoint, only, extra] = url.path.split('/');
  if (extra !== undefined || !['healthz', 'livez', 'readyz'].includes(endpoint ?? '')) return send(res, 404, 'not found\n');
  const excluded = new Set(query.getAll('exclude'));
  let checks = options.checks.filter((c) => (endpoint === 'readyz' || c.liveness) && !excluded.has(c.name));
  if (only !== undefined) {
    checks = checks.filter((c) => c.name === only);
    if (checks.length === 0) return send(res, 404, 'not found\n');
  }
  const results = checks.map((c) => ({ name: c.name, failure: safely(c.check) }));
  const ok = results.every((r) => r.failure === undefined);
  // As kube-apiserver: a terse `ok` when all pass and no detail was asked for, else one line per check.
  if (ok && !query.has('verbose')) return send(res, 200, 'ok\n');
  const lines = results.map((r) => (r.failure === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.failure}`));
  lines.push(`${endpoint} check ${ok ? 'passed' : 'failed'}`);
  return send(res, ok ? 200 : 503, `${lines.join('\n')}\n`);
}

function safely(check: () => string | undefined): string | undefined {
  try {
    return check();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}
