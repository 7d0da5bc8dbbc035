import { ValidationSession } from '../../language/validation-session.ts';
import { estateFromDocuments } from './estate.ts';
import type { WorkerEstate } from './estate.ts';

/**
 * Reads and validates the specs (the same validation as `interlace validate`) and returns what a
 * worker needs. Errors are reported with the first few diagnostics; a worker never runs an estate
 * that does not validate.
 */
export function loadWorkerEstate(paths: readonly string[], cwd: string = process.cwd()): WorkerEstate {
  const run = new ValidationSession().run(paths, { cwd });
  const errors = run.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const shown = errors
      .slice(0, 5)
      .map((d) => `${d.file}:${d.range.start.line}: ${d.message}`)
      .join('\n  ');
    throw new Error(`the specs have ${errors.length} error(s); run \`interlace validate\`:\n  ${shown}`);
  }
  return estateFromDocuments(run.result.index.documents.map((doc) => ({ kind: doc.kind, value: doc.source.value })));
}
