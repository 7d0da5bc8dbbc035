import { FileParseError } from './file-parse-error.ts';

/**
 * The encodings partner files come in (`encoding` of a file pickup or a `file` System's endpoint).
 * `iso-8859-1` decodes as windows-1252, as the WHATWG Encoding Standard (and so Node's TextDecoder and
 * every browser) defines it: real "Latin-1" files from Windows ERPs carry € and “ ” in 0x80–0x9F.
 */
export const FILE_ENCODINGS = ['utf-8', 'windows-1252', 'iso-8859-1', 'utf-16le', 'utf-16be'] as const;
export type FileEncoding = (typeof FILE_ENCODINGS)[number];

const BOMS: readonly { encoding: FileEncoding; bytes: readonly number[] }[] = [
  { encoding: 'utf-8', bytes: [0xef, 0xbb, 0xbf] },
  { encoding: 'utf-16le', bytes: [0xff, 0xfe] },
  { encoding: 'utf-16be', bytes: [0xfe, 0xff] },
];

/** The byte-order mark a file starts with, if any: it says the encoding whatever the setting says. */
export function bomOf(bytes: Uint8Array): { encoding: FileEncoding; length: number } | undefined {
  const bom = BOMS.find((b) => b.bytes.every((byte, i) => bytes[i] === byte));
  return bom ? { encoding: bom.encoding, length: bom.bytes.length } : undefined;
}

function decodes(bytes: Uint8Array, encoding: FileEncoding, stream: boolean): boolean {
  try {
    new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes, { stream });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first bytes that are not text in `encoding`, `[start, end)`. The decoder itself is the judge (so
 * this cannot disagree with it): the shortest prefix that fails when more bytes may follow ends with
 * the byte that gave the sequence away, and the longest whole-text prefix before it is where that
 * sequence starts. A file that only ends too early: `end` is its length.
 */
function firstInvalid(bytes: Uint8Array, encoding: FileEncoding): { start: number; end: number } {
  let end = bytes.length;
  if (!decodes(bytes, encoding, true)) {
    let lo = 0;
    let hi = bytes.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (decodes(bytes.subarray(0, mid), encoding, true)) lo = mid;
      else hi = mid;
    }
    end = hi;
  }
  // A character is at most four bytes: the bad sequence starts at most that far back.
  for (let start = end - 1; start >= Math.max(0, end - 5); start--)
    if (decodes(bytes.subarray(0, start), encoding, false)) return { start, end };
  return { start: 0, end };
}

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');

/**
 * A file's bytes as text. A byte-order mark (UTF-8, UTF-16LE, UTF-16BE) decides the encoding and is
 * dropped; otherwise `encoding`. Bytes that are not text in it throw FileParseError naming their byte
 * offset, line and column, and pointing at the `encoding` setting: a file is never silently decoded
 * into U+FFFD replacement characters.
 */
export function decodeText(bytes: Uint8Array, encoding: FileEncoding): string {
  const bom = bomOf(bytes);
  const actual = bom?.encoding ?? encoding;
  const skip = bom?.length ?? 0;
  const body = bytes.subarray(skip);
  try {
    return new TextDecoder(actual, { fatal: true, ignoreBOM: true }).decode(body);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const { start, end } = firstInvalid(body, actual);
  const before = new TextDecoder(actual, { ignoreBOM: true }).decode(body.subarray(0, start));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  const offset = start + skip;
  const truncated = decodes(body, actual, true);
  const what = truncated
    ? `the file ends in the middle of a ${actual} character (bytes ${hex(body.subarray(start))})`
    : `${end - start === 1 ? 'byte' : 'bytes'} ${hex(body.subarray(start, end))} ${end - start === 1 ? 'is' : 'are'} not ${actual} text`;
  const others = FILE_ENCODINGS.filter((e) => e !== actual).join(', ');
  const hint = bom
    ? `the file starts with a ${actual} byte-order mark`
    : `if the partner writes another encoding, set the pickup's \`encoding\` (${others})`;
  throw new FileParseError(`line ${line}, column ${column} (byte ${offset}): ${what}; ${hint}`, { line, offset });
}
