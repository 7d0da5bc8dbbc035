import { withAttemptDeadline } from '../delivery/attempt-deadline.ts';
import { CredentialError, HttpStatusError } from '../delivery/failures.ts';
import { parseRetryAfter } from '../delivery/retry-after.ts';

/** What a write carries: the token and the session cookies it belongs to. */
export interface CsrfCredentials {
  token: string;
  /** `Cookie` header value; empty when the service set no cookie. */
  cookie: string;
}

export interface CsrfSessionSettings {
  /** `System s4-sales`: names the service in errors. */
  what: string;
  /** Where the token is fetched: the service root or the System's `csrfFetchPath`. */
  fetchUrl: string;
  fetchImpl: typeof fetch;
  /** Responsive time one token fetch may take (default 10 s). */
  fetchTimeoutMs?: number;
}

interface Session {
  token: string;
  cookies: Map<string, string>;
}

/** Values of `X-CSRF-Token` that are not a token. */
const NOT_A_TOKEN = /^(fetch|required|unsafe)$/i;
const MAX_COOKIES = 50;

/**
 * The SAP Gateway CSRF protocol for one System's writes. SAP binds the token to the session the
 * fetch opened (its `SAP_SESSIONID_*` / `sap-XSRF_*` cookies), so token and cookies travel together:
 * - the token is fetched once for all concurrent writers: `X-CSRF-Token: Fetch` on a GET of the
 *   fetch URL, or a HEAD when the GET is refused or brings no token (some gateways answer GETs on
 *   the service root slowly or not at all);
 * - every write sends the token and the cookies; cookies the service renews on later answers replace
 *   the old ones;
 * - `invalidate(token)` after a 403 `X-CSRF-Token: Required` drops the session only when it is still
 *   the current one, so many writers refused at once share one new fetch.
 * A 401 on the fetch is an HttpStatusError (the caller renews its credentials as for any 401); other
 * failures are CredentialErrors (5xx, 429 and network transient; other answers permanent).
 */
export class CsrfSession {
  private readonly settings: CsrfSessionSettings;
  private current: Session | undefined;
  private inflight: Promise<Session> | undefined;

  constructor(settings: CsrfSessionSettings) {
    this.settings = settings;
  }

  /** Token and cookies for one write, fetched when there are none. `auth` are the write's own credentials. */
  async credentials(auth: Record<string, string>, signal: AbortSignal): Promise<CsrfCredentials> {
    const session = this.current ?? (await this.fetchOnce(auth, signal));
    return { token: session.token, cookie: cookieHeader(session.cookies) };
  }

  /** Cookies set on an answer to a write sent with `used`: the service renewed its session. */
  remember(used: CsrfCredentials, headers: Headers): void {
    const session = this.current;
    if (!session || session.token !== used.token) return;
    applySetCookies(session.cookies, headers);
  }

  /** After a 403 `X-CSRF-Token: Required` to a write sent with `refused`: fetch anew, once for everyone. */
  invalidate(refused: CsrfCredentials): void {
    if (this.current?.token === refused.token) this.current = undefined;
  }

  /** Forget the session (the credentials it was opened with were renewed). */
  reset(): void {
    this.current = undefined;
  }

  private fetchOnce(auth: Record<string, string>, signal: AbortSignal): Promise<Session> {
    this.inflight ??= withAttemptDeadline(this.settings.fetchTimeoutMs ?? 10_000, (own) => this.fetchSession(auth, own))
      .then((session) => {
        this.current = session;
        return session;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    const shared = this.inflight;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<Session>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async fetchSession(auth: Record<string, string>, signal: AbortSignal): Promise<Session> {
    const { what, fetchUrl } = this.settings;
    const unauthorized = () => new HttpStatusError(401, '', undefined, `${what} CSRF token fetch ${fetchUrl}`);
    const get = await this.ask('GET', auth, signal);
    if (get.session) return get.session;
    // 401 is the credentials' problem, not the method's: HEAD would be refused the same way.
    if (get.status === 401) throw unauthorized();
    const head = await this.ask('HEAD', auth, signal);
    if (head.session) return head.session;
    if (head.status === 401) throw unauthorized();
    const status = head.status ?? get.status;
    const transient = status === undefined || status >= 500 || status === 429 || status === 408;
    throw new CredentialError(
      `${what}: no CSRF token from ${fetchUrl} (GET: ${get.status ?? get.code}, HEAD: ${head.status ?? head.code}${
        status !== undefined && status < 300 ? '; no X-CSRF-Token header: is CSRF protection on for this service?' : ''
      })`,
      {
        permanent: !transient,
        reason: status === undefined ? `csrf-network-${(head.code ?? 'error').toLowerCase()}` : `csrf-http-${status}`,
        ...(status !== undefined ? { status } : {}),
        ...(head.retryAfterMs !== undefined ? { retryAfterMs: head.retryAfterMs } : {}),
      },
    );
  }

  private async ask(
    method: 'GET' | 'HEAD',
    auth: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ session?: Session; status?: number; code?: string; retryAfterMs?: number }> {
    let response: Response;
    try {
      response = await this.settings.fetchImpl(this.settings.fetchUrl, {
        method,
        headers: { ...auth, 'x-csrf-token': 'Fetch', accept: 'application/json' },
        signal,
      });
      await response.text();
    } catch (error) {
      if (signal.aborted) throw error;
      const code = (error as { cause?: { code?: string }; code?: string })?.cause?.code ?? (error as { code?: string })?.code;
      return { code: code ?? 'error' };
    }
    const token = response.headers.get('x-csrf-token');
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (!response.ok || !token || NOT_A_TOKEN.test(token) || token.length > 1024)
      return { status: response.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    const cookies = new Map<string, string>();
    applySetCookies(cookies, response.headers);
    return { session: { token, cookies } };
  }
}

/** Applies `Set-Cookie` headers to a jar: name=value kept, attributes ignored (one origin), Max-Age=0 deletes. */
function applySetCookies(jar: Map<string, string>, headers: Headers): void {
  for (const line of headers.getSetCookie()) {
    const [pair = '', ...attributes] = line.split(';');
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
    if (expired) jar.delete(name);
    else if (jar.has(name) || jar.size < MAX_COOKIES) jar.set(name, value);
  }
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}
