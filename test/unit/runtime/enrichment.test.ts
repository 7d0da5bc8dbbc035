// The enrichment calls on their own (runtime/delivery/enrichment.ts, lib/ttl-cache.ts): the cache is
// bounded and expires, concurrent misses share one call, an optional lookup turns a 404 into an
// absent value (cached), a missing key fails permanently, and an answer is checked against its
// contract. A real loopback HTTP System (test/broker/worker-fixtures.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { TtlCache } from '../../../lib/ttl-cache.ts';
import { Enrichment } from '../../../runtime/delivery/enrichment.ts';
import type { EnrichmentLookup } from '../../../runtime/delivery/enrichment.ts';
import { ContractViolation, HttpStatusError, classifyFailure } from '../../../runtime/delivery/failures.ts';
import { SystemBudgets } from '../../../runtime/delivery/system-budget.ts';
import { SystemClient } from '../../../runtime/http/system-client.ts';
import { startTargetServer } from '../../broker/worker-fixtures.ts';
import type { TargetServer } from '../../broker/worker-fixtures.ts';

describe('TtlCache', () => {
  it('expires entries after the TTL and keeps at most maxEntries, dropping the least recently used', async () => {
    let now = 0;
    const cache = new TtlCache<string>({ ttlMs: 100, maxEntries: 2, now: () => now });
    let loads = 0;
    const load = (v: string) => async () => {
      loads++;
      return v;
    };
    expect(await cache.getOrLoad('a', load('A'))).toBe('A');
    expect(await cache.getOrLoad('a', load('A2'))).toBe('A');
    await cache.getOrLoad('b', load('B'));
    cache.get('a'); // a is now the most recently used
    await cache.getOrLoad('c', load('C')); // b goes
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual({ value: 'A' });
    now = 100;
    expect(cache.get('a')).toBeUndefined();
    expect(loads).toBe(3);
  });

  it('shares one load between concurrent misses and does not cache a failure', async () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 10 });
    let loads = 0;
    let release: (v: number) => void = () => {};
    const slow = () => {
      loads++;
      return new Promise<number>((resolve) => {
        release = resolve;
      });
    };
    const both = Promise.all([cache.getOrLoad('k', slow), cache.getOrLoad('k', slow)]);
    release(7);
    expect(await both).toEqual([7, 7]);
    expect(loads).toBe(1);
    await expect(cache.getOrLoad('x', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.getOrLoad('x', async () => 1)).toBe(1);
  });
});

const open: TargetServer[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function enrichmentAgainst(answers: Record<string, { status: number; body?: unknown }>, options: Partial<EnrichmentLookup> = {}) {
  const erp = await startTargetServer((request) => answers[request.path] ?? { status: 404 });
  open.push(erp);
  const client = new SystemClient('erp', { endpoint: { protocol: 'http', url: erp.url } } as never, {});
  const lookup: EnrichmentLookup = {
    name: 'item',
    client,
    pathTemplate: '/items/{sku}',
    optional: false,
    unwrap: [],
    contract: 'erp-item@1',
    ttlMs: 60_000,
    maxEntries: 100,
    parameter: () => undefined,
    ...options,
  };
  const enrichment = new Enrichment([lookup], (event) => ({ item: { sku: (event as { sku?: string }).sku } }));
  const call = { signal: new AbortController().signal, timeoutMs: 2000, budgets: new SystemBudgets(() => undefined) };
  return { erp, resolve: (event: unknown) => enrichment.resolve(event, call) };
}

describe('Enrichment', () => {
  it('reads the answer, unwraps it, and asks the System once per key while cached', async () => {
    const h = await enrichmentAgainst({ '/items/A%2F1': { status: 200, body: { d: { number: 'A/1' } } } }, { unwrap: ['d'] });
    expect(await h.resolve({ sku: 'A/1' })).toEqual({ item: { number: 'A/1' } });
    expect(await h.resolve({ sku: 'A/1' })).toEqual({ item: { number: 'A/1' } });
    expect(h.erp.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /items/A%2F1']);
  });

  it('fills a System parameter placeholder from the environment, and fails permanently when it is not set', async () => {
    const h = await enrichmentAgainst(
      { '/companies(C1)/items/D': { status: 200, body: { number: 'D' } } },
      { pathTemplate: '/companies({companyId})/items/{sku}', parameter: (name) => (name === 'companyId' ? 'C1' : undefined) },
    );
    expect(await h.resolve({ sku: 'D' })).toEqual({ item: { number: 'D' } });
    const unset = await enrichmentAgainst({}, { pathTemplate: '/companies({companyId})/items/{sku}' });
    const error = await unset.resolve({ sku: 'D' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractViolation);
    expect((error as Error).message).toContain('no value for {companyId}');
    expect(unset.erp.requests).toHaveLength(0);
  });

  it('a 404 is a permanent failure; with optional: true the value is absent, and the absence is cached', async () => {
    const required = await enrichmentAgainst({});
    const error = await required.resolve({ sku: 'X' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(classifyFailure(error).kind).toBe('permanent');
    const optional = await enrichmentAgainst({}, { optional: true });
    expect(await optional.resolve({ sku: 'X' })).toEqual({});
    expect(await optional.resolve({ sku: 'X' })).toEqual({});
    expect(optional.erp.requests).toHaveLength(1);
  });

  it('a 503 is transient (the route policy retries it) and is not cached', async () => {
    const h = await enrichmentAgainst({ '/items/B': { status: 503 } });
    const error = await h.resolve({ sku: 'B' }).catch((e: unknown) => e);
    expect(classifyFailure(error).kind).toBe('transient');
    await h.resolve({ sku: 'B' }).catch(() => {});
    expect(h.erp.requests).toHaveLength(2);
  });

  it('a message without the key, or an answer its contract refuses, fails permanently without a call or with one', async () => {
    const h = await enrichmentAgainst(
      { '/items/C': { status: 200, body: { unexpected: true } } },
      { validate: (a) => ((a as { number?: unknown }).number === undefined ? ['/: must have required property number'] : undefined) },
    );
    await expect(h.resolve({})).rejects.toBeInstanceOf(ContractViolation);
    expect(h.erp.requests).toHaveLength(0);
    const error = await h.resolve({ sku: 'C' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractViolation);
    expect((error as Error).message).toContain('breaks erp-item@1');
  });
});
