import { createHash } from 'node:crypto';

/** A keys secret that cannot be used as it is; the message names entries by position, never a key. */
export class ApiKeysError extends Error {
  override readonly name = 'ApiKeysError';
}

/** A client name: what rate limits, logs and traces show. */
const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

/**
 * True for a presented or configured key that carries no secret: empty, blank, or only base64
 * padding (`=`, `==`). Such a key is refused wherever it appears.
 */
export function isEmptyKey(key: string): boolean {
  return /^[\s=]*$/.test(key);
}

/**
 * The accepted API keys of an Api (its `keysSecretRef`, key `keys`): entries separated by commas or
 * new lines, each `client:key` (the client name is what rate limits and logs use) or a bare key (the
 * client is then `key-<first 8 hex of its SHA-256>`). The separator is `:` because no base64,
 * base64url or hex key contains one: a key from `openssl rand -base64 16` ends in `==` and is read
 * whole. Keys are held only as SHA-256 digests and looked up by digest, so comparing does not leak a
 * key's prefix through timing.
 *
 * Refused, with an ApiKeysError naming the entry: an empty or padding-only key, an empty or
 * malformed client name, and the old `client=key` form (ambiguous with base64 padding), and a secret
 * with no key at all.
 */
export class ApiKeys {
  private readonly byDigest = new Map<string, string>();

  constructor(secretValue: string) {
    const entries = secretValue
      .split(/[,\n]/)
      .map((e) => e.trim())
      .filter(Boolean);
    if (entries.length === 0) throw new ApiKeysError('the secret holds no API keys');
    entries.forEach((entry, i) => {
      const where = `entry ${i + 1}`;
      const colon = entry.indexOf(':');
      const client = colon === -1 ? undefined : entry.slice(0, colon).trim();
      const key = colon === -1 ? entry : entry.slice(colon + 1).trim();
      if (client === undefined && /^[^=]+=+[^=]/.test(key))
        throw new ApiKeysError(`${where}: looks like \`client=key\`; write it as \`client:key\` (":" cannot occur in a base64 key)`);
      if (client !== undefined && client === '') throw new ApiKeysError(`${where}: the client name is empty (write \`client:key\`)`);
      if (client !== undefined && !CLIENT_NAME.test(client))
        throw new ApiKeysError(`${where}: the client name may hold letters, digits and . _ @ - only`);
      if (key === '') throw new ApiKeysError(`${where}: the key is empty`);
      if (isEmptyKey(key)) throw new ApiKeysError(`${where}: the key is only padding`);
      const digest = ApiKeys.digest(key);
      this.byDigest.set(digest, client ?? `key-${digest.slice(0, 8)}`);
    });
  }

  static digest(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The client a key belongs to, or undefined (always for an empty or padding-only key). */
  clientOf(key: string): string | undefined {
    if (isEmptyKey(key)) return undefined;
    return this.byDigest.get(ApiKeys.digest(key));
  }
}
