import type { FileEncoding } from './text-decoding.ts';

/** A character the file's encoding has no bytes for (a € in an iso-8859-1 file): never written as `?`. */
export class UnencodableText extends Error {
  override readonly name = 'UnencodableText';
}

/**
 * windows-1252's bytes 0x80–0x9F, taken from the decoder itself so writing and reading cannot disagree
 * (the other bytes are their own code points). Five bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) decode to the
 * C1 control of the same number, as in the WHATWG index, and are written back so.
 */
const WINDOWS_1252_HIGH: ReadonlyMap<number, number> = (() => {
  const text = new TextDecoder('windows-1252').decode(Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i));
  return new Map([...text].map((ch, i) => [ch.codePointAt(0) as number, 0x80 + i]));
})();

function singleByte(text: string, encoding: 'windows-1252' | 'iso-8859-1'): Buffer {
  const out = Buffer.alloc(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) as number;
    let byte: number | undefined;
    if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) byte = code;
    else if (encoding === 'windows-1252') byte = WINDOWS_1252_HIGH.get(code);
    else if (code <= 0x9f) byte = code;
    if (byte === undefined) {
      const ch = String.fromCodePoint(code);
      throw new UnencodableText(
        `${positionOf(text, i)}: "${ch}" (U+${code.toString(16).toUpperCase().padStart(4, '0')}) has no byte in ${encoding}; write the file as utf-8${encoding === 'iso-8859-1' ? ' or windows-1252' : ''}, or map the value to text the partner's encoding holds`,
      );
    }
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where a character is, as an editor shows it. */
function positionOf(text: string, index: number): string {
  const before = text.slice(0, index);
  return `line ${before.split('\n').length}, column ${index - before.lastIndexOf('\n')}`;
}

/** UTF-8 and UTF-16 hold every character, but not half of one: Node would write U+FFFD for it. */
function wholeCharacters(text: string): void {
  const lone = LONE_SURROGATE.exec(text);
  if (lone)
    throw new UnencodableText(
      `${positionOf(text, lone.index)}: half a character (U+${(lone[0].codePointAt(0) as number).toString(16).toUpperCase()}, a lone surrogate) cannot be written`,
    );
}

/**
 * Text as a file's bytes in `encoding`: UTF-8 without a byte-order mark (as before), UTF-16 with one
 * (readers of UTF-16 need it to know the byte order), windows-1252 and iso-8859-1 one byte a
 * character. A character the encoding cannot hold throws UnencodableText naming its line and column.
 */
export function encodeText(text: string, encoding: FileEncoding): Buffer {
  if (encoding === 'utf-8' || encoding === 'utf-16le' || encoding === 'utf-16be') wholeCharacters(text);
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf-16be':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    case 'windows-1252':
    case 'iso-8859-1':
      return singleByte(text, encoding);
  }
}
