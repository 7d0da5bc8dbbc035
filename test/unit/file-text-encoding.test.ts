// How partner files' bytes become text and back (runtime/adapters/files/text-decoding.ts,
// text-encoding.ts, xml-decoding.ts): real-world-shaped bytes from European ERPs, Excel exports and
// Windows tools. Bytes that are not text in the file's encoding are an error naming where they are,
// never U+FFFD; what a target cannot encode is an error, never `?`.
import { describe, expect, it } from 'vitest';
import { FileParseError } from '../../runtime/adapters/files/file-parse-error.ts';
import { decodeText } from '../../runtime/adapters/files/text-decoding.ts';
import type { FileEncoding } from '../../runtime/adapters/files/text-decoding.ts';
import { UnencodableText, encodeText } from '../../runtime/adapters/files/text-encoding.ts';
import { decodeXml } from '../../runtime/adapters/files/xml-decoding.ts';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const utf16le = (text: string) => Buffer.from(text, 'utf16le');
const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

function refusal(run: () => unknown): FileParseError {
  try {
    run();
  } catch (error) {
    if (error instanceof FileParseError) return error;
    throw error;
  }
  throw new Error('expected a FileParseError');
}

describe('decodeText', () => {
  const readable: [string, Buffer, FileEncoding, string][] = [
    ['plain UTF-8', Buffer.from('name;city\nMüller;Köln €\n'), 'utf-8', 'name;city\nMüller;Köln €\n'],
    ['UTF-8 with a BOM (Excel "CSV UTF-8")', bytes([0xef, 0xbb, 0xbf], 'a;b\n'), 'utf-8', 'a;b\n'],
    // A German ERP's export: ü = FC, ö = F6, € = 80, ß = DF, „“ = 84 93.
    [
      'windows-1252',
      bytes('M', [0xfc], 'ller;K', [0xf6], 'ln;', [0x80], ' 5;Stra', [0xdf], 'e;', [0x84], 'x', [0x93]),
      'windows-1252',
      'Müller;Köln;€ 5;Straße;„x“',
    ],
    ['iso-8859-1 (read as windows-1252, WHATWG)', bytes('M', [0xfc], 'ller ', [0x80]), 'iso-8859-1', 'Müller €'],
    ['windows-1252 undefined bytes become C1 controls, not errors', bytes([0x81, 0x9d]), 'windows-1252', '\u0081\u009d'],
    [
      'UTF-16LE with BOM (Windows "Unicode" text)',
      Buffer.concat([bytes([0xff, 0xfe]), utf16le('Müller;€\r\n')]),
      'utf-16le',
      'Müller;€\r\n',
    ],
    ['UTF-16BE with BOM', Buffer.concat([bytes([0xfe, 0xff]), utf16be('Müller;€')]), 'utf-16be', 'Müller;€'],
    ['UTF-16LE without BOM, as set', utf16le('a;b'), 'utf-16le', 'a;b'],
    ['a UTF-16LE BOM overrides a utf-8 setting', Buffer.concat([bytes([0xff, 0xfe]), utf16le('x')]), 'utf-8', 'x'],
    ['a UTF-8 BOM overrides a windows-1252 setting', bytes([0xef, 0xbb, 0xbf], [0xc3, 0xbc]), 'windows-1252', 'ü'],
    ['4-byte UTF-8', Buffer.from('a😀b'), 'utf-8', 'a😀b'],
    ['empty', Buffer.alloc(0), 'utf-8', ''],
  ];
  it.each(readable)('%s', (_, input, encoding, text) => {
    expect(decodeText(input, encoding)).toBe(text);
  });

  const broken: [string, Buffer, FileEncoding, { line: number; offset: number; message: string }][] = [
    [
      'a windows-1252 ü read as UTF-8, on line 2',
      bytes('name;city\nM', [0xfc], 'ller;Berlin\n'),
      'utf-8',
      { line: 2, offset: 11, message: 'line 2, column 2 (byte 11): byte FC is not utf-8 text' },
    ],
    [
      'a windows-1252 € after a UTF-8 BOM: the offset counts the BOM',
      bytes([0xef, 0xbb, 0xbf], 'a\nb\nprice ', [0x80]),
      'utf-8',
      {
        line: 3,
        offset: 13,
        message: 'line 3, column 7 (byte 13): byte 80 is not utf-8 text; the file starts with a utf-8 byte-order mark',
      },
    ],
    [
      'a two-byte sequence whose second byte is not a continuation: the offset is where it starts',
      bytes('ok ', [0xc3, 0x28]),
      'utf-8',
      { line: 1, offset: 3, message: 'line 1, column 4 (byte 3): bytes C3 28 are not utf-8 text' },
    ],
    [
      'an overlong encoding of "/" (C0 never starts a character)',
      bytes([0xc0, 0xaf]),
      'utf-8',
      { line: 1, offset: 0, message: 'byte C0 is not utf-8 text' },
    ],
    ['an encoded surrogate', bytes('x', [0xed, 0xa0, 0x80]), 'utf-8', { line: 1, offset: 1, message: 'bytes ED A0 are not utf-8 text' }],
    [
      'a file cut in the middle of a character',
      bytes('Gr', [0xc3, 0xbc], [0xc3]),
      'utf-8',
      { line: 1, offset: 4, message: 'the file ends in the middle of a utf-8 character (bytes C3)' },
    ],
    [
      'UTF-16 of an odd length',
      Buffer.concat([bytes([0xff, 0xfe]), utf16le('ab'), bytes([0x41])]),
      'utf-8',
      { line: 1, offset: 6, message: 'the file ends in the middle of a utf-16le character' },
    ],
    [
      'UTF-16 with a lone surrogate',
      Buffer.concat([utf16le('a\n'), bytes([0x00, 0xdc]), utf16le('b')]),
      'utf-16le',
      { line: 2, offset: 4, message: 'bytes 00 DC are not utf-16le text' },
    ],
  ];
  it.each(broken)('%s: an error with byte offset and line, no replacement characters', (_, input, encoding, expected) => {
    const error = refusal(() => decodeText(input, encoding));
    expect(error.line).toBe(expected.line);
    expect(error.offset).toBe(expected.offset);
    expect(error.message).toContain(expected.message);
  });

  it('points at the encoding setting when no BOM decided', () => {
    expect(refusal(() => decodeText(bytes([0xe4]), 'utf-8')).message).toContain(
      "set the pickup's `encoding` (windows-1252, iso-8859-1, utf-16le, utf-16be)",
    );
  });

  it('finds the bad byte deep in a large file', () => {
    const line = 'INV-1;Hamburg;1234,50\n';
    const input = Buffer.concat([Buffer.from(line.repeat(50_000)), bytes('M', [0xfc]), Buffer.from(line.repeat(1000))]);
    const error = refusal(() => decodeText(input, 'utf-8'));
    expect(error.line).toBe(50_001);
    expect(error.offset).toBe(line.length * 50_000 + 1);
  });
});

describe('decodeXml', () => {
  const latin1Xml = bytes('<?xml version="1.0" encoding="ISO-8859-1"?>\n<Order><City>K', [0xf6], 'ln</City></Order>');
  it("honours the declaration when the pickup's encoding is not set", () => {
    expect(decodeXml(latin1Xml, undefined)).toContain('<City>Köln</City>');
    expect(decodeXml(bytes("<?xml version='1.0' encoding='windows-1252' ?><a>", [0x80], '</a>'), undefined)).toContain('<a>€</a>');
  });
  it('reads a file without declaration as UTF-8, or as the pickup says', () => {
    expect(decodeXml(Buffer.from('<a>ü</a>'), undefined)).toBe('<a>ü</a>');
    expect(decodeXml(bytes('<a>', [0xfc], '</a>'), 'windows-1252')).toBe('<a>ü</a>');
    expect(refusal(() => decodeXml(bytes('<a>\n', [0xfc], '</a>'), undefined)).line).toBe(2);
  });
  it('accepts a declaration that agrees with the setting (iso-8859-1 and windows-1252 decode alike)', () => {
    expect(decodeXml(latin1Xml, 'windows-1252')).toContain('Köln');
    expect(decodeXml(Buffer.from('<?xml version="1.0" encoding="utf-8"?><a>ü</a>'), 'utf-8')).toContain('ü');
  });
  it('refuses a declaration that contradicts the setting, and one it cannot read', () => {
    expect(refusal(() => decodeXml(latin1Xml, 'utf-8')).message).toBe(
      "line 1: the XML declaration says encoding=\"ISO-8859-1\", but the pickup's `encoding` is utf-8; fix the partner's file, or set `encoding: iso-8859-1` (or leave it out: an XML file's declaration then decides)",
    );
    expect(refusal(() => decodeXml(Buffer.from('<?xml version="1.0" encoding="Shift_JIS"?><a/>'), undefined)).message).toContain(
      'encoding="Shift_JIS", which Interlace does not read',
    );
  });
  it('refuses a file that declares UTF-16 in one-byte text (decoding it so would pair bytes into nonsense)', () => {
    expect(refusal(() => decodeXml(Buffer.from('<?xml version="1.0" encoding="UTF-16"?><a>x</a>'), undefined)).message).toContain(
      'has no UTF-16 byte-order mark',
    );
  });
  it('refuses a declared UTF-8 file that holds windows-1252 bytes, with the position', () => {
    const error = refusal(() => decodeXml(bytes('<?xml version="1.0" encoding="UTF-8"?>\n<a>', [0xe9], '</a>'), undefined));
    expect([error.line, error.offset]).toEqual([2, 42]);
  });
  it('lets a BOM decide', () => {
    expect(
      decodeXml(Buffer.concat([bytes([0xff, 0xfe]), utf16le('<?xml version="1.0" encoding="UTF-16"?><a>€</a>')]), undefined),
    ).toContain('<a>€</a>');
  });
});

describe('encodeText', () => {
  it('writes every windows-1252 byte back as the decoder reads it', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(encodeText(decodeText(all, 'windows-1252'), 'windows-1252')).toEqual(all);
    expect(encodeText('Müller € „x“ – Straße', 'windows-1252')).toEqual(
      bytes('M', [0xfc], 'ller ', [0x80], ' ', [0x84], 'x', [0x93], ' ', [0x96], ' Stra', [0xdf], 'e'),
    );
  });
  it('writes iso-8859-1 one byte a character and refuses what it does not hold', () => {
    expect(encodeText('Müller', 'iso-8859-1')).toEqual(bytes('M', [0xfc], 'ller'));
    expect(() => encodeText('a;b\r\nx;5 €', 'iso-8859-1')).toThrow(
      new UnencodableText(
        'line 2, column 5: "€" (U+20AC) has no byte in iso-8859-1; write the file as utf-8 or windows-1252, or map the value to text the partner\'s encoding holds',
      ),
    );
    expect(() => encodeText('😀', 'windows-1252')).toThrow(/"😀" \(U\+1F600\) has no byte in windows-1252/);
  });
  it('refuses half a character (a lone surrogate) rather than writing U+FFFD', () => {
    for (const encoding of ['utf-8', 'utf-16le', 'utf-16be'] as const)
      expect(() => encodeText('a;b\nx;\ud83d!', encoding)).toThrow(
        new UnencodableText('line 2, column 3: half a character (U+D83D, a lone surrogate) cannot be written'),
      );
    expect(() => encodeText('\ude00', 'utf-8')).toThrow(/U\+DE00/);
  });
  it('writes UTF-8 without and UTF-16 with a byte-order mark, read back the same', () => {
    expect(encodeText('ü', 'utf-8')).toEqual(Buffer.from([0xc3, 0xbc]));
    for (const encoding of ['utf-16le', 'utf-16be'] as const) {
      const written = encodeText('Müller;€😀\r\n', encoding);
      expect(written.subarray(0, 2)).toEqual(Buffer.from(encoding === 'utf-16le' ? [0xff, 0xfe] : [0xfe, 0xff]));
      expect(decodeText(written, 'utf-8')).toBe('Müller;€😀\r\n');
    }
  });
});
