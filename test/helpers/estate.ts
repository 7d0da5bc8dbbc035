import { loadSources } from '../../language/load/load-sources.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';
import type { ValidationResult } from '../../language/validate/validate-estate.ts';

/** Loads and validates in-memory spec files; fails the test when they are not valid, so rule tests start from a clean estate. */
export function estateOf(files: Record<string, string>, options: { allowInvalid?: boolean } = {}): ValidationResult {
  const loaded = loadSources(Object.entries(files).map(([path, text]) => ({ path, text })));
  const result = validateEstate(loaded.documents);
  const problems = [...loaded.diagnostics, ...result.diagnostics];
  if (problems.length > 0 && !options.allowInvalid) {
    throw new Error(`test estate is invalid:\n${problems.map((d) => `${d.file}:${d.range.start.line} ${d.code} ${d.message}`).join('\n')}`);
  }
  return result;
}
