// The one way this project serves HTTP. Every server it runs (worker, gateway, simulated systems,
// controller probes and metrics, push webhooks) starts here, so each gets the same defences:
// - slow clients are cut off (headers, whole request, idle keep-alive), so a slowloris cannot hold
//   sockets open;
// - the number of sockets is bounded;
// - a malformed request line (`GET //[`) or a client that resets mid-body is answered or dropped,
//   never an unhandled rejection that ends the process (which, in `interlace run`, ends every unit);
// - a handler that throws or rejects gets a 500 for that request only;
// - request bodies are read through `readBody`, bounded in size and time.
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';

/** Limits of one server; the defaults suit an API or probe server on a small pod. */
export interface ServerLimits {
  /** Time for a client to send all request headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time for a client to send the whole request, body included (default 30 s). */
  requestTimeoutMs?: number;
  /** Idle time of a kept-alive socket between requests (default 5 s). */
  keepAliveTimeoutMs?: number;
  /** Sockets open at once; more are refused by the kernel backlog (default 1,000). */
  maxConnections?: number;
  /** Header lines per request (default 100). */
  maxHeadersCount?: number;
  /** Requests served on one kept-alive socket before it is closed (default 1,000). */
  maxRequestsPerSocket?: number;
}

export interface StartServerOptions extends ServerLimits {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
  /** Told about handler failures (the response already is a 500). Default: stderr. */
  onHandlerError?: (error: unknown, req: IncomingMessage) => void;
  /** Serve HTTPS with these settings (certificate, key; `requestCert` and `ca` to require client certificates). */
  tls?: TlsOptions;
}

export interface StartedServer {
  server: Server;
  /** `http://host:port` (`https://` with `tls`) with the port actually bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_LIMITS: Required<ServerLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
  maxHeadersCount: 100,
  maxRequestsPerSocket: 1_000,
};

/** Wraps a handler so that neither a throw nor a rejection can escape into the event loop. */
export function guardHandler(
  handler: StartServerOptions['handler'],
  onError: (error: unknown, req: IncomingMessage) => void = defaultOnError,
): RequestListener {
  return (req, res) => {
    const fail = (error: unknown) => {
      try {
        onError(error, req);
      } catch {
        // a failing error reporter must not end the process either
      }
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
        res.end('{"error":"internal error"}');
      } else {
        res.destroy();
      }
    };
    try {
      const result = handler(req, res);
      if (result && typeof (result as Promise<void>).catch === 'function') (result as Promise<void>).catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

/** Creates (does not start) a server with the limits applied; for callers that manage `listen` themselves. */
export function createHardenedServer(
  handler: StartServerOptions['handler'],
  limits: ServerLimits = {},
  onHandlerError?: StartServerOptions['onHandlerError'],
  tls?: TlsOptions,
): Server {
  const l = { ...DEFAULT_LIMITS, ...definedOnly(limits) };
  const settings = { requestTimeout: l.requestTimeoutMs, headersTimeout: l.headersTimeoutMs, keepAliveTimeout: l.keepAliveTimeoutMs };
  // An https.Server is an http.Server over TLS sockets: the limits and defences below apply alike.
  const server: Server = tls
    ? createHttpsServer({ ...tls, ...settings }, guardHandler(handler, onHandlerError))
    : createServer(settings, guardHandler(handler, onHandlerError));
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxConnections = l.maxConnections;
  server.maxHeadersCount = l.maxHeadersCount;
  server.maxRequestsPerSocket = l.maxRequestsPerSocket;
  // Node checks the timeouts on this interval; the default (30 s) would let a slow client live
  // up to 30 s past its deadline.
  (server as Server & { connectionsCheckingInterval?: number }).connectionsCheckingInterval = 1_000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && !socket.readable)) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  return server;
}

/** Starts a hardened server and resolves once it listens. */
export function startHttpServer(options: StartServerOptions): Promise<StartedServer> {
  const server = createHardenedServer(options.handler, options, options.onHandlerError, options.tls);
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
      resolve({ server, port, url: `${options.tls ? 'https' : 'http'}://${shownHost}:${port}`, close: () => closeServer(server) });
    });
  });
}

/** Stops accepting, ends idle keep-alive sockets and resolves when every socket is gone. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}

/** Why a body could not be read; each maps to one status code. */
export type BodyFailure = 'too-large' | 'aborted' | 'timeout';

export const BODY_FAILURE_STATUS: Record<BodyFailure, number> = { 'too-large': 413, aborted: 400, timeout: 408 };

/**
 * Reads a request body as UTF-8, at most `limit` bytes, within `timeoutMs`. Resolves a failure
 * (never rejects): a body announced larger than the limit is refused before reading, a client that
 * closes mid-body or trickles past the deadline gets its failure, and the socket is not left open.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  timeoutMs = 15_000,
): Promise<{ ok: true; body: string; bytes: Buffer } | { ok: false; failure: BodyFailure }> {
  return new Promise((resolve) => {
    const announced = Number(req.headers['content-length']);
    if (Number.isFinite(announced) && announced > limit) {
      req.resume();
      return resolve({ ok: false, failure: 'too-large' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: { ok: true; body: string; bytes: Buffer } | { ok: false; failure: BodyFailure }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      resolve(value);
    };
    const timer = setTimeout(() => {
      finish({ ok: false, failure: 'timeout' });
      req.resume();
    }, timeoutMs);
    timer.unref();
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish({ ok: false, failure: 'too-large' });
        req.resume();
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      finish({ ok: true, body: bytes.toString('utf8'), bytes });
    });
    req.on('aborted', () => finish({ ok: false, failure: 'aborted' }));
    req.on('error', () => finish({ ok: false, failure: 'aborted' }));
    req.on('close', () => finish({ ok: false, failure: 'aborted' }));
  });
}

/**
 * The request's path, normalised the way Node's router and every proxy will read it (dot segments
 * resolved, percent-encoded dots decoded first), or undefined when it cannot be parsed. Route on
 * this, never on the raw `req.url`: a prefix check on the raw path is escaped by `/a/../../x`.
 */
export function normalisedPath(rawUrl: string | undefined): { path: string; search: string } | undefined {
  if (!rawUrl?.startsWith('/')) return undefined;
  try {
    // `//host/x` would parse as a network path: anchor it on a fixed origin, path only.
    const url = new URL(`http://x${rawUrl.startsWith('//') ? rawUrl.replace(/^\/+/, '/') : rawUrl}`);
    let path = url.pathname;
    // %2e%2e survives URL parsing as a literal segment; decode dots and slashes once and normalise again.
    if (/%2e|%2f|%5c/i.test(path))
      path = new URL(`http://x${path.replace(/%2e/gi, '.').replace(/%2f/gi, '/').replace(/%5c/gi, '/')}`).pathname;
    return { path, search: url.search };
  } catch {
    return undefined;
  }
}

function defaultOnError(error: unknown, req: IncomingMessage): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'request handler failed', method: req.method, error: message })}\n`);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
