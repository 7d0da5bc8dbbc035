import type { Diagnostic } from './diagnostics/diagnostic.ts';
import { compareDiagnostics } from './diagnostics/diagnostic.ts';
import type { LoadedDocument } from './load/loaded-document.ts';
import { parseSpecFile } from './load/parse-file.ts';
import type { ParseResult } from './load/parse-file.ts';
import { readSpecFile, readWorkingTree } from './source/read-working-tree.ts';
import type { ReadOptions, ReadResult } from './source/read-working-tree.ts';
import { validateEstate } from './validate/validate-estate.ts';
import type { DocumentCheckCache, ValidationResult } from './validate/validate-estate.ts';

export interface ValidationRun {
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
  fileCount: number;
  documentCount: number;
  result: ValidationResult;
}

/**
 * Reads, loads and validates a working tree. Keeps what it read and parsed, so that `--watch`
 * re-reads only the files that changed and re-parses and re-checks only documents whose text changed;
 * the estate-wide checks (references, cycles) run again over everything, as they must.
 */
export class ValidationSession {
  private readonly parsed = new Map<string, { text: string; result: ParseResult }>();
  /** Per-document check results; shared with `check --base` so unchanged base documents are not checked twice. */
  readonly checks: DocumentCheckCache = new WeakMap();
  private last?: { paths: readonly string[]; options: ReadOptions; read: ReadResult };

  /** Reads the whole tree again (the first run, and after files were added, removed or renamed). */
  run(paths: readonly string[], options: ReadOptions = {}): ValidationRun {
    const read = readWorkingTree(paths, options);
    this.last = { paths, options, read };
    return this.validate(read);
  }

  /**
   * Re-reads only the given files (absolute paths, as a watcher reports them). Falls back to a full
   * run when one of them is not a file the last run read (it was created, or is a folder).
   */
  update(changedRealPaths: readonly string[]): ValidationRun {
    if (!this.last) throw new Error('update() before run()');
    const { read, paths, options } = this.last;
    const byReal = new Map(read.files.map((file, i) => [file.realPath, i]));
    if (changedRealPaths.some((path) => !byReal.has(path))) return this.run(paths, options);
    const files = [...read.files];
    let diagnostics = read.diagnostics;
    for (const real of changedRealPaths) {
      const i = byReal.get(real)!;
      const shown = files[i]!.path;
      const again = readSpecFile(real, shown, options.maxFileBytes);
      if (!again.file) return this.run(paths, options);
      files[i] = { ...again.file, realPath: real };
      diagnostics = [...diagnostics.filter((d) => d.file !== shown), ...again.diagnostics];
    }
    const next = { files, diagnostics };
    this.last = { paths, options, read: next };
    return this.validate(next);
  }

  /** The parsed file at `path` if its text is exactly `text` (a base revision can reuse it instead of parsing again). */
  parsedFile(path: string, text?: string): ParseResult | undefined {
    const entry = this.parsed.get(path);
    return entry && (text === undefined || entry.text === text) ? entry.result : undefined;
  }

  private validate(read: ReadResult): ValidationRun {
    const sources = new Map<string, string>();
    const documents: LoadedDocument[] = [];
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
