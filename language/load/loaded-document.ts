import type { Document, LineCounter } from 'yaml';

/**
 * One YAML document of a spec file, kept with its syntax tree so that any path in its value maps back
 * to file:line:col. `value` is the plain data every later stage reads.
 */
export interface LoadedDocument {
  file: string;
  /** Position of the document in a multi-document file, from 0. */
  index: number;
  /** The parsed document, for positions. */
  yaml: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain JSON-compatible data (a mapping; anything else is rejected at load). */
  value: Record<string, unknown>;
}
