// The pure pieces of the OData poller (runtime/adapters/sources/poll): SAP V2 /Date(…)/ and ISO
// timestamps, the $filter literal per version, the first page's query, reading V2/V4 pages, and the
// watermark that neither skips nor repeats rows sharing one timestamp.
import { describe, expect, it } from 'vitest';
import { PollResponseError, readODataPage } from '../../../../runtime/adapters/sources/poll/odata-page.ts';
import { firstPagePath } from '../../../../runtime/adapters/sources/poll/odata-query.ts';
import { parseODataTimestamp, timestampLiteral } from '../../../../runtime/adapters/sources/poll/odata-timestamp.ts';
import { pollMessageId } from '../../../../runtime/adapters/sources/poll/poll-message-id.ts';
import type { ODataPollSettings } from '../../../../runtime/adapters/sources/poll/poll-settings.ts';
import { advanceWatermark, isNewRow, parseWatermark } from '../../../../runtime/adapters/sources/poll/watermark.ts';

describe('OData timestamps', () => {
  it('reads SAP V2 /Date(ms)/ and /Date(ms±offset)/ as the UTC instant of the ticks', () => {
    expect(parseODataTimestamp('/Date(1700000000000)/')).toBe(1_700_000_000_000);
    // The offset (minutes) says which zone the value was written in; the ticks are already UTC.
    expect(parseODataTimestamp('/Date(1700000000000+0100)/')).toBe(1_700_000_000_000);
    expect(parseODataTimestamp('/Date(1700000000000-0300)/')).toBe(1_700_000_000_000);
    expect(parseODataTimestamp('/Date(-86400000)/')).toBe(-86_400_000);
  });

  it('reads ISO timestamps with a zone, without one (UTC), and with 7 fraction digits (cut, not rounded)', () => {
    expect(parseODataTimestamp('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000);
    expect(parseODataTimestamp('2023-11-14T23:13:20+01:00')).toBe(1_700_000_000_000);
    expect(parseODataTimestamp('2023-11-14T22:13:20')).toBe(1_700_000_000_000);
    expect(parseODataTimestamp('2023-11-14T22:13:20.9999999Z')).toBe(1_700_000_000_999);
  });

  it('refuses what is not a timestamp', () => {
    for (const bad of [
      '',
      'yesterday',
      '/Date(abc)/',
      '/Date(1700000000000+1)/',
      1_700_000_000_000,
      null,
      undefined,
      '2023-13-45T99:00:00Z',
    ]) {
      expect(parseODataTimestamp(bad)).toBeUndefined();
    }
  });

  it('writes the filter literal each version expects', () => {
    const ms = Date.UTC(2026, 0, 15, 10, 45, 29, 337);
    expect(timestampLiteral(ms, 'v4', 'DateTimeOffset')).toBe('2026-01-15T10:45:29.337Z');
    expect(timestampLiteral(ms, 'v2', 'DateTimeOffset')).toBe("datetimeoffset'2026-01-15T10:45:29.337Z'");
    expect(timestampLiteral(ms, 'v2', 'DateTime')).toBe("datetime'2026-01-15T10:45:29.337'");
  });
});

const v2: ODataPollSettings = {
  version: 'v2',
  path: '/A_SalesOrder',
  key: ['SalesOrder'],
  modifiedField: 'LastChangeDateTime',
  modifiedType: 'DateTimeOffset',
  filter: "SalesOrderType eq 'OR'",
  expand: ['to_Item'],
  select: [],
  pageSize: 50,
  sinceMs: undefined,
};

describe('the first page of a poll', () => {
  it('filters at or after the watermark, orders by watermark then key, expands, and asks JSON of V2', () => {
    const path = firstPagePath(v2, Date.UTC(2026, 0, 1), 50);
    const url = new URL(`http://erp${path}`);
    expect(url.pathname).toBe('/A_SalesOrder');
    expect(url.searchParams.get('$filter')).toBe(
      "(SalesOrderType eq 'OR') and LastChangeDateTime ge datetimeoffset'2026-01-01T00:00:00.000Z'",
    );
    expect(url.searchParams.get('$orderby')).toBe('LastChangeDateTime asc,SalesOrder asc');
    expect(url.searchParams.get('$top')).toBe('50');
    expect(url.searchParams.get('$expand')).toBe('to_Item');
    expect(url.searchParams.get('$format')).toBe('json');
    // Spaces are %20, never +, and quotes are encoded.
    expect(path).not.toContain('+');
    expect(path).toContain('%20ge%20datetimeoffset%27');
  });

  it('V4: a bare ISO literal, no $format, $select keeps the key and the watermark field', () => {
    const path = firstPagePath(
      { ...v2, version: 'v4', filter: undefined, expand: [], select: ['number'], key: ['id'], modifiedField: 'lastModifiedDateTime' },
      0,
      10,
    );
    const url = new URL(`http://erp${path}`);
    expect(url.searchParams.get('$filter')).toBe('lastModifiedDateTime ge 1970-01-01T00:00:00.000Z');
    expect(url.searchParams.get('$select')).toBe('number,lastModifiedDateTime,id');
    expect(url.searchParams.get('$format')).toBeNull();
  });

  it('without a watermark: every row, still ordered', () => {
    const url = new URL(`http://erp${firstPagePath({ ...v2, filter: undefined }, undefined, 10)}`);
    expect(url.searchParams.get('$filter')).toBeNull();
    expect(url.searchParams.get('$orderby')).toBe('LastChangeDateTime asc,SalesOrder asc');
  });
});

describe('reading a page', () => {
  it('V2 d.results with d.__next, and the older bare d list', () => {
    expect(readODataPage({ d: { results: [{ a: 1 }], __next: 'http://x/next' } }, 'v2', 't')).toEqual({
      rows: [{ a: 1 }],
      next: 'http://x/next',
    });
    expect(readODataPage({ d: [{ a: 1 }] }, 'v2', 't')).toEqual({ rows: [{ a: 1 }], next: undefined });
  });

  it('V4 value with @odata.nextLink', () => {
    expect(readODataPage({ value: [], '@odata.nextLink': 'n' }, 'v4', 't')).toEqual({ rows: [], next: 'n' });
  });

  it('refuses other shapes: a V4 body read as V2, rows that are not objects, a next link that is not text', () => {
    expect(() => readODataPage({ value: [] }, 'v2', 't')).toThrow(PollResponseError);
    expect(() => readODataPage({ d: { results: [] } }, 'v4', 't')).toThrow(PollResponseError);
    expect(() => readODataPage({ value: [1] }, 'v4', 't')).toThrow(/not an object/);
    expect(() => readODataPage({ value: [], '@odata.nextLink': 5 }, 'v4', 't')).toThrow(/next link/);
    expect(() => readODataPage('<html>', 'v4', 't')).toThrow(PollResponseError);
  });
});

describe('the watermark', () => {
  it('keeps the keys published at its own time, so a tie across polls is neither skipped nor repeated', () => {
    const t = 1000;
    let w = advanceWatermark(undefined, [
      { key: '["1"]', modifiedMs: 900 },
      { key: '["2"]', modifiedMs: t },
    ]);
    expect(w).toEqual({ at: t, keys: ['["2"]'] });
    // The next poll reads `ge t`: row 2 again (known), row 3 written in the same millisecond (new).
    expect(isNewRow(w, { key: '["2"]', modifiedMs: t })).toBe(false);
    expect(isNewRow(w, { key: '["3"]', modifiedMs: t })).toBe(true);
    expect(isNewRow(w, { key: '["2"]', modifiedMs: t + 1 })).toBe(true);
    expect(isNewRow(w, { key: '["9"]', modifiedMs: t - 1 })).toBe(false);
    w = advanceWatermark(w, [{ key: '["3"]', modifiedMs: t }]);
    expect(w).toEqual({ at: t, keys: ['["2"]', '["3"]'] });
    w = advanceWatermark(w, [{ key: '["2"]', modifiedMs: t + 5 }]);
    expect(w).toEqual({ at: t + 5, keys: ['["2"]'] });
  });

  it('a stored value that is not a watermark is an error, not a fresh start', () => {
    expect(parseWatermark(undefined)).toBeUndefined();
    expect(() => parseWatermark('{"at":"yesterday","keys":[]}')).toThrow(/not \{at, keys\}/);
  });
});

describe('message ids', () => {
  it('are the poll, the key and the time; odd characters are hashed, deterministically', () => {
    expect(pollMessageId('orders', '["4711"]', '2026-01-15T10:45:29.337Z')).toBe('orders/["4711"]/2026-01-15T10:45:29.337Z');
    const odd = pollMessageId('orders', '["a\\nb c"]', 'x');
    expect(odd).toMatch(/^orders\/sha256:[A-Za-z0-9_-]{43}$/);
    expect(pollMessageId('orders', '["a\\nb c"]', 'x')).toBe(odd);
  });
});
