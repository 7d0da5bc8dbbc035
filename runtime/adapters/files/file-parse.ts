import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseEdifact } from '../../../generators/edi/edifact-parse.ts';
import { parseX12 } from '../../../generators/edi/x12-parse.ts';
import { readCsv } from './csv.ts';
import type { ColumnType, CsvOptions } from './csv.ts';
import { FileParseError } from './file-parse-error.ts';
import { jsonErrorOffset } from './json-error-offset.ts';
import { decodeText } from './text-decoding.ts';
import type { FileEncoding } from './text-decoding.ts';
import { decodeXml } from './xml-decoding.ts';

/** How a picked-up file becomes events (`System.spec.sources.files[].format`). */
export type FileParseSettings =
  | { format: 'json' }
  | { format: 'csv'; csv: CsvOptions; types: Readonly<Record<string, ColumnType>>; required: readonly string[] }
  | { format: 'x12' }
  | { format: 'edifact' }
  | { format: 'xml'; recordElement: string | undefined };

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

function parseJson(source: string): unknown[] {
  try {
    const value: unknown = JSON.parse(source);
    return Array.isArray(value) ? value : [value];
  } catch (error) {
    const offset = jsonErrorOffset(source);
    const line = lineOf(source, offset);
    const shown = JSON.stringify(source.slice(offset, offset + 20));
    throw new FileParseError(
      `line ${line}: not JSON at ${offset >= source.length ? 'the end of the file' : shown} (${(error as Error).message.split('\n')[0]?.slice(0, 120)})`,
      {
        line,
      },
    );
  }
}

/** One event per transaction set, in file order (docs/edi-x12.md); any problem makes the file poison. */
function parseX12File(source: string): unknown[] {
  const result = parseX12(source);
  const problem = result.problems[0];
  if (problem) throw new FileParseError(problem.message, { segment: problem.segment, line: problem.line });
  return (result.value?.groups ?? []).flatMap((group) => group.transactions);
}

/** One event per message (UNH…UNT, docs/edi-edifact.md); warnings (a missing UNZ) do not refuse the file. */
function parseEdifactFile(source: string): unknown[] {
  const result = parseEdifact(source);
  const problem = result.problems.find((p) => p.severity === 'error');
  if (problem) throw new FileParseError(problem.message, { segment: problem.segment, line: problem.line });
  return result.value?.messages ?? [];
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlText(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[name] ?? whole;
  });
}

const FORBIDDEN_NAME = /<\s*\/?\s*(__proto__|constructor|prototype)\b|\s(__proto__|constructor|prototype)\s*=/;

/**
 * XML with fast-xml-parser: no DOCTYPE (so no entity definitions, no expansion bombs, no external
 * entities), no entity processing at all, values kept as text, attributes as `@name`. The document is
 * one event, or each `recordElement` anywhere in it is one.
 */
function parseXml(source: string, recordElement: string | undefined): unknown[] {
  const doctype = /<!DOCTYPE/i.exec(source);
  if (doctype)
    throw new FileParseError(`line ${lineOf(source, doctype.index)}: a DOCTYPE is refused (no DTDs or entities in partner files)`, {
      line: lineOf(source, doctype.index),
    });
  const forbidden = FORBIDDEN_NAME.exec(source);
  if (forbidden)
    throw new FileParseError(`line ${lineOf(source, forbidden.index)}: the name ${forbidden[1] ?? forbidden[2]} is refused`, {
      line: lineOf(source, forbidden.index),
    });
  const valid = XMLValidator.validate(source);
  if (valid !== true)
    throw new FileParseError(`line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`, { line: valid.err.line });
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    // The five predefined entities and character references only: nothing expands to more than a character.
    tagValueProcessor: (_name: string, value: string) => decodeXmlText(value),
    attributeValueProcessor: (_name: string, value: string) => decodeXmlText(value),
  });
  const document = parser.parse(source) as Record<string, unknown>;
  if (recordElement === undefined) return [document];
  const records: unknown[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      if (key === recordElement) {
        if (Array.isArray(child)) records.push(...child);
        else records.push(child);
      } else visit(child);
    }
  };
  visit(document);
  return records;
}

/**
 * A file's text (text-decoding.ts): `encoding` (UTF-8 when unset) unless a byte-order mark says
 * otherwise; an XML file's own declaration decides for it (xml-decoding.ts). Throws FileParseError
 * with the byte offset and line of bytes that are not text in that encoding.
 */
export function decodeFile(bytes: Uint8Array, format: FileParseSettings['format'], encoding: FileEncoding | undefined): string {
  return format === 'xml' ? decodeXml(bytes, encoding) : decodeText(bytes, encoding ?? 'utf-8');
}

/**
 * The events in a file's text. Throws FileParseError, naming the line or segment, for a file that
 * does not parse: such a file goes to the error directory whole, none of its events published.
 */
export function parseText(source: string, settings: FileParseSettings): unknown[] {
  switch (settings.format) {
    case 'json':
      return parseJson(source);
    case 'csv':
      return readCsv(source, settings.csv, settings.types, settings.required);
    case 'x12':
      return parseX12File(source);
    case 'edifact':
      return parseEdifactFile(source);
    case 'xml':
      return parseXml(source, settings.recordElement);
  }
}
