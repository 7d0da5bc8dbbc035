/**
 * CSV as finance and partner systems exchange it: a header row, a delimiter (`,` `;` tab `|`), fields
 * quoted with `"` when they hold the delimiter, a quote or a line break (quotes doubled), and numbers
 * with a decimal point or a decimal comma.
 */
export interface CsvOptions {
  delimiter: string;
  /** `.` or `,`: how numbers are written, and read where the contract says number. */
  decimal: '.' | ',';
  /** Whether the first row names the columns (default true). */
  header: boolean;
}

export const DEFAULT_CSV: CsvOptions = { delimiter: ',', decimal: '.', header: true };

function needsQuotes(text: string, delimiter: string): boolean {
  return text.includes(delimiter) || /["\r\n]/.test(text) || text !== text.trim();
}

function cell(value: unknown, options: CsvOptions): string {
  if (value === undefined || value === null) return '';
  let text: string;
  if (typeof value === 'number') text = options.decimal === ',' ? String(value).replace('.', ',') : String(value);
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else text = JSON.stringify(value);
  return needsQuotes(text, options.delimiter) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A row's scalar fields with nested objects as dot paths (`customer.name`); lists stay out. */
function flatten(value: Record<string, unknown>, prefix = '', into: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, child] of Object.entries(value)) {
    if (Array.isArray(child)) continue;
    if (child !== null && typeof child === 'object') flatten(child as Record<string, unknown>, `${prefix}${key}.`, into);
    else into[`${prefix}${key}`] = child;
  }
  return into;
}

/**
 * The rows of a payload: a list is one row per item; an object with one list of objects (an invoice
 * with its lines) is one row per item, each with the object's own fields first (header fields repeat
 * on every line, as flat files carry them); any other object is one row.
 */
export function rowsOf(payload: unknown): Record<string, unknown>[] {
  if (Array.isArray(payload)) return payload.map((item) => (item !== null && typeof item === 'object' ? flatten(item) : { value: item }));
  if (payload === null || typeof payload !== 'object') return [{ value: payload }];
  const record = payload as Record<string, unknown>;
  const lists = Object.entries(record).filter(
    ([, v]) => Array.isArray(v) && v.length > 0 && v.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item)),
  );
  const own = flatten(record);
  if (lists.length !== 1) return [own];
  const [name, items] = lists[0] as [string, Record<string, unknown>[]];
  return items.map((item) => {
    const row: Record<string, unknown> = { ...own };
    for (const [key, value] of Object.entries(flatten(item))) row[Object.hasOwn(own, key) ? `${name}.${key}` : key] = value;
    return row;
  });
}

/** The payload as CSV text (CRLF line ends, RFC 4180); columns in first-seen order. */
export function writeCsv(payload: unknown, options: CsvOptions = DEFAULT_CSV): string {
  const rows = rowsOf(payload);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows)
    for (const key of Object.keys(row))
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
  const lines: string[] = [];
  if (options.header) lines.push(columns.map((c) => cell(c, options)).join(options.delimiter));
  for (const row of rows) lines.push(columns.map((c) => cell(row[c], options)).join(options.delimiter));
  return `${lines.join('\r\n')}\r\n`;
}
