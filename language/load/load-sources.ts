import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { SourceFile } from '../source/source-file.ts';
import type { LoadedDocument } from './loaded-document.ts';
import { parseSpecFile } from './parse-file.ts';

export interface LoadResult {
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
}

/** Parses every source file; a broken file never hides the others. Pure. */
export function loadSources(files: readonly SourceFile[]): LoadResult {
  const documents: LoadedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    const result = parseSpecFile(file);
    documents.push(...result.documents);
    diagnostics.push(...result.diagnostics);
  }
  return { documents, diagnostics };
}
