/**
 * One page of an OData collection: the rows and the server's link to the next page. V2 wraps them as
 * `{"d": {"results": [...], "__next": "…"}}` (older services: `{"d": [...]}`); V4 as
 * `{"value": [...], "@odata.nextLink": "…"}`. Anything else is not a page: the poll fails and retries
 * later with its watermark unchanged.
 */
export interface ODataPage {
  readonly rows: readonly Record<string, unknown>[];
  readonly next: string | undefined;
}

/** A response that is not what the poll asked for (HTML from a proxy, a truncated body, another shape). */
export class PollResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PollResponseError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function rowsOf(list: unknown[], what: string): Record<string, unknown>[] {
  for (const row of list) if (!isRecord(row)) throw new PollResponseError(`${what}: a row is not an object`);
  return list as Record<string, unknown>[];
}

function linkOf(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new PollResponseError(`${what}: the next link is not a string`);
  return value;
}

/** Reads a parsed response body as a page of `version`; throws PollResponseError when it is none. */
export function readODataPage(body: unknown, version: 'v2' | 'v4', what: string): ODataPage {
  if (version === 'v2') {
    const d = isRecord(body) ? body.d : undefined;
    if (Array.isArray(d)) return { rows: rowsOf(d, what), next: undefined };
    if (isRecord(d) && Array.isArray(d.results)) return { rows: rowsOf(d.results, what), next: linkOf(d.__next, what) };
    throw new PollResponseError(`${what}: expected an OData V2 collection {"d": {"results": [...]}}`);
  }
  if (isRecord(body) && Array.isArray(body.value)) {
    return { rows: rowsOf(body.value, what), next: linkOf(body['@odata.nextLink'], what) };
  }
  throw new PollResponseError(`${what}: expected an OData V4 collection {"value": [...]}`);
}
