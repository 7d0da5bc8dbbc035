/**
 * The HTTP side of a simulated system: a loopback server with a small route table, JSON bodies, the
 * system's fault plan applied before any endpoint runs, an OAuth2 client-credentials token endpoint
 * for systems that use one, and `/_sim/*` control endpoints (state, faults) for tests and operators.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { BODY_FAILURE_STATUS, normalisedPath, readBody, startHttpServer } from '../../lib/http-server.ts';
import type { ServerLimits, StartedServer } from '../../lib/http-server.ts';
import { FaultPlan } from './faults.ts';
import type { FaultRule } from './faults.ts';

export interface SimRequest {
  method: string;
  /** Path without the query string, decoded per segment by the route's own parsing. */
  path: string;
  query: URLSearchParams;
  /** Named groups of the route's pattern. */
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  text: string;
  /** Parsed JSON body (undefined when empty or not JSON). */
  body: unknown;
  idempotencyKey: string | undefined;
}

export interface SimReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw text body (X12); `body` is ignored when set. */
  text?: string;
}

export type SimHandler = (request: SimRequest) => SimReply | Promise<SimReply>;

export interface SimRoute {
  method: string;
  /** Matched against the end of the path, so a system keeps its real base path (`/sap/opu/odata/sap`). */
  pattern: RegExp;
  handler: SimHandler;
}

export interface SimServerOptions {
  name: string;
  port: number;
  host?: string;
  routes: SimRoute[];
  /** Require an Authorization/API-key header on every non-control endpoint (401 otherwise). */
  authHeader?: string;
  /** Serve `POST …/token` (OAuth2 client credentials). */
  tokenEndpoint?: boolean;
  /** Extra state for `GET /_sim/state`. */
  state: () => unknown;
  /** Server timeouts and socket limits (lib/http-server.ts); idle keep-alive defaults to 30 s here. */
  limits?: ServerLimits;
  /** Largest request body read (default 1 MiB); larger ones get 413. */
  maxBodyBytes?: number;
}

/** Counters every simulated server keeps, read by the run summary and the tests. */
export interface TrafficCounters {
  requests: number;
  byStatus: Record<string, number>;
  faulted: number;
}

export class SimServer {
  readonly name: string;
  readonly faults = new FaultPlan();
  readonly traffic: TrafficCounters = { requests: 0, byStatus: {}, faulted: 0 };
  private readonly options: SimServerOptions;
  private server: StartedServer | undefined;
  private readonly held = new Set<ServerResponse>();
  private readonly tokens = new Set<string>();
  private boundPort = 0;

  constructor(options: SimServerOptions) {
    this.options = options;
    this.name = options.name;
  }

  get port(): number {
    return this.boundPort;
  }

  get origin(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this.boundPort}`;
  }

  async start(): Promise<void> {
    // The hardened server: a malformed request line, a cut-off body or a slow client costs that
    // request only — never the process, which in `interlace run` carries every unit and simulator.
    this.server = await startHttpServer({
      keepAliveTimeoutMs: 30_000,
      ...this.options.limits,
      port: this.options.port,
      ...(this.options.host ? { host: this.options.host } : {}),
      handler: (req, res) => this.serve(req, res),
    });
    this.boundPort = this.server.port;
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.server.closeAllConnections();
    await server.close();
  }

  addFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = normalisedPath(req.url);
    if (!target) return this.reply(res, { status: 400, body: { error: 'the request target is not a path', system: this.name } }, false);
    const limit = this.options.maxBodyBytes ?? 1024 * 1024;
    const read = await readBody(req, limit);
    if (!read.ok) {
      res.setHeader('connection', 'close');
      return this.reply(
        res,
        { status: BODY_FAILURE_STATUS[read.failure], body: { error: `body ${read.failure}`, system: this.name } },
        false,
      );
    }
    const text = read.body;
    const query = new URLSearchParams(target.search);
    const method = req.method ?? 'GET';
    const path = target.path;
    try {
      if (path.startsWith('/_sim/')) return this.reply(res, await this.control(method, path, text), false);
      if (this.options.tokenEndpoint && method === 'POST' && /\/token$/.test(path)) {
        const token = randomBytes(16).toString('hex');
        this.tokens.add(token);
        return this.reply(res, { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: 3600 } }, false);
      }
      this.traffic.requests++;
      if (this.options.authHeader && !req.headers[this.options.authHeader]) {
        return this.reply(res, {
          status: 401,
          body: { error: 'unauthorized', message: `${this.name}: no ${this.options.authHeader} header` },
        });
      }
      const fault = this.faults.take(method, path, text);
      if (fault) {
        this.traffic.faulted++;
        const rule = fault.rule;
        switch (rule.mode) {
          case 'error':
            return this.reply(res, { status: rule.status ?? 500, body: { error: 'simulated failure', system: this.name } });
          case 'retry-after':
            return this.reply(res, {
              status: rule.status ?? 503,
              headers: { 'retry-after': String(rule.retryAfterSeconds ?? 1) },
              body: { error: 'service unavailable', system: this.name },
            });
          case 'reject':
            return this.reply(res, { status: rule.status ?? 400, body: { error: 'simulated rejection', system: this.name } });
          case 'garbage':
            res.writeHead(rule.status ?? 200, { 'content-type': 'application/json' });
            res.end('{"d": {"results": [{"cut off');
            return;
          case 'timeout':
            return this.hold(res);
          case 'slow':
            await new Promise((r) => setTimeout(r, rule.delayMs ?? 1000));
            break;
          case 'timeout-after-effect':
            break;
        }
      }
      for (const route of this.options.routes) {
        if (route.method !== method) continue;
        const match = route.pattern.exec(path);
        if (!match) continue;
        let body: unknown;
        if (text !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
        }
        const key = req.headers['idempotency-key'];
        const reply = await route.handler({
          method,
          path,
          query,
          params: { ...match.groups },
          headers: req.headers,
          text,
          body,
          idempotencyKey: typeof key === 'string' ? key : undefined,
        });
        if (fault?.rule.mode === 'timeout-after-effect') return this.hold(res);
        return this.reply(res, reply);
      }
      return this.reply(res, { status: 404, body: { error: 'not found', system: this.name, method, path } });
    } catch (error) {
      return this.reply(res, { status: 500, body: { error: (error as Error).message, system: this.name } });
    }
  }

  private hold(res: ServerResponse): void {
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
  }

  private reply(res: ServerResponse, reply: SimReply, count = true): void {
    if (res.destroyed || res.headersSent) return;
    if (count) this.traffic.byStatus[reply.status] = (this.traffic.byStatus[reply.status] ?? 0) + 1;
    if (reply.text !== undefined) {
      res.writeHead(reply.status, { 'content-type': 'application/edi-x12', ...reply.headers });
      res.end(reply.text);
      return;
    }
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(payload);
  }

  private async control(method: string, path: string, text: string): Promise<SimReply> {
    if (method === 'GET' && path === '/_sim/state')
      return { status: 200, body: { system: this.name, traffic: this.traffic, faults: this.faults.list(), state: this.options.state() } };
    if (method === 'POST' && path === '/_sim/faults') {
      const rule = JSON.parse(text) as FaultRule;
      this.faults.add(rule);
      return { status: 201, body: { faults: this.faults.list() } };
    }
    if (method === 'DELETE' && path === '/_sim/faults') {
      this.faults.clear();
      return { status: 204 };
    }
    return { status: 404, body: { error: 'unknown control endpoint' } };
  }
}

/** `^…$`-anchored suffix pattern: `route('POST', '/v1/outbound-orders', handler)`; `(?<name>…)` groups become params. */
export function route(method: string, suffix: string, handler: SimHandler): SimRoute {
  return { method, pattern: new RegExp(`${suffix}$`), handler };
}
