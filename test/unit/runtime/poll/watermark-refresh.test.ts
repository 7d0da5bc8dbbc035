// A quiet collection's watermark is written again once a day: the ADAPTERS bucket forgets a key 35
// days after its last write, and a forgotten watermark would publish the whole collection again.
import { describe, expect, it } from 'vitest';
import { SqliteAdapterState } from '../../../../runtime/adapters/adapter-state.ts';
import { pollODataOnce } from '../../../../runtime/adapters/sources/poll/odata-poll.ts';
import { PollHttp } from '../../../../runtime/adapters/sources/poll/poll-http.ts';
import type { PollSettings } from '../../../../runtime/adapters/sources/poll/poll-settings.ts';
import { WATERMARK_REFRESH_MS } from '../../../../runtime/adapters/sources/poll/watermark.ts';

const settings: PollSettings = {
  system: 'erp',
  name: 'items',
  event: 'Item.Changed',
  intervalMs: 1000,
  timeoutMs: 1000,
  maxResponseBytes: 65_536,
  odata: {
    version: 'v4',
    path: '/items',
    key: ['id'],
    modifiedField: 'modified',
    modifiedType: 'DateTimeOffset',
    filter: undefined,
    expand: [],
    select: [],
    pageSize: 10,
    sinceMs: undefined,
  },
};

// The collection's one row, already published: every poll answers it and nothing else.
const answer: typeof fetch = async () => Response.json({ value: [{ id: 'a', modified: '2026-01-01T00:00:00Z' }] });

describe('watermark refresh', () => {
  it('an unchanged watermark is rewritten only when older than a day', async () => {
    const state = new SqliteAdapterState(':memory:', 'erp/poll/items');
    const at = Date.parse('2026-01-01T00:00:00Z');
    const http = new PollHttp({ baseUrl: 'http://erp.test', timeoutMs: 1000, maxResponseBytes: 65_536, fetch: answer });
    const publish = async () => true;
    const fresh = JSON.stringify({ at, keys: ['["a"]'], savedAt: Date.now() - 1000 });
    await state.put('items/watermark', fresh);
    expect(await pollODataOnce({ settings, http, state, publish })).toEqual({ published: 0, more: false });
    expect(await state.get('items/watermark')).toBe(fresh);
    await state.put('items/watermark', JSON.stringify({ at, keys: ['["a"]'], savedAt: Date.now() - WATERMARK_REFRESH_MS - 1 }));
    await pollODataOnce({ settings, http, state, publish });
    const rewritten = JSON.parse((await state.get('items/watermark'))!) as { at: number; keys: string[]; savedAt: number };
    expect(rewritten.at).toBe(at);
    expect(rewritten.keys).toEqual(['["a"]']);
    expect(Date.now() - rewritten.savedAt).toBeLessThan(5000);
  });
});
