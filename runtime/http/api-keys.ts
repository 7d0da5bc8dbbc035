import { createHash } from 'node:crypto';

/**
 * The accepted API keys of an Api (its `keysSecretRef`, key `keys`): entries separated by commas or
 * new lines, each `client=key` (the client name is what rate limits and logs use) or a bare key (the
 * client is then `key-<first 8 hex of its SHA-256>`). Keys are held only as SHA-256 digests and looked
 * up by digest, so comparing does not leak a key's prefix through timing.
 */
export class ApiKeys {
  private readonly byDigest = new Map<string, string>();

  constructor(secretValue: string) {
    for (const entry of secretValue
      .split(/[,\n]/)
      .map((e) => e.trim())
      .filter(Boolean)) {
      const eq = entry.indexOf('=');
      const key = eq === -1 ? entry : entry.slice(eq + 1).trim();
      const digest = ApiKeys.digest(key);
      this.byDigest.set(digest, eq === -1 ? `key-${digest.slice(0, 8)}` : entry.slice(0, eq).trim());
    }
  }

  static digest(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The client a key belongs to, or undefined. */
  clientOf(key: string): string | undefined {
    return this.byDigest.get(ApiKeys.digest(key));
  }
}
