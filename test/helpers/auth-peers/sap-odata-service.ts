/**
 * An OData service as SAP Gateway guards it, on loopback: HTTP Basic for every request, and the CSRF
 * protocol for writes, with the token bound to the session cookie it was issued with:
 * - GET or HEAD with `X-CSRF-Token: Fetch` opens a session (`Set-Cookie: SAP_SESSIONID_S4H_100=…`,
 *   and `sap-usercontext`) and answers its token in `X-CSRF-Token`; the same session asked again
 *   answers the same token;
 * - POST, PUT, PATCH, MERGE and DELETE need the token of the session their cookie names; a missing or
 *   wrong token, a missing, unknown or expired session cookie, is 403 with `X-CSRF-Token: Required`
 *   (the body says "CSRF token validation failed", as SAP's does);
 * - `expireSessions()` ends every session (the gateway's session timeout, an application server restart).
 * `fetchWith` says which methods may fetch (some gateways and proxies refuse one of them).
 * Accepted writes are applied once per `Idempotency-Key` (`effects`, effects-by-key.ts).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalisedPath, readBody, startHttpServer } from '../../../lib/http-server.ts';
import type { StartedServer } from '../../../lib/http-server.ts';
import { EffectsByKey } from './effects-by-key.ts';

export interface SapODataServiceOptions {
  username: string;
  password: string;
  /** Methods that may fetch a token (default both). */
  fetchWith?: readonly ('GET' | 'HEAD')[];
  /** The gateway has CSRF protection off: it never sends a token, and does not ask for one. */
  csrfOff?: boolean;
  /** Sessions are never accepted: every write is refused with Required (a broken gateway). */
  refuseAllWrites?: boolean;
}

const SERVICE = '/sap/opu/odata/sap/API_SALES_ORDER_SRV';
const SESSION_COOKIE = 'SAP_SESSIONID_S4H_100';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE']);

export class SapODataService {
  readonly options: SapODataServiceOptions;
  readonly counts = { fetches: 0, writesAccepted: 0, writesRefused: 0, unauthorized: 0, reads: 0 };
  /** Sales orders created, in order. */
  readonly created: unknown[] = [];
  /** Accepted writes, applied once per Idempotency-Key. */
  readonly effects = new EffectsByKey();
  private readonly sessions = new Map<string, string>();
  private server: StartedServer | undefined;

  constructor(options: SapODataServiceOptions) {
    this.options = options;
  }

  /** The service root: a System's `endpoint.url`. */
  get url(): string {
    return `${this.server!.url}${SERVICE}`;
  }

  async start(): Promise<this> {
    this.server = await startHttpServer({ port: 0, handler: (req, res) => this.serve(req, res) });
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  expireSessions(): void {
    this.sessions.clear();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = normalisedPath(req.url);
    const read = await readBody(req, 64 * 1024);
    if (!target || !read.ok) return send(res, 400);
    const method = req.method ?? 'GET';
    const expected = `Basic ${Buffer.from(`${this.options.username}:${this.options.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      this.counts.unauthorized++;
      return send(res, 401, { 'www-authenticate': 'Basic realm="SAP NetWeaver Application Server [S4H/100]"' }, 'Logon failed');
    }
    if (!target.path.startsWith(SERVICE)) return send(res, 404);
    const cookies = parseCookies(req.headers.cookie);
    const fetching = /^fetch$/i.test(String(req.headers['x-csrf-token'] ?? ''));
    if ((method === 'GET' || method === 'HEAD') && fetching && !this.options.csrfOff) {
      if (!(this.options.fetchWith ?? ['GET', 'HEAD']).includes(method)) return send(res, 405);
      this.counts.fetches++;
      let session = cookies.get(SESSION_COOKIE);
      const headers: Record<string, string | string[]> = {};
      if (session === undefined || !this.sessions.has(session)) {
        session = randomBytes(16).toString('hex');
        this.sessions.set(session, randomBytes(18).toString('base64'));
        headers['set-cookie'] = [`${SESSION_COOKIE}=${session}; path=/; HttpOnly`, 'sap-usercontext=sap-client=100; path=/'];
      }
      headers['x-csrf-token'] = this.sessions.get(session)!;
      return send(res, 200, headers, method === 'HEAD' ? '' : JSON.stringify({ d: { EntitySets: ['A_SalesOrder'] } }));
    }
    if (WRITES.has(method)) {
      const session = cookies.get(SESSION_COOKIE);
      const token = req.headers['x-csrf-token'];
      const valid =
        !this.options.refuseAllWrites && session !== undefined && this.sessions.has(session) && token === this.sessions.get(session);
      if (!this.options.csrfOff && !valid) {
        this.counts.writesRefused++;
        return send(res, 403, { 'x-csrf-token': 'Required' }, 'CSRF token validation failed');
      }
      this.counts.writesAccepted++;
      const body = read.body === '' ? {} : (JSON.parse(read.body) as Record<string, unknown>);
      if (this.effects.apply(req.headers['idempotency-key'], body)) this.created.push(body);
      await this.effects.hold();
      return send(
        res,
        201,
        { 'content-type': 'application/json' },
        JSON.stringify({ d: { SalesOrder: String(this.created.length), ...body } }),
      );
    }
    this.counts.reads++;
    return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ d: { results: [] } }));
  }
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}

function send(res: ServerResponse, status: number, headers: Record<string, string | string[]> = {}, body = ''): void {
  res.writeHead(status, headers);
  res.end(body);
}
