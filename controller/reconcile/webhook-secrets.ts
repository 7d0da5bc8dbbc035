/**
 * Webhook keys, cached. Every request to `/hook/<namespace>/<estate>` must be verified before
 * anything else happens, and most of that traffic may be unsigned junk: reading the Secret per
 * request let 200 anonymous requests make 200 API reads from the budget reconciles share. A key is
 * read at most once per `ttlMs` (concurrent requests share one read), so a flood costs one read.
 *
 * Why a time-bounded cache and not a watch: watching a Secret needs `list` and `watch` on Secrets in
 * every namespace (RBAC cannot narrow those to names it does not know), while the chart grants only
 * `get`. A rotated or deleted key takes effect within `ttlMs`; a deleted Estate at once (the
 * Estate informer no longer names the Secret).
 */
export interface WebhookSecretCacheOptions {
  /** Reads the `token` of Secret `namespace/name`; undefined when it or the key is missing. */
  read: (namespace: string, name: string) => Promise<string | undefined>;
  /** How long a read (or a miss) is trusted (default 30 s). */
  ttlMs?: number;
  now?: () => number;
}

interface Entry {
  at: number;
  value: Promise<string | undefined>;
}

export class WebhookSecretCache {
  private readonly o: Required<WebhookSecretCacheOptions>;
  private readonly entries = new Map<string, Entry>();
  /** API reads made (for tests and the debug log). */
  reads = 0;

  constructor(options: WebhookSecretCacheOptions) {
    this.o = { ttlMs: 30_000, now: Date.now, ...options };
  }

  /** The key of Secret `namespace/name`, from the cache when it is fresh. A failed read is not cached. */
  get(namespace: string, name: string): Promise<string | undefined> {
    const now = this.o.now();
    for (const [k, e] of this.entries) if (now - e.at >= this.o.ttlMs) this.entries.delete(k);
    const key = `${namespace}/${name}`;
    const cached = this.entries.get(key);
    if (cached) return cached.value;
    this.reads++;
    const value = this.o.read(namespace, name).catch((error: unknown) => {
      // API server unreachable: do not remember the failure; the next request reads again.
      this.entries.delete(key);
      throw error;
    });
    this.entries.set(key, { at: now, value });
    return value;
  }
}
