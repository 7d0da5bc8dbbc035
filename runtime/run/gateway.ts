/**
 * One front door for a run: `/metrics` (every unit's metrics, one registry), `/healthz`, `/_run/state`
 * (the live figures and the simulated systems as JSON), the estate map (`/map/`), the workflows' human-task
 * API (`/workflows/tasks`), and each Api's base path forwarded to the
 * worker that serves it — so a dealer calls `http://127.0.0.1:<port>/order-status/v1/orders/…` as
 * they would call the cluster's ingress.
 *
 * Routing is on the normalised path (lib/http-server.ts `normalisedPath`), and the normalised path is
 * what is forwarded: `/order-status/v1/orders/../../../metrics` is `/metrics`, never a request to the
 * worker below an API's prefix.
 */
import { request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalisedPath, startHttpServer } from '../../lib/http-server.ts';
import type { ServerLimits, StartedServer } from '../../lib/http-server.ts';
import type { RuntimeMetrics } from '../observe/metrics.ts';
import { serveMap } from '../map/map-handler.ts';
import type { MapSource } from '../map/map-handler.ts';
import { serveTaskApi } from '../workflow/task-api.ts';
import type { WorkflowEngine } from '../workflow/engine.ts';

export interface GatewayOptions {
  port: number;
  host?: string;
  metrics: RuntimeMetrics;
  /** base path → worker origin (changes on hot reload). */
  apis: () => Map<string, string>;
  state: () => Promise<unknown>;
  /** The estate map (`/map/`, runtime/map/), read-only. */
  map?: MapSource;
  /** The run's workflow engine, when it hosts workflows: its human-task API at `/workflows/tasks` (runtime/workflow/task-api.ts). */
  workflows?: () => WorkflowEngine | undefined;
  /** Server timeouts and socket limits (lib/http-server.ts defaults). */
  limits?: ServerLimits;
}

export class Gateway {
  private server: StartedServer | undefined;
  private readonly options: GatewayOptions;
  url = '';

  constructor(options: GatewayOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    this.server = await startHttpServer({
      ...this.options.limits,
      port: this.options.port,
      ...(this.options.host ? { host: this.options.host } : {}),
      handler: (req, res) => this.handle(req, res),
    });
    this.url = this.server.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.server.closeAllConnections();
    await server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = normalisedPath(req.url);
    if (!target) return problem(res, 400, 'Bad Request', 'the request target is not a path');
    const path = target.path;
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': this.options.metrics.registry.contentType });
      res.end(await this.options.metrics.registry.metrics());
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    if (path === '/_run/state') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(await this.options.state(), null, 2));
      return;
    }
    if (this.options.map && (await serveMap(this.options.map, req, res, path, target.search))) return;
    const engine = this.options.workflows?.();
    if (engine && (await serveTaskApi(engine, req, res, path, target.search))) return;
    for (const [base, origin] of this.options.apis()) {
      if (path !== base && !path.startsWith(`${base}/`)) continue;
      await forward(req, res, `${origin}${path}${target.search}`);
      return;
    }
    problem(res, 404, 'Not Found', `no API at ${path}`);
  }
}

/** Proxies one request; a failing upstream or a client that goes away ends this exchange only. */
function forward(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const upstream = request(url, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', resolve);
      answer.on('error', () => {
        res.destroy();
        resolve();
      });
    });
    upstream.on('error', () => {
      if (!res.headersSent && !res.destroyed) problem(res, 502, 'Bad Gateway', 'the API did not answer');
      else res.destroy();
      resolve();
    });
    req.on('error', () => upstream.destroy());
    req.on('aborted', () => upstream.destroy());
    req.pipe(upstream);
  });
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ title, status, detail });
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
