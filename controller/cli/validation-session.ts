import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { compareDiagnostics } from '../diagnostics/diagnostic.ts';
import { parseSpecFile } from '../load/parse-file.ts';
import type { ParseResult } from '../load/parse-file.ts';
import { readWorkingTree } from '../source/read-working-tree.ts';
import type { ReadOptions } from '../source/read-working-tree.ts';
import { validateEstate } from '../validate/validate-estate.ts';
import type { DocumentCheckCache, ValidationResult } from '../validate/validate-estate.ts';

export interface ValidationRun {
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
  fileCount: number;
  documentCount: number;
  result: ValidationResult;
}

/**
 * Reads, loads and validates a working tree. Keeps what it parsed, so a second run (`--watch`)
 * re-parses and re-checks only the files whose text changed.
 */
export class ValidationSession {
  private readonly parsed = new Map<string, { text: string; result: ParseResult }>();
  private readonly checks: DocumentCheckCache = new WeakMap();

  run(paths: readonly string[], options: ReadOptions = {}): ValidationRun {
    const read = readWorkingTree(paths, options);
    const sources = new Map<string, string>();
    const documents = [];
    const diagnostics: Diagnostic[] = [...read.diagnostics];
    const live = new Set<string>();
    for (const file of read.files) {
      live.add(file.path);
      sources.set(file.path, file.text);
      let entry = this.parsed.get(file.path);
      if (!entry || entry.text !== file.text) {
        entry = { text: file.text, result: parseSpecFile(file) };
        this.parsed.set(file.path, entry);
      }
      documents.push(...entry.result.documents);
      diagnostics.push(...entry.result.diagnostics);
    }
    for (const path of this.parsed.keys()) if (!live.has(path)) this.parsed.delete(path);
    const result = validateEstate(documents, this.checks);
    diagnostics.push(...result.diagnostics);
    diagnostics.sort(compareDiagnostics);
    return { diagnostics, sources, fileCount: read.files.length, documentCount: documents.length, result };
  }
}
