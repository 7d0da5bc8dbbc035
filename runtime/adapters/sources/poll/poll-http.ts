import { withAttemptDeadline } from '../../../delivery/attempt-deadline.ts';
import { HttpStatusError } from '../../../delivery/failures.ts';
import { parseRetryAfter } from '../../../delivery/retry-after.ts';
import { ResponseTooLarge } from '../../../worker/keep-alive-fetch.ts';
import type { KeepAliveRequestInit } from '../../../worker/keep-alive-fetch.ts';
import { PollResponseError } from './odata-page.ts';

/** Adds a System's credentials to a request (runtime/http/system-auth.ts `SystemAuth` fits). */
export interface PollAuth {
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  invalidate?(): void;
}

/**
 * The System's budgets as a poll spends them (SystemBudget fits): circuit breaker, then concurrency,
 * then rate, then the call. An open circuit fails the call at once (`BrokenCircuitError`), and the
 * poll backs off like after any failure.
 */
export interface PollBudget {
  execute<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface PollHttpOptions {
  /** The System's `endpoint.url`; every request and every next link must stay below its origin. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly auth?: PollAuth | undefined;
  readonly fetch?: typeof fetch | undefined;
  readonly budget?: PollBudget | undefined;
  /** Aborts a call in flight (the adapter stopping). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The HTTP calls of a poller: a per-call timeout (responsive time, runtime/delivery/attempt-deadline.ts),
 * a response size limit enforced while reading (a `Content-Length` over it is refused before the
 * body is read, a body without one is cut off at the limit), non-2xx as HttpStatusError with the
 * parsed `Retry-After`, and bodies that are not JSON as PollResponseError. It never retries: the
 * poll loop backs off and reads again from its durable watermark.
 */
export class PollHttp {
  private readonly options: PollHttpOptions;
  private readonly base: URL;

  constructor(options: PollHttpOptions) {
    this.options = options;
    this.base = new URL(options.baseUrl.replace(/\/+$/, ''));
  }

  /** The absolute URL of a path below the endpoint (`/items?$top=10`). */
  urlOf(path: string): URL {
    return new URL(this.base.href + path);
  }

  /**
   * Resolves a server's next link against the page that sent it. A link to another origin is refused:
   * following it would send the System's credentials to whoever the response names.
   */
  nextUrl(link: string, from: URL): URL {
    let url: URL;
    try {
      url = new URL(link, from);
    } catch {
      throw new PollResponseError(`the next link ${JSON.stringify(link.slice(0, 200))} is not a URL`);
    }
    if (url.origin !== this.base.origin) {
      throw new PollResponseError(`the next link leads to ${url.origin}, not to the System's endpoint ${this.base.origin}`);
    }
    return url;
  }

  /** GET that answers JSON. */
  async getJson(url: URL, headers: Record<string, string> = {}): Promise<unknown> {
    const text = await this.call('GET', url, undefined, headers);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new PollResponseError(`GET ${url.pathname}: the answer is not JSON (${JSON.stringify(text.slice(0, 80))})`);
    }
  }

  /** A call whose answer only has to be 2xx (an acknowledgement). 404 and 410 count as done when `goneIsDone`. */
  async send(method: string, url: URL, body: unknown, goneIsDone: boolean): Promise<void> {
    try {
      await this.call(method, url, body, {});
    } catch (error) {
      if (goneIsDone && error instanceof HttpStatusError && (error.status === 404 || error.status === 410)) return;
      throw error;
    }
  }

  private call(method: string, url: URL, body: unknown, headers: Record<string, string>): Promise<string> {
    const attempt = (outer: AbortSignal | undefined) =>
      withAttemptDeadline(this.options.timeoutMs, (signal) => this.callWithin(method, url, body, headers, signal), outer);
    const budget = this.options.budget;
    // Inside the budgets the timeout starts once the call may go: time queued for the rate or
    // concurrency budget does not eat into it (as for deliveries).
    return budget ? budget.execute((signal) => attempt(signal), this.options.signal) : attempt(this.options.signal);
  }

  private async callWithin(method: string, url: URL, body: unknown, extra: Record<string, string>, signal: AbortSignal): Promise<string> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra, ...(await this.options.auth?.headers(signal)) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const what = `${method} ${url.pathname}`;
    const init: KeepAliveRequestInit = {
      method,
      headers,
      signal,
      // The worker's System transport (keep-alive-fetch.ts) enforces the limit while it reads; built-in
      // fetch ignores it and readBounded below does.
      maxResponseBytes: this.options.maxResponseBytes,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    };
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, init);
    } catch (error) {
      if (error instanceof ResponseTooLarge) throw new PollResponseError(`${what}: ${error.message} (maxResponseBytes)`);
      throw error;
    }
    if (response.status === 401) this.options.auth?.invalidate?.();
    if (response.status < 200 || response.status > 299) {
      // Error bodies are read up to a few KiB: enough for the message, never the whole of a huge page.
      const text = await readBounded(response, Math.min(this.options.maxResponseBytes, 8192), what, true);
      throw new HttpStatusError(response.status, text, parseRetryAfter(response.headers.get('retry-after')), what);
    }
    return readBounded(response, this.options.maxResponseBytes, what, false);
  }
}

/** Reads a body up to `limit` bytes; over it, refuses (or, for error bodies, cuts it off). */
async function readBounded(response: Response, limit: number, what: string, cut: boolean): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (!cut && declared > limit) {
    await response.body?.cancel();
    throw new PollResponseError(`${what}: the answer has ${declared} bytes, more than the limit of ${limit} (maxResponseBytes)`);
  }
  if (!response.body) {
    // A transport without streams (keep-alive-fetch.ts) has read the answer already, within the limit.
    const text = await response.text();
    if (Buffer.byteLength(text) <= limit) return text;
    if (cut) return Buffer.from(text).subarray(0, limit).toString('utf8');
    throw new PollResponseError(`${what}: the answer is longer than the limit of ${limit} bytes (maxResponseBytes)`);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      if (cut) {
        chunks.push(value.subarray(0, value.byteLength - (size - limit)));
        break;
      }
      throw new PollResponseError(`${what}: the answer is longer than the limit of ${limit} bytes (maxResponseBytes)`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
