import { createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';

/**
 * The signing keys of an OAuth2 issuer, fetched from its JWKS URL and cached. An unknown `kid`
 * triggers a refetch (keys rotate), at most once per `minRefetchMs`, so a flood of tokens with made-up
 * kids cannot turn the worker into a JWKS-fetching amplifier.
 */
export class JwksCache {
  private readonly url: string;
  private readonly fetchImpl: typeof fetch;
  private readonly ttlMs: number;
  private readonly minRefetchMs: number;
  private keys = new Map<string, { key: KeyObject; alg?: string; kty: string }>();
  private fetchedAt = 0;
  private inflight: Promise<void> | undefined;
  /** The last fetch error (for /readyz), cleared by a successful fetch. */
  lastError: string | undefined;

  constructor(url: string, options: { fetchImpl?: typeof fetch; ttlMs?: number; minRefetchMs?: number } = {}) {
    this.url = url;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.minRefetchMs = options.minRefetchMs ?? 10_000;
  }

  get loaded(): boolean {
    return this.fetchedAt > 0;
  }

  /** The key for `kid` (or the only key when the token has no kid). */
  async key(kid: string | undefined): Promise<{ key: KeyObject; alg?: string; kty: string } | undefined> {
    const now = Date.now();
    if (now - this.fetchedAt > this.ttlMs) await this.refresh();
    let found = this.lookup(kid);
    if (!found && now - this.fetchedAt > this.minRefetchMs) {
      await this.refresh();
      found = this.lookup(kid);
    }
    return found;
  }

  private lookup(kid: string | undefined) {
    if (kid !== undefined) return this.keys.get(kid);
    return this.keys.size === 1 ? [...this.keys.values()][0] : undefined;
  }

  async refresh(): Promise<void> {
    this.inflight ??= (async () => {
      try {
        const response = await this.fetchImpl(this.url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`JWKS ${this.url} answered HTTP ${response.status}`);
        const body = (await response.json()) as { keys?: (JsonWebKey & { kid?: string; alg?: string; use?: string })[] };
        const keys = new Map<string, { key: KeyObject; alg?: string; kty: string }>();
        for (const jwk of body.keys ?? []) {
          if (jwk.use !== undefined && jwk.use !== 'sig') continue;
          if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') continue;
          try {
            keys.set(jwk.kid ?? `#${keys.size}`, {
              key: createPublicKey({ key: jwk, format: 'jwk' }),
              ...(jwk.alg ? { alg: jwk.alg } : {}),
              kty: jwk.kty,
            });
          } catch {
            // A key we cannot read is skipped; tokens signed with it fail as "unknown key".
          }
        }
        this.keys = keys;
        this.fetchedAt = Date.now();
        this.lastError = undefined;
      } catch (error) {
        this.lastError = (error as Error).message;
        // Keep serving the keys we had; try again after minRefetchMs.
        this.fetchedAt = Math.max(this.fetchedAt, Date.now() - this.ttlMs + this.minRefetchMs);
      } finally {
        this.inflight = undefined;
      }
    })();
    await this.inflight;
  }
}
