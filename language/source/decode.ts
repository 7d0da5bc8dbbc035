import type { Diagnostic } from '../diagnostics/diagnostic.ts';

/**
 * Turns the bytes of a spec file into text, or explains why it cannot: binary content, invalid
 * UTF-8, or a byte-order mark. Pure; the working-tree reader and the git reader share it.
 */
export function decodeSpecBytes(path: string, bytes: Uint8Array): { text?: string; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  // UTF-16 text is full of NUL bytes; name its encoding rather than calling it binary.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    diagnostics.push({
      code: 'file-encoding',
      severity: 'error',
      file: path,
      path: [],
      range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
      message: `file is UTF-16 (${bytes[0] === 0xff ? 'little' : 'big'}-endian, by its byte-order mark), not UTF-8`,
      hint: 'Save the file as UTF-8 without BOM (for example `iconv -f utf-16 -t utf-8`).',
    });
    return { diagnostics };
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const at = positionOfByte(bytes, nul);
    diagnostics.push({
      code: 'file-binary',
      severity: 'error',
      file: path,
      path: [],
      range: { start: at, end: at },
      message: `file holds binary content (a NUL byte at offset ${nul}); it is not YAML`,
      hint: 'Remove it from the specs folder, or give it another extension if it must live there.',
    });
    return { diagnostics };
  }
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    start = 3;
    diagnostics.push({
      code: 'file-bom',
      severity: 'error',
      file: path,
      path: [],
      range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
      message: 'file starts with a UTF-8 byte-order mark',
      hint: 'Save the file as UTF-8 without BOM: a BOM is invisible in diffs and breaks tools that concatenate YAML streams (kubectl, kustomize).',
    });
  }
  const invalid = firstInvalidUtf8(bytes, start);
  if (invalid !== -1) {
    const at = positionOfByte(bytes, invalid);
    diagnostics.push({
      code: 'file-encoding',
      severity: 'error',
      file: path,
      path: [],
      range: { start: at, end: at },
      message: `file is not valid UTF-8 (byte 0x${(bytes[invalid] ?? 0).toString(16).padStart(2, '0')} at line ${at.line}, column ${at.column})`,
      hint: 'Convert the file to UTF-8 (for example `iconv -f latin1 -t utf-8`).',
    });
    return { diagnostics };
  }
  const text = new TextDecoder('utf-8').decode(start === 0 ? bytes : bytes.subarray(start));
  return { text, diagnostics };
}

/** Line and column (1-based, counting characters as bytes) of a byte offset. */
function positionOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Offset of the first byte that breaks UTF-8, or -1. Cheap when the file is ASCII. */
function firstInvalidUtf8(bytes: Uint8Array, from: number): number {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(from));
    return -1;
  } catch {
    // Only reached for a broken file: find where, so the message can point at it.
  }
  let i = from;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let extra: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      extra = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      extra = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      extra = 3;
      min = 0x10000;
    } else return i;
    let codePoint = b & (0x3f >> extra);
    for (let k = 1; k <= extra; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (c & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += extra + 1;
  }
  return -1;
}
