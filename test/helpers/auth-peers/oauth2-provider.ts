/**
 * An OAuth2 authorization server (client-credentials grant, RFC 6749 4.4) and a resource server that
 * trusts it, on loopback, enforcing what real ones do:
 * - the token endpoint takes only POST with a form body and `grant_type=client_credentials`;
 * - the client authenticates one way, the one it is registered with (`client_secret_basic`: HTTP
 *   Basic over form-encoded id and secret; `client_secret_post`: `client_id`/`client_secret` in the
 *   body); both at once is `invalid_request`, a wrong secret `invalid_client` (401 with
 *   `WWW-Authenticate` after Basic);
 * - `audience` / `resource` (RFC 8707) are checked when the provider requires them;
 * - tokens are opaque and expire after `ttlSeconds`; the resource server answers an expired, unknown
 *   or revoked token with 401 `WWW-Authenticate: Bearer error="invalid_token"`.
 * `failNext` makes the token endpoint answer the next requests with given replies (5xx, garbage).
 * Accepted resource writes are applied once per `Idempotency-Key` (`effects`, effects-by-key.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalisedPath, readBody, startHttpServer } from '../../../lib/http-server.ts';
import type { StartedServer } from '../../../lib/http-server.ts';
import { EffectsByKey } from './effects-by-key.ts';

export interface OAuth2ProviderOptions {
  clients: Record<string, string>;
  clientAuthentication: 'client_secret_basic' | 'client_secret_post';
  ttlSeconds: number;
  requireAudience?: string;
  requireResource?: string;
  /** Time the token endpoint takes to answer (concurrency tests: callers pile up meanwhile). */
  tokenDelayMs?: number;
}

interface CannedReply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export class OAuth2Provider {
  readonly options: OAuth2ProviderOptions;
  /** Token requests answered, successful or not. */
  tokenRequests = 0;
  /** Token requests made while a token it issued was still valid: the client refreshed ahead of expiry. */
  earlyTokenRequests = 0;
  tokensIssued = 0;
  /** The form of each token request, for the parameters the client sent. */
  readonly tokenForms: URLSearchParams[] = [];
  /** Resource requests by outcome. */
  readonly resource = { accepted: 0, rejected: 0 };
  /** Accepted writes to the resource server, applied once per Idempotency-Key. */
  readonly effects = new EffectsByKey();
  private readonly tokens = new Map<string, number>();
  private readonly canned: CannedReply[] = [];
  private server: StartedServer | undefined;

  constructor(options: OAuth2ProviderOptions) {
    this.options = options;
  }

  get tokenUrl(): string {
    return `${this.server!.url}/oauth2/token`;
  }

  /** Base URL of the resource server (`POST {apiUrl}/orders`). */
  get apiUrl(): string {
    return `${this.server!.url}/api`;
  }

  async start(): Promise<this> {
    this.server = await startHttpServer({ port: 0, handler: (req, res) => this.serve(req, res) });
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  /** The next token requests get these answers, in order. */
  failNext(...replies: CannedReply[]): void {
    this.canned.push(...replies);
  }

  /** Every token issued so far stops working (a key rotation, a revocation). */
  revokeAll(): void {
    this.tokens.clear();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = normalisedPath(req.url);
    const read = await readBody(req, 64 * 1024);
    if (!target || !read.ok) return send(res, 400, {});
    if (target.path === '/oauth2/token') return this.token(req, res, read.body);
    if (target.path.startsWith('/api/')) return this.api(req, res, read.body);
    return send(res, 404, { error: 'not found' });
  }

  private async token(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    this.tokenRequests++;
    const now = Date.now();
    if ([...this.tokens.values()].some((until) => until > now)) this.earlyTokenRequests++;
    if (this.options.tokenDelayMs) await new Promise((r) => setTimeout(r, this.options.tokenDelayMs));
    const canned = this.canned.shift();
    if (canned) {
      res.writeHead(canned.status, { 'content-type': 'application/json', ...canned.headers });
      res.end(canned.body);
      return;
    }
    if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request' });
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? ''))
      return send(res, 400, { error: 'invalid_request', error_description: 'form body expected' });
    const form = new URLSearchParams(text);
    this.tokenForms.push(form);
    if (form.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    const posted = form.has('client_id') || form.has('client_secret');
    if (basic && posted) return send(res, 400, { error: 'invalid_request', error_description: 'more than one client authentication' });
    let id: string | undefined;
    let secret: string | undefined;
    let method: OAuth2ProviderOptions['clientAuthentication'] | undefined;
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        id = formDecode(decoded.slice(0, colon));
        secret = formDecode(decoded.slice(colon + 1));
        method = 'client_secret_basic';
      }
    } else if (posted) {
      id = form.get('client_id') ?? undefined;
      secret = form.get('client_secret') ?? undefined;
      method = 'client_secret_post';
    }
    const known = id !== undefined ? this.options.clients[id] : undefined;
    const authentic =
      known !== undefined && secret !== undefined && Buffer.byteLength(known) === Buffer.byteLength(secret)
        ? timingSafeEqual(Buffer.from(known), Buffer.from(secret))
        : false;
    if (!authentic || method !== this.options.clientAuthentication) {
      const headers: Record<string, string> = basic ? { 'www-authenticate': 'Basic realm="token"' } : {};
      return send(res, basic ? 401 : 400, { error: 'invalid_client', error_description: `client ${id} authentication failed` }, headers);
    }
    if (this.options.requireAudience !== undefined && form.get('audience') !== this.options.requireAudience)
      return send(res, 400, { error: 'invalid_request', error_description: 'audience' });
    if (this.options.requireResource !== undefined && form.get('resource') !== this.options.requireResource)
      return send(res, 400, { error: 'invalid_target' });
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + this.options.ttlSeconds * 1000);
    this.tokensIssued++;
    return send(
      res,
      200,
      { access_token: token, token_type: 'Bearer', expires_in: this.options.ttlSeconds },
      { 'cache-control': 'no-store', pragma: 'no-cache' },
    );
  }

  private async api(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const until = bearer ? this.tokens.get(bearer[1]!) : undefined;
    if (until === undefined || until <= Date.now()) {
      this.resource.rejected++;
      const why = until === undefined ? 'The access token is invalid' : 'The access token expired';
      send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': `Bearer error="invalid_token", error_description="${why}"` });
      return;
    }
    this.resource.accepted++;
    const received = text === '' ? null : JSON.parse(text);
    if (req.method !== 'GET') {
      this.effects.apply(req.headers['idempotency-key'], received);
      await this.effects.hold();
    }
    send(res, req.method === 'POST' ? 201 : 200, { received });
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replaceAll('+', ' '));
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
