import { readNumber, writeNumber } from './csv-number.ts';
import type { NumberFormat } from './csv-number.ts';
import { FileParseError } from './file-parse-error.ts';

/**
 * CSV as finance and partner systems exchange it: a header row, a delimiter (`,` `;` tab `|`), fields
 * quoted with `"` when they hold the delimiter, a quote or a line break (quotes doubled), and numbers
 * with a decimal point or a decimal comma, their thousands grouped or not (csv-number.ts).
 */
export interface CsvOptions extends NumberFormat {
  delimiter: string;
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
  if (typeof value === 'number') text = writeNumber(value, options);
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

/** How a column's text becomes a value: only where the contract says so does text become a number. */
export type ColumnType = 'string' | 'number' | 'integer' | 'boolean';

function typed(text: string, type: ColumnType, options: CsvOptions, where: () => string): unknown {
  if (type === 'string') return text;
  const trimmed = text.trim();
  if (type === 'boolean') {
    if (/^(true|1|yes|y)$/i.test(trimmed)) return true;
    if (/^(false|0|no|n)$/i.test(trimmed)) return false;
    throw new Error(`${where()}: "${trimmed.slice(0, 40)}" is not a boolean`);
  }
  const number = readNumber(text, options);
  if ('problem' in number) throw new Error(`${where()}: ${number.problem}`);
  if (type === 'integer' && !Number.isInteger(number.value)) throw new Error(`${where()}: "${trimmed}" is not a whole number`);
  return number.value;
}

/** Sets `a.b.c` in a row built from dotted header names; `__proto__` and friends are refused. */
function setPath(row: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = row;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const next = current[part];
    if (next === undefined || next === null || typeof next !== 'object') current[part] = Object.create(null) as Record<string, unknown>;
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1] as string] = value;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Reads CSV text into one object per data row, keyed by the header row (`customer.name` nests). Every
 * value is text unless `types` (from the record contract) says a column is a number, integer or
 * boolean. An empty cell is left out. Throws FileParseError naming the line: an unterminated quote, a
 * quote inside an unquoted field, a row with more or fewer fields than the header, a value that is not
 * the contract's type, a column of `required` (the contract's required fields) missing from the header
 * or empty in a row — named here, by line and column, rather than as a contract violation of an event
 * that no longer says which line of which file it came from.
 */
export function readCsv(
  text: string,
  options: CsvOptions,
  types: Readonly<Record<string, ColumnType>> = {},
  required: readonly string[] = [],
): Record<string, unknown>[] {
  const rows: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  let quoteLine = 1;
  const delimiter = options.delimiter;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = (): void => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '' && !quoted)) rows.push({ cells, line: rowLine });
    cells = [];
    cell = '';
    quoted = false;
  };
  for (let i = start; i < text.length; i++) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (cell !== '' || quoted) throw new FileParseError(`line ${line}: a quote inside an unquoted field`, { line });
      inQuotes = true;
      quoted = true;
      quoteLine = line;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
      quoted = false;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      // CRLF: the LF ends the row.
    } else if (ch === '\n') {
      endRow();
      line++;
      rowLine = line;
    } else {
      if (quoted) throw new FileParseError(`line ${line}: text after a closing quote`, { line });
      cell += ch;
    }
  }
  if (inQuotes) throw new FileParseError(`line ${quoteLine}: a quoted field is never closed`, { line: quoteLine });
  if (cell !== '' || cells.length > 0 || quoted) endRow();
  if (rows.length === 0) return [];
  let header: string[];
  let data = rows;
  if (options.header) {
    const first = rows[0] as { cells: string[]; line: number };
    header = first.cells.map((h) => h.trim());
    data = rows.slice(1);
    for (const name of header) {
      if (name === '') throw new FileParseError(`line ${first.line}: the header has an empty column name`, { line: first.line });
      if (name.split('.').some((part) => FORBIDDEN.has(part) || part === ''))
        throw new FileParseError(`line ${first.line}: "${name.slice(0, 40)}" is not a column name`, { line: first.line });
    }
    const missing = required.filter((name) => !header.includes(name));
    if (missing.length > 0)
      throw new FileParseError(
        `line ${first.line}: the header has no column ${missing.map((m) => `"${m}"`).join(', ')}, which the contract requires`,
        { line: first.line },
      );
  } else header = (rows[0] as { cells: string[] }).cells.map((_, i) => `column${i + 1}`);
  const mandatory = new Set(required);
  return data.map(({ cells: values, line: at }) => {
    if (values.length !== header.length)
      throw new FileParseError(`line ${at}: ${values.length} fields, the header has ${header.length}`, { line: at });
    const row = Object.create(null) as Record<string, unknown>;
    values.forEach((value, i) => {
      const column = header[i] as string;
      if (value === '') {
        if (mandatory.has(column))
          throw new FileParseError(`line ${at}, column ${column}: empty, but the contract requires ${column}`, { line: at });
        return;
      }
      try {
        setPath(
          row,
          column,
          typed(value, types[column] ?? 'string', options, () => `line ${at}, column ${column}`),
        );
      } catch (error) {
        throw new FileParseError((error as Error).message, { line: at });
      }
    });
    return { ...row };
  });
}
