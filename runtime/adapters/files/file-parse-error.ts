/**
 * Where a CSV, JSON, XML or EDI file could not be read: a 1-based line (and column or segment), and for
 * bytes that are not text in the file's encoding, their 0-based byte offset in the file.
 */
export class FileParseError extends Error {
  override readonly name = 'FileParseError';
  readonly line: number | undefined;
  readonly segment: number | undefined;
  readonly offset: number | undefined;
  constructor(message: string, at: { line?: number | undefined; segment?: number | undefined; offset?: number | undefined } = {}) {
    super(message);
    this.line = at.line;
    this.segment = at.segment;
    this.offset = at.offset;
  }
}
