import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SecureContextOptions } from 'node:tls';

export interface KeepAliveFetchOptions {
  maxSocketsPerOrigin?: number;
  /**
   * TLS settings of every HTTPS connection (a client certificate and key, a private CA), read when
   * the first connection to an origin is made; a throw rejects that request.
   */
  tls?: () => Pick<SecureContextOptions, 'cert' | 'key' | 'ca'>;
}

/** What a caller may add to the request options: a limit on the answer's size (a poller's `maxResponseBytes`). */
export interface KeepAliveRequestInit extends RequestInit {
  /** An answer longer than this is refused (by its Content-Length before it is read, or while reading): ResponseTooLarge. */
  maxResponseBytes?: number;
}

/** The answer was longer than `maxResponseBytes`; what was read of it is dropped. */
export class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge';
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number, declared: boolean) {
    super(`the answer ${declared ? `has ${size} bytes` : `is longer than ${limit} bytes`}, more than the limit of ${limit}`);
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A `fetch` for the System clients of one worker, over node:http with one keep-alive agent per origin
 * (the connections to a System are set up once and reused). The pipeline makes one call per message,
 * and built-in fetch spends more CPU per call than the rest of the pipeline together (WHATWG streams,
 * Request/Response objects, composite abort signals); this does the same exchange with a plain
 * request/response. It covers what SystemClient and the System auth use: method, headers, a string or
 * byte body, an abort signal; the answer offers status, ok, headers, text() and json().
 * Network failures reject with node's error (`code` ECONNREFUSED, ECONNRESET, …), an abort with the
 * signal's reason.
 */
export function keepAliveFetch(options: KeepAliveFetchOptions = {}): typeof fetch {
  const agents = new Map<string, HttpAgent>();
  const agentFor = (url: URL): HttpAgent => {
    let agent = agents.get(url.origin);
    if (!agent) {
      const settings = {
        keepAlive: true,
        maxSockets: options.maxSocketsPerOrigin ?? 256,
        maxFreeSockets: options.maxSocketsPerOrigin ?? 256,
        scheduling: 'lifo' as const,
      };
      agent = url.protocol === 'https:' ? new HttpsAgent({ ...settings, ...options.tls?.() }) : new HttpAgent(settings);
      agents.set(url.origin, agent);
    }
    return agent;
  };
  const fetchLike = (input: string | URL | Request, init: KeepAliveRequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return Promise.reject(new TypeError('keepAliveFetch sends string or byte bodies only'));
    }
    const headers: Record<string, string> = {};
    const given = init.headers;
    if (given instanceof Headers || Array.isArray(given)) for (const [name, value] of new Headers(given)) headers[name] = value;
    else if (given) for (const name in given) headers[name.toLowerCase()] = String((given as Record<string, string>)[name]);
    if (body !== undefined && body !== null)
      headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const limit = init.maxResponseBytes;
      const req = send(url, { method: init.method ?? 'GET', headers, agent: agentFor(url) }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        const declared = Number(res.headers['content-length'] ?? Number.NaN);
        if (limit !== undefined && declared > limit) {
          res.destroy();
          fail(new ResponseTooLarge(declared, limit, true));
          return;
        }
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (limit !== undefined && size > limit) {
            res.destroy();
            fail(new ResponseTooLarge(size, limit, false));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(
            new PlainResponse(
              res.statusCode ?? 0,
              res.statusMessage ?? '',
              res.headers,
              chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
            ) as unknown as Response,
          );
        });
      });
      function fail(error: unknown): void {
        signal?.removeEventListener('abort', onAbort);
        reject(signal?.aborted ? signal.reason : error);
      }
      function onAbort(): void {
        req.destroy(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.end(body ?? undefined);
    });
  };
  return fetchLike as typeof fetch;
}

/** The part of a fetch Response that SystemClient and the System auth read. */
class PlainResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly #text: string;

  constructor(status: number, statusText: string, raw: IncomingMessage['headers'], text: string) {
    this.status = status;
    this.statusText = statusText;
    this.ok = status >= 200 && status <= 299;
    const headers = new Headers();
    for (const [name, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    }
    this.headers = headers;
    this.#text = text;
  }

  async text(): Promise<string> {
    return this.#text;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.#text);
  }
}
