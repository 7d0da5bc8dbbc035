import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';

export interface FormatInput {
  diagnostics: readonly Diagnostic[];
  /** File text by path, for code frames; files absent here are shown without one. */
  sources: ReadonlyMap<string, string>;
  /** Number of files and documents looked at, for the closing line. */
  fileCount: number;
  documentCount: number;
  color: boolean;
  toolVersion: string;
}

/** A formatter is a pure function from diagnostics to the text written to stdout. */
export type Formatter = (input: FormatInput) => string;
