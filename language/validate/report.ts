import type { Diagnostic, PathSegment, Severity } from '../diagnostics/diagnostic.ts';
import { locate } from '../diagnostics/locate.ts';
import type { SpecDocument } from './estate-index.ts';
import { CODES } from '../diagnostics/codes.ts';
import type { Code } from '../diagnostics/codes.ts';

/** Collects diagnostics about spec documents, locating each path in the document's YAML. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  add(
    doc: Pick<SpecDocument, 'source'>,
    code: Code,
    path: PathSegment[],
    message: string,
    hint: string,
    options: { key?: boolean; severity?: Severity } = {},
  ): void {
    this.diagnostics.push({
      code,
      severity: options.severity ?? CODES[code].severity,
      message,
      hint,
      file: doc.source.file,
      path,
      range: locate(doc.source, path, { key: options.key }),
    });
  }
}
