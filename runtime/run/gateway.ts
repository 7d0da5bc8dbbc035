/**
 * One front door for a run: `/metrics` (every unit's metrics, one registry), `/healthz`, `/_run/state`
 * (the live figures and the simulated systems as JSON), and each Api's base path forwarded to the
 * worker that serves it — so a dealer calls `http://127.0.0.1:<port>/order-status/v1/orders/…` as
 * they would call the cluster's ingress.
 */
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimeMetrics } from '../observe/metrics.ts';

export interface GatewayOptions {
  port: number;
  host?: string;
  metrics: RuntimeMetrics;
  /** base path → worker origin (changes on hot reload). */
  apis: () => Map<string, string>;
  state: () => Promise<unknown>;
}

export class Gateway {
  private server: Server | undefined;
  private readonly options: GatewayOptions;
  url = '';

  constructor(options: GatewayOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    const server = createServer(
      (req, res) =>
        void this.handle(req, res).catch(() => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ title: 'Bad Gateway', status: 502 }));
        }),
    );
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.url = `http://${address.address}:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
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
    for (const [base, origin] of this.options.apis()) {
      if (path !== base && !path.startsWith(`${base}/`)) continue;
      await new Promise<void>((resolve, reject) => {
        const upstream = request(`${origin}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', resolve);
        });
        upstream.on('error', reject);
        req.pipe(upstream);
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ title: 'Not Found', status: 404, detail: `no API at ${path}` }));
  }
}
