import { withAttemptDeadline } from '../delivery/attempt-deadline.ts';
import { CredentialError } from '../delivery/failures.ts';
import { parseRetryAfter } from '../delivery/retry-after.ts';

/** How the client proves itself at the token endpoint (RFC 6749 2.3.1). */
export type ClientAuthentication = 'client_secret_basic' | 'client_secret_post';

export interface ClientCredentialsSettings {
  /** `System wms`: names the credentials in errors. */
  what: string;
  tokenUrl: string;
  scopes?: readonly string[] | undefined;
  audience?: string | undefined;
  resource?: string | undefined;
  clientAuthentication?: ClientAuthentication | undefined;
  /** Read on every fetch, so a rotated secret is picked up by the next token. */
  credentials: () => { id: string; secret: string };
  fetchImpl: typeof fetch;
  clock?: () => number;
  /** Responsive time one token fetch may take (default 10 s); shared by every caller waiting for it. */
  fetchTimeoutMs?: number;
}

/** A token's lifetime when the endpoint gives none (`expires_in` is only RECOMMENDED by RFC 6749). */
const DEFAULT_LIFETIME_S = 300;
/** Refresh this long before expiry at most; a short-lived token refreshes after 90 % of its life instead. */
const MAX_SKEW_MS = 30_000;
/** A token longer than this is not a token (a login page answered with 200). */
const MAX_TOKEN_CHARS = 16_384;

interface CachedToken {
  token: string;
  /** From here a new token is fetched in the background while this one is still sent. */
  refreshAt: number;
  /** From here this token is not sent any more: callers wait for a new one. */
  expiresAt: number;
}

/**
 * OAuth2 client-credentials tokens for one System, as production needs them:
 * - one token fetch at a time, whatever the number of callers (50 parallel deliveries → 1 fetch);
 * - the token is refreshed before it expires: from `expires_in − skew` (skew: 30 s, or a tenth of the
 *   lifetime when that is shorter) one background fetch replaces it while callers keep using the
 *   still-valid one; only when less than a quarter of the skew is left do callers wait for it;
 * - `renew(rejected)` after a 401 drops the token only if it is still the current one, so 50 calls
 *   that all failed with the same expired token cause one fetch, not 50;
 * - a failed fetch is a CredentialError: `invalid_client`, `unauthorized_client`, `invalid_scope` and
 *   other 4xx answers are permanent (the same secret gets the same answer), 5xx, 429, network errors
 *   and garbage are transient (with the endpoint's `Retry-After`).
 */
export class ClientCredentialsTokens {
  private readonly settings: ClientCredentialsSettings;
  private readonly clock: () => number;
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;

  constructor(settings: ClientCredentialsSettings) {
    this.settings = settings;
    this.clock = settings.clock ?? Date.now;
  }

  /** A valid access token; waits for a fetch only when none is cached or the cached one expired. */
  async token(signal?: AbortSignal): Promise<string> {
    const cached = this.cached;
    const now = this.clock();
    if (cached && now < cached.expiresAt) {
      if (now >= cached.refreshAt)
        this.fetchOnce().catch(() => {
          // The caller keeps the valid token; try again in a few seconds, not on every call (a
          // provider that is down would get one fetch per message). A failure still valid at expiry shows then.
          if (this.cached === cached) cached.refreshAt = this.clock() + Math.min(5_000, (cached.expiresAt - this.clock()) / 2);
        });
      return cached.token;
    }
    return (await abortable(this.fetchOnce(), signal)).token;
  }

  /**
   * After the target answered 401 to a request that carried `rejected`: forgets that token when it is
   * still the cached one (a concurrent caller may have renewed it already). Always true: a new token
   * may help, once.
   */
  renew(rejected: string): boolean {
    if (this.cached?.token === rejected) this.cached = undefined;
    return true;
  }

  private fetchOnce(): Promise<CachedToken> {
    this.inflight ??= withAttemptDeadline(this.settings.fetchTimeoutMs ?? 10_000, (signal) => this.fetchToken(signal))
      .then((fresh) => {
        this.cached = fresh;
        return fresh;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetchToken(signal: AbortSignal): Promise<CachedToken> {
    const { what, tokenUrl } = this.settings;
    const { id, secret } = this.settings.credentials();
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.settings.scopes?.length) form.set('scope', this.settings.scopes.join(' '));
    if (this.settings.audience) form.set('audience', this.settings.audience);
    if (this.settings.resource) form.set('resource', this.settings.resource);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.settings.clientAuthentication === 'client_secret_post') {
      form.set('client_id', id);
      form.set('client_secret', secret);
    } else {
      // RFC 6749 2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
      headers.authorization = `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;
    }
    const started = this.clock();
    let response: Response;
    let text: string;
    try {
      response = await this.settings.fetchImpl(tokenUrl, { method: 'POST', headers, body: form.toString(), signal });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw error; // the deadline's AttemptTimeout: classified as a timeout
      const code = (error as { cause?: { code?: string }; code?: string })?.cause?.code ?? (error as { code?: string })?.code;
      throw new CredentialError(`${what}: token endpoint ${tokenUrl} unreachable${code ? ` (${code})` : ''}`, {
        permanent: false,
        reason: `token-network-${(code ?? 'error').toLowerCase()}`,
        cause: error,
      });
    }
    if (!response.ok) throw refused(what, tokenUrl, response, text);
    const body = parseJsonObject(text);
    const token = body?.access_token;
    if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_CHARS || !/^[\x21-\x7e]+$/.test(token))
      throw new CredentialError(`${what}: token endpoint ${tokenUrl} answered ${response.status} without a usable access_token`, {
        permanent: false,
        reason: 'token-malformed',
        status: response.status,
      });
    const type = body!.token_type;
    if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer'))
      throw new CredentialError(
        `${what}: token endpoint ${tokenUrl} issued a token of type ${JSON.stringify(type).slice(0, 40)}, not Bearer`,
        {
          permanent: true,
          reason: 'token-type',
        },
      );
    const lifetimeMs = lifetimeSeconds(body!.expires_in) * 1000;
    const skew = Math.min(MAX_SKEW_MS, lifetimeMs / 10);
    // Sent until a quarter of the skew is left: a request on its way still arrives in the token's lifetime.
    return { token, refreshAt: started + lifetimeMs - skew, expiresAt: started + lifetimeMs - skew / 4 };
  }
}

/** Waits for `promise`, or rejects when `signal` aborts first (the shared fetch goes on for the others). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** `expires_in` as a number of seconds: a number or a numeric string (some providers send "3599"). */
function lifetimeSeconds(value: unknown): number {
  const seconds = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LIFETIME_S;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error for a non-2xx token answer. Only the OAuth2 `error` code is quoted (a fixed vocabulary);
 * `error_description` and the body may echo the client id or worse, so they are left out.
 */
function refused(what: string, tokenUrl: string, response: Response, text: string): CredentialError {
  const status = response.status;
  const code = parseJsonObject(text)?.error;
  const oauthError = typeof code === 'string' && /^[\x21-\x7e]{1,64}$/.test(code) ? code : undefined;
  const transient = status >= 500 || status === 429 || status === 408;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  return new CredentialError(
    `${what}: token endpoint ${tokenUrl} answered HTTP ${status}${oauthError ? ` (${oauthError})` : ''}${
      transient ? '' : ': check the client id and secret, the scopes and the token URL'
    }`,
    {
      permanent: !transient,
      reason: transient ? `token-http-${status}` : `token-${oauthError ?? `http-${status}`}`,
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  );
}

/** application/x-www-form-urlencoded encoding of one value (space as `+`), as RFC 6749 Appendix B asks. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}
