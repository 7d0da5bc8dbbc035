import { FileParseError } from './file-parse-error.ts';
import { FILE_ENCODINGS, bomOf, decodeText } from './text-decoding.ts';
import type { FileEncoding } from './text-decoding.ts';

/** The `encoding="…"` of an XML declaration, read as ASCII from the file's first bytes. */
const DECLARATION = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']/;

/** The decoder's own name for a label (`latin1`, `ISO-8859-1` → `windows-1252`), or undefined if it knows none. */
function canonical(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/**
 * An XML file's bytes as text. XML says its own encoding, so it decides: a byte-order mark, else the
 * declaration's `encoding="…"`, else UTF-8 (XML's default) — the pickup's `encoding` need not be set.
 * When it is set, a declaration that says another encoding is refused rather than guessed between: a
 * file that contradicts what the partner agreed to send is named, not decoded one way or the other.
 * A declared encoding Interlace does not read (Shift_JIS, …) is refused too. The bytes are then
 * decoded as decodeText does (invalid bytes: FileParseError with byte offset and line).
 */
export function decodeXml(bytes: Uint8Array, encoding: FileEncoding | undefined): string {
  if (bomOf(bytes)) return decodeText(bytes, encoding ?? 'utf-8');
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const label = DECLARATION.exec(head)?.[1];
  if (label === undefined) return decodeText(bytes, encoding ?? 'utf-8');
  const declared = FILE_ENCODINGS.find((e) => e === label.toLowerCase()) ?? FILE_ENCODINGS.find((e) => canonical(e) === canonical(label));
  if (declared === undefined)
    throw new FileParseError(
      `line 1: the XML declaration says encoding="${label}", which Interlace does not read (it reads ${FILE_ENCODINGS.join(', ')})`,
      { line: 1 },
    );
  // Read as ASCII, the declaration was one byte a character: the file cannot be the UTF-16 it claims
  // (XML wants a BOM on UTF-16), and decoding it as UTF-16 would pair its bytes into nonsense.
  if (declared.startsWith('utf-16'))
    throw new FileParseError(
      `line 1: the XML declaration says encoding="${label}", but the file has no UTF-16 byte-order mark and its declaration is one byte a character; fix the partner's file`,
      { line: 1 },
    );
  if (encoding !== undefined && canonical(encoding) !== canonical(declared))
    throw new FileParseError(
      `line 1: the XML declaration says encoding="${label}", but the pickup's \`encoding\` is ${encoding}; fix the partner's file, or set \`encoding: ${declared}\` (or leave it out: an XML file's declaration then decides)`,
      { line: 1 },
    );
  return decodeText(bytes, declared);
}
