import type { PollCycleContext, PollCycleResult } from './poll-cycle.ts';
import { PollStateConflict, publishAll } from './poll-cycle.ts';
import { PollResponseError, readODataPage } from './odata-page.ts';
import { firstPagePath } from './odata-query.ts';
import { parseODataTimestamp } from './odata-timestamp.ts';
import { pollMessageId } from './poll-message-id.ts';
import type { ODataPollSettings } from './poll-settings.ts';
import type { PolledRow } from './watermark.ts';
import { WATERMARK_REFRESH_MS, advanceWatermark, isNewRow, parseWatermark, sameWatermark, serialiseWatermark } from './watermark.ts';

/** Pages one cycle follows before it checkpoints and yields (a server whose next links never end). */
const MAX_PAGES_PER_CYCLE = 1000;

/** The key and last-modified time of a row; a row without them is not something the poll can track. */
function polledRowOf(row: Record<string, unknown>, settings: ODataPollSettings, what: string): PolledRow {
  const values = settings.key.map((field) => {
    const value = row[field];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new PollResponseError(`${what}: a row has no key field \`${field}\` (got ${JSON.stringify(value) ?? 'nothing'})`);
    }
    return value;
  });
  const modifiedMs = parseODataTimestamp(row[settings.modifiedField]);
  if (modifiedMs === undefined) {
    throw new PollResponseError(
      `${what}: row ${JSON.stringify(values)} has no readable \`${settings.modifiedField}\` (got ${JSON.stringify(row[settings.modifiedField]) ?? 'nothing'}); expected /Date(ms)/ or an ISO timestamp`,
    );
  }
  return { key: JSON.stringify(values), modifiedMs };
}

/**
 * One poll of an OData collection: reads from the durable watermark, follows the server's next links,
 * publishes each new row, and after each page advances the watermark by compare-and-set — only once
 * that page's publishes resolved, so a crash at any point re-reads from a watermark no later than the
 * last stored row. A server that does not keep `$orderby` (a row older than the one before it) has
 * its watermark advanced only at the end of the cycle, when every row up to then is stored.
 */
export async function pollODataOnce(context: PollCycleContext): Promise<PollCycleResult> {
  const { settings, http, state, publish } = context;
  const odata = settings.odata;
  if (!odata) throw new Error(`poll ${settings.name} has no odata settings`);
  const stateKey = `${settings.name}/watermark`;
  let stored = await state.get(stateKey);
  let watermark = parseWatermark(stored);
  // Rows already published at the watermark's own time come back first (`ge`); ask for room beyond them.
  const top = odata.pageSize + (watermark?.keys.length ?? 0);
  let url = http.urlOf(firstPagePath(odata, watermark?.at ?? odata.sinceMs, top));
  const headers: Record<string, string> = odata.version === 'v4' ? { prefer: `odata.maxpagesize=${odata.pageSize}` } : {};
  let rowsRead = 0;
  let published = 0;
  let ordered = true;
  let lastMs = Number.NEGATIVE_INFINITY;
  let unsaved: PolledRow[] = [];

  const checkpoint = async (): Promise<void> => {
    const next = advanceWatermark(watermark, unsaved);
    unsaved = [];
    if (!next) return;
    const now = Date.now();
    if (sameWatermark(next, watermark) && now - (watermark?.savedAt ?? 0) < WATERMARK_REFRESH_MS) return;
    const saved = { ...next, savedAt: now };
    const text = serialiseWatermark(saved);
    if (!(await state.update(stateKey, stored, text))) throw new PollStateConflict(`the watermark of poll ${settings.name}`);
    stored = text;
    watermark = saved;
  };

  for (let pages = 1; ; pages++) {
    const what = `${settings.system} poll ${settings.name} GET ${url.pathname}`;
    const page = readODataPage(await http.getJson(url, headers), odata.version, what);
    rowsRead += page.rows.length;
    const fresh: { row: Record<string, unknown>; polled: PolledRow }[] = [];
    for (const row of page.rows) {
      const polled = polledRowOf(row, odata, what);
      if (polled.modifiedMs < lastMs) ordered = false;
      lastMs = Math.max(lastMs, polled.modifiedMs);
      if (isNewRow(watermark, polled)) fresh.push({ row, polled });
    }
    await publishAll(fresh, ({ row, polled }) =>
      publish(settings.event, row, pollMessageId(settings.name, polled.key, new Date(polled.modifiedMs).toISOString())),
    );
    published += fresh.length;
    unsaved.push(...fresh.map((f) => f.polled));
    if (ordered) await checkpoint();
    if (!page.next) break;
    const nextUrl = http.nextUrl(page.next, url);
    if (nextUrl.href === url.href) throw new PollResponseError(`${what}: the next link points at the same page`);
    if (pages >= MAX_PAGES_PER_CYCLE) {
      await checkpoint();
      return { published, more: true };
    }
    url = nextUrl;
  }
  await checkpoint();
  // The query asked for `top` rows; a full answer means the collection may hold more right now.
  return { published, more: rowsRead >= top };
}
