import { PollResponseError } from './odata-page.ts';

/**
 * Where an OData poll stands: the last-modified time of the newest row published (`at`, epoch ms)
 * and the keys of the rows published with exactly that time. The next query asks for rows at or
 * after `at` (`ge`), and the rows whose key is in `keys` are the ones already published: a row
 * written in the same millisecond after the last poll, or a page boundary inside one timestamp,
 * neither skips nor repeats anything. Stored as JSON in AdapterState and advanced by compare-and-set.
 */
export interface Watermark {
  readonly at: number;
  readonly keys: readonly string[];
  /** When it was last written (epoch ms): a quiet collection's watermark is written again before the store forgets it. */
  readonly savedAt?: number;
}

/**
 * How old a stored watermark may get before an unchanged one is written again: the ADAPTERS bucket
 * forgets a key 35 days after its last write, and a forgotten watermark would read the collection
 * from the start again.
 */
export const WATERMARK_REFRESH_MS = 24 * 3_600_000;

/**
 * Rows that may share one timestamp before the poll refuses to go on. SAP's `LastChangeDateTime` has
 * second precision, so a mass change can write thousands of rows in one second; every one of their
 * keys is kept until a later timestamp arrives (about 20 bytes each, well below a KV value's 1 MiB).
 */
export const MAX_KEYS_AT_WATERMARK = 20_000;

/** A row as the poll sees it: its identity and its last-modified time. */
export interface PolledRow {
  /** The key fields' values as a JSON list (`["4711"]`, `["1000","10"]`). */
  readonly key: string;
  readonly modifiedMs: number;
}

/** Parses the stored JSON; a value that is not a watermark is reported, never guessed at. */
export function parseWatermark(text: string | undefined): Watermark | undefined {
  if (text === undefined) return undefined;
  const value = JSON.parse(text) as unknown;
  if (
    value === null ||
    typeof value !== 'object' ||
    !Number.isSafeInteger((value as Watermark).at) ||
    !Array.isArray((value as Watermark).keys) ||
    !(value as Watermark).keys.every((k) => typeof k === 'string') ||
    ((value as Watermark).savedAt !== undefined && !Number.isSafeInteger((value as Watermark).savedAt))
  ) {
    throw new Error(`the stored poll watermark is not {at, keys}: ${text.slice(0, 200)}`);
  }
  return value as Watermark;
}

export function serialiseWatermark(watermark: Watermark): string {
  return JSON.stringify({ at: watermark.at, keys: watermark.keys, savedAt: watermark.savedAt });
}

/** Whether two watermarks stand at the same place (when they were saved aside). */
export function sameWatermark(a: Watermark | undefined, b: Watermark | undefined): boolean {
  if (!a || !b) return a === b;
  return a.at === b.at && a.keys.length === b.keys.length && a.keys.every((k, i) => b.keys[i] === k);
}

/** Whether a row is new since the watermark (rows before it, or at it with a known key, are not). */
export function isNewRow(watermark: Watermark | undefined, row: PolledRow): boolean {
  if (!watermark) return true;
  if (row.modifiedMs !== watermark.at) return row.modifiedMs > watermark.at;
  return !watermark.keys.includes(row.key);
}

/** The watermark after `rows` were published (any order). */
export function advanceWatermark(watermark: Watermark | undefined, rows: readonly PolledRow[]): Watermark | undefined {
  let at = watermark?.at;
  let keys = new Set(watermark?.keys ?? []);
  for (const row of rows) {
    if (at === undefined || row.modifiedMs > at) {
      at = row.modifiedMs;
      keys = new Set([row.key]);
    } else if (row.modifiedMs === at) {
      keys.add(row.key);
    }
  }
  if (at === undefined) return undefined;
  if (keys.size > MAX_KEYS_AT_WATERMARK) {
    throw new PollResponseError(
      `more than ${MAX_KEYS_AT_WATERMARK} rows share the last-modified time ${new Date(at).toISOString()}; the poll cannot tell them apart by time`,
    );
  }
  return { at, keys: [...keys] };
}
