import { describe, expect, it } from 'vitest';
import { WebhookSecretCache } from '../../controller/reconcile/webhook-secrets.ts';

describe('webhook key cache', () => {
  it('reads a key once per TTL however many requests arrive (concurrent ones share the read)', async () => {
    let now = 0;
    const reads: string[] = [];
    const cache = new WebhookSecretCache({
      read: async (namespace, name) => {
        reads.push(`${namespace}/${name}`);
        await new Promise((r) => setTimeout(r, 5));
        return name === 'missing' ? undefined : `token-of-${name}`;
      },
      ttlMs: 1000,
      now: () => now,
    });
    const answers = await Promise.all(Array.from({ length: 200 }, () => cache.get('shop', 'hook')));
    expect(new Set(answers)).toEqual(new Set(['token-of-hook']));
    for (let i = 0; i < 200; i++) await cache.get('shop', 'missing');
    expect(reads).toEqual(['shop/hook', 'shop/missing']);
    now = 1000;
    await cache.get('shop', 'hook');
    expect(reads).toEqual(['shop/hook', 'shop/missing', 'shop/hook']);
  });

  it('does not remember a failed read', async () => {
    let fail = true;
    const cache = new WebhookSecretCache({
      read: async () => {
        if (fail) throw new Error('API server unreachable');
        return 't';
      },
    });
    await expect(cache.get('shop', 'hook')).rejects.toThrow('unreachable');
    fail = false;
    expect(await cache.get('shop', 'hook')).toBe('t');
    expect(cache.reads).toBe(2);
  });
});
