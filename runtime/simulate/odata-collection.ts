/**
 * A simulated OData collection that answers queries as real services do, for the pollers
 * (runtime/adapters/sources/poll) and the systems that are polled: `$filter` with typed literals that
 * a real service checks (V2: `datetimeoffset'…'` for an Edm.DateTimeOffset, `datetime'…'` for an
 * Edm.DateTime, a bare timestamp refused; V4: a bare ISO timestamp, the V2 forms refused), `$orderby`,
 * `$top`, `$select`, `$expand` (navigation properties are left out unless expanded), and server-driven
 * paging: a server page size below `$top` ends the page with `d.__next` (V2) or `@odata.nextLink`
 * (V4) carrying a `$skiptoken` that names the last row's sort values, as Business Central and SAP's
 * CDS services do. A query the simulator does not understand is a 400, never silently ignored.
 */
import type { SimReply } from './sim-http.ts';

type Row = Record<string, unknown>;

export type ODataFieldType = 'string' | 'number' | 'boolean' | 'DateTimeOffset' | 'DateTime';

export interface ODataCollectionOptions {
  version: 'v2' | 'v4';
  /** Key fields (the default order). */
  key: readonly string[];
  /** The fields `$filter` and `$orderby` may name, with their Edm types. */
  fields: Readonly<Record<string, ODataFieldType>>;
  /** Navigation properties, sent only when `$expand`ed. */
  navigation?: readonly string[];
  /** Rows per page the server sends at most, whatever `$top` asks. */
  maxPageSize: number;
}

type Literal = string | number | boolean | null;

interface Condition {
  field: string;
  op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
  value: Literal;
}

class QueryError extends Error {}

function badRequest(version: 'v2' | 'v4', message: string): SimReply {
  return version === 'v2'
    ? { status: 400, body: { error: { code: 'SY/530', message: { lang: 'en', value: message } } } }
    : { status: 400, body: { error: { code: 'BadRequest', message } } };
}

/** Epoch ms of `/Date(ms[+-]offset)/` or ISO text (the simulator's own reading, independent of the poller's). */
function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const v2 = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  if (v2) return Number(v2[1]);
  const ms = Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

const ISO_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?/;

function literalOf(text: string, type: ODataFieldType, version: 'v2' | 'v4'): Literal {
  if (text === 'null') return null;
  if (type === 'string') {
    const m = /^'((?:[^']|'')*)'$/.exec(text);
    if (!m) throw new QueryError(`a string literal is quoted: ${text}`);
    return m[1]!.replaceAll("''", "'");
  }
  if (type === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new QueryError(`not a number literal: ${text}`);
    return Number(text);
  }
  if (type === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new QueryError(`not a boolean literal: ${text}`);
    return text === 'true';
  }
  if (version === 'v4') {
    if (!ISO_TEXT.test(text) || !/(Z|[+-]\d\d:\d\d)$/.test(text)) {
      throw new QueryError(`Edm.DateTimeOffset literals are bare ISO 8601 with a zone in OData V4, got ${text}`);
    }
    return Date.parse(text);
  }
  const prefix = type === 'DateTime' ? 'datetime' : 'datetimeoffset';
  const m = new RegExp(`^${prefix}'([^']+)'$`).exec(text);
  if (!m || !ISO_TEXT.test(m[1]!))
    throw new QueryError(`Invalid parametertype used at function '' (Position: ${prefix}'…' expected, got ${text})`);
  if (type === 'DateTime' && /(Z|[+-]\d\d:\d\d)$/.test(m[1]!)) throw new QueryError(`a datetime literal has no zone: ${text}`);
  return Date.parse(type === 'DateTime' ? `${m[1]}Z` : m[1]!);
}

/** Splits on ` and ` outside quotes and parentheses. */
function conjuncts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth === 0 && text.startsWith(' and ', i)) {
      parts.push(text.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function parseFilter(text: string, options: ODataCollectionOptions): Condition[] {
  const out: Condition[] = [];
  for (let part of conjuncts(text)) {
    while (part.startsWith('(') && part.endsWith(')')) part = part.slice(1, -1).trim();
    if (conjuncts(part).length > 1) {
      out.push(...parseFilter(part, options));
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*) (eq|ne|gt|ge|lt|le) (.+)$/.exec(part);
    if (!m) throw new QueryError(`unsupported filter expression: ${part}`);
    const type = options.fields[m[1]!];
    if (!type) throw new QueryError(`Property '${m[1]}' not found`);
    out.push({ field: m[1]!, op: m[2] as Condition['op'], value: literalOf(m[3]!, type, options.version) });
  }
  return out;
}

function comparable(row: Row, field: string, type: ODataFieldType | undefined): Literal {
  const value = row[field];
  if (type === 'DateTimeOffset' || type === 'DateTime') return timeOf(value) ?? null;
  return (value ?? null) as Literal;
}

function compare(a: Literal, b: Literal): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function holds(row: Row, c: Condition, options: ODataCollectionOptions): boolean {
  const cmp = compare(comparable(row, c.field, options.fields[c.field]), c.value);
  switch (c.op) {
    case 'eq':
      return cmp === 0;
    case 'ne':
      return cmp !== 0;
    case 'gt':
      return cmp > 0;
    case 'ge':
      return cmp >= 0;
    case 'lt':
      return cmp < 0;
    case 'le':
      return cmp <= 0;
  }
}

function parseOrderBy(text: string | null, options: ODataCollectionOptions): { field: string; desc: boolean }[] {
  if (!text) return options.key.map((field) => ({ field, desc: false }));
  return text.split(',').map((term) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/.exec(term);
    if (!m || !options.fields[m[1]!]) throw new QueryError(`unsupported $orderby term: ${term}`);
    return { field: m[1]!, desc: m[2] === 'desc' };
  });
}

/**
 * Answers `GET <collection>?<query>` over `rows`. `requestUrl` is the URL as the client sent it
 * (its origin and path build the next link).
 */
export function queryODataCollection(rows: readonly Row[], requestUrl: URL, options: ODataCollectionOptions): SimReply {
  const query = requestUrl.searchParams;
  try {
    for (const name of query.keys()) {
      if (name.startsWith('$') && !['$filter', '$orderby', '$top', '$skiptoken', '$expand', '$select', '$format'].includes(name)) {
        throw new QueryError(`System query option '${name}' is not supported`);
      }
    }
    if (options.version === 'v2' && query.get('$format') !== null && query.get('$format') !== 'json') {
      throw new QueryError('only $format=json is served');
    }
    const conditions = query.get('$filter') ? parseFilter(query.get('$filter')!, options) : [];
    const order = parseOrderBy(query.get('$orderby'), options);
    // The order must be total for a skip token to name a position: the key breaks ties.
    for (const field of options.key) if (!order.some((o) => o.field === field)) order.push({ field, desc: false });
    const topText = query.get('$top');
    if (topText !== null && !/^\d{1,7}$/.test(topText)) throw new QueryError(`$top must be a whole number, got ${topText}`);
    const top = topText === null ? Number.POSITIVE_INFINITY : Number(topText);
    const expand = (query.get('$expand') ?? '').split(',').filter(Boolean);
    for (const nav of expand)
      if (!options.navigation?.includes(nav)) throw new QueryError(`Property '${nav}' is not a navigation property`);
    const select = (query.get('$select') ?? '').split(',').filter(Boolean);

    const sortKey = (row: Row): Literal[] => order.map((o) => comparable(row, o.field, options.fields[o.field]));
    const cmpRows = (a: Literal[], b: Literal[]): number => {
      for (let i = 0; i < order.length; i++) {
        const c = compare(a[i]!, b[i]!);
        if (c !== 0) return order[i]!.desc ? -c : c;
      }
      return 0;
    };
    let matched = rows.filter((row) => conditions.every((c) => holds(row, c, options))).map((row) => ({ row, key: sortKey(row) }));
    matched.sort((a, b) => cmpRows(a.key, b.key));
    // `$skiptoken`: the sort values of the last row sent and how many rows were sent before.
    let sent = 0;
    const token = query.get('$skiptoken');
    if (token !== null) {
      let decoded: { after: Literal[]; sent: number };
      try {
        decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after: Literal[]; sent: number };
      } catch {
        throw new QueryError('invalid $skiptoken');
      }
      sent = decoded.sent;
      matched = matched.filter((m) => cmpRows(m.key, decoded.after) > 0);
    }
    const room = Math.max(0, top - sent);
    const page = matched.slice(0, Math.min(room, options.maxPageSize));
    const more = page.length < matched.length && sent + page.length < top;
    const shaped = page.map(({ row }) => {
      const out: Row = {};
      for (const [field, value] of Object.entries(row)) {
        if (options.navigation?.includes(field) && !expand.includes(field)) continue;
        if (select.length > 0 && !select.includes(field) && !expand.includes(field) && !field.startsWith('@') && field !== '__metadata')
          continue;
        out[field] = value;
      }
      return out;
    });
    let next: string | undefined;
    if (more) {
      const last = page[page.length - 1]!;
      const url = new URL(requestUrl);
      url.searchParams.set('$skiptoken', Buffer.from(JSON.stringify({ after: last.key, sent: sent + page.length })).toString('base64url'));
      next = url.href;
    }
    if (options.version === 'v2') return { status: 200, body: { d: { results: shaped, ...(next ? { __next: next } : {}) } } };
    return { status: 200, body: { value: shaped, ...(next ? { '@odata.nextLink': next } : {}) } };
  } catch (error) {
    if (error instanceof QueryError) return badRequest(options.version, error.message);
    throw error;
  }
}
