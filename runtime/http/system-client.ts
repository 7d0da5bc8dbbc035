import type { System } from '../../language/kinds/generated/kinds.ts';
import { withAttemptDeadline } from '../delivery/attempt-deadline.ts';
import { HttpStatusError } from '../delivery/failures.ts';
import { parseRetryAfter } from '../delivery/retry-after.ts';
import type { Environment } from './secrets.ts';
import { CsrfSession } from './csrf-session.ts';
import type { CsrfCredentials } from './csrf-session.ts';
import { createSystemAuth } from './system-auth.ts';
import type { SystemAuth } from './system-auth.ts';

export interface SystemRequest {
  method: string;
  /** Below the System's endpoint URL, already filled (`/orders/4711`). */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface SystemResponse {
  status: number;
  headers: Headers;
  text: string;
  json(): unknown;
}

/** Methods that change state: they carry the CSRF token when the System wants one. */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'MERGE']);

/**
 * A small HTTP client for one System (built-in fetch): base URL, credentials, a per-call timeout
 * that aborts the request, and non-2xx answers turned into HttpStatusError with the parsed
 * `Retry-After`. It does not retry deliveries: retries belong to the delivery pipeline alone. Within
 * one call it repeats a request at most twice, each for a reason that a new credential fixes and
 * never in a loop: a 401 to a fetched OAuth2 token (one new token, one retry), and a 403
 * `X-CSRF-Token: Required` on a write to an `endpoint.csrf` System (one new token, one retry).
 *
 * The timeout counts responsive time (attempt-deadline.ts), never the wall clock: a wall-clock timer
 * (`AbortSignal.timeout`) fires on a saturated event loop before the loop reads an answer that is
 * already in the socket, so the delivery retried calls the target had answered in 1 ms and repeated
 * their effects (issue 10 finding 18: the CRM upserts twice under a CPU hog). The repeats above share
 * the call's deadline.
 */
export class SystemClient {
  readonly system: string;
  /** The System's wire format (`endpoint.format`), for readers of its answers (an OData V2 body is wrapped in `d`). */
  readonly format: string | undefined;
  private readonly baseUrl: string;
  private readonly auth: SystemAuth;
  private readonly csrf: CsrfSession | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(name: string, spec: System['spec'], env: Environment, fetchImpl: typeof fetch = fetch) {
    this.system = name;
    this.format = spec.endpoint.format;
    this.baseUrl = (spec.endpoint.url ?? '').replace(/\/+$/, '');
    this.fetchImpl = fetchImpl;
    this.auth = createSystemAuth(name, spec.auth, env, fetchImpl);
    this.csrf = spec.endpoint.csrf
      ? new CsrfSession({ what: `System ${name}`, fetchUrl: `${this.baseUrl}${spec.endpoint.csrfFetchPath ?? '/'}`, fetchImpl })
      : undefined;
  }

  call(request: SystemRequest): Promise<SystemResponse> {
    return withAttemptDeadline(request.timeoutMs, (signal) => this.callWithin(request, signal), request.signal);
  }

  /** One request (repeated once per renewable credential); `signal` aborts it (the responsive-time deadline, or the caller). */
  private async callWithin(request: SystemRequest, signal: AbortSignal): Promise<SystemResponse> {
    let body: string | undefined;
    if (request.body !== undefined) body = JSON.stringify(request.body);
    const write = WRITES.has(request.method.toUpperCase());
    let authRenewed = false;
    let csrfRenewed = false;
    for (;;) {
      const credentials = await this.auth.headers(signal);
      const headers: Record<string, string> = { accept: 'application/json', ...request.headers, ...credentials };
      if (body !== undefined) headers['content-type'] = 'application/json';
      let csrf: CsrfCredentials | undefined;
      try {
        if (write && this.csrf) csrf = await this.csrf.credentials(credentials, signal);
      } catch (error) {
        // The token fetch was refused with 401: the same one renewal as for the request itself.
        if (error instanceof HttpStatusError && error.status === 401 && !authRenewed && this.auth.renew(credentials)) {
          authRenewed = true;
          continue;
        }
        throw error;
      }
      if (csrf) {
        headers['x-csrf-token'] = csrf.token;
        if (csrf.cookie) headers.cookie = csrf.cookie;
      }
      const response = await this.fetchImpl(this.baseUrl + request.path, {
        method: request.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal,
      });
      const text = await response.text();
      if (csrf) this.csrf!.remember(csrf, response.headers);
      if (response.status === 401 && !authRenewed && this.auth.renew(credentials)) {
        authRenewed = true;
        this.csrf?.reset(); // the session belonged to the old credentials
        continue;
      }
      if (csrf && response.status === 403 && !csrfRenewed && /^required$/i.test(response.headers.get('x-csrf-token') ?? '')) {
        csrfRenewed = true;
        this.csrf!.invalidate(csrf);
        continue;
      }
      if (response.status < 200 || response.status > 299) {
        throw new HttpStatusError(
          response.status,
          text,
          parseRetryAfter(response.headers.get('retry-after')),
          `${this.system} ${request.method} ${request.path}`,
        );
      }
      return { status: response.status, headers: response.headers, text, json: () => (text === '' ? undefined : JSON.parse(text)) };
    }
  }
}

/**
 * Splits `POST /orders/{orderNo}` into method and path template; undefined when it is not HTTP. The
 * path is the rest of the line: an OData query has spaces (`$filter=number eq '{sku}'`).
 */
export function parseHttpOperation(operation: string | undefined): { method: string; path: string } | undefined {
  const match = /^(GET|POST|PUT|PATCH|DELETE)\s+(\/.*)$/.exec(operation?.trim() ?? '');
  return match ? { method: match[1]!, path: match[2]! } : undefined;
}

/**
 * Fills `{name}` placeholders from the payload's top-level fields, then from `fallback` (System
 * parameters such as `companyId`). A placeholder with no value is reported, not sent as empty.
 *
 * Each value is escaped for where it stands in the template, so it stays one value there:
 * - everywhere, every byte outside RFC 3986 unreserved (`A-Z a-z 0-9 - . _ ~`) is percent-encoded —
 *   `encodeURIComponent` leaves `' ( ) * !` alone, which OData reads as syntax;
 * - inside a `'…'` string literal (OData `$filter=number eq '{sku}'`, a key `items('{id}')`), a quote
 *   is doubled first, as OData escapes it, so `x' or 'a'='a` compares against the whole text.
 */
export function fillOperationPath(
  template: string,
  payload: unknown,
  fallback: (name: string) => string | undefined,
): { ok: true; path: string } | { ok: false; missing: string } {
  let missing: string | undefined;
  let path = '';
  let inLiteral = false;
  let last = 0;
  for (const match of template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    const literal = template.slice(last, match.index);
    inLiteral = quotesOpen(literal, inLiteral);
    path += literal;
    last = match.index + match[0].length;
    const name = match[1]!;
    const fromPayload =
      payload !== null && typeof payload === 'object' && Object.hasOwn(payload, name)
        ? (payload as Record<string, unknown>)[name]
        : undefined;
    const value =
      fromPayload !== undefined && fromPayload !== null && typeof fromPayload !== 'object' ? String(fromPayload) : fallback(name);
    if (value === undefined) {
      missing ??= name;
      continue;
    }
    path += percentEncode(inLiteral ? value.replaceAll("'", "''") : value);
  }
  path += template.slice(last);
  return missing === undefined ? { ok: true, path } : { ok: false, missing };
}

/** Whether a `'…'` literal is open after `text`, given whether one was open before it. */
function quotesOpen(text: string, open: boolean): boolean {
  let state = open;
  for (const c of text) if (c === "'") state = !state;
  return state;
}

/** Percent-encodes every UTF-8 byte outside RFC 3986 unreserved characters. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
