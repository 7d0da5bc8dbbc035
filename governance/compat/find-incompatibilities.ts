/** The pairwise check: every reason why a reader schema may reject data a writer schema accepts. */
import { Comparison } from './compare.ts';
import { conj } from './conjunction.ts';
import type { FindOptions, Incompatibility } from './types.ts';

/**
 * Every reason why `reader` may reject an instance that `writer` accepts (draft 2020-12, local
 * `$ref`s resolved). Empty = compatible. Findings are ordered by where they were found (depth-first,
 * reader property order) and deduplicated.
 */
export function findIncompatibilities(reader: object | boolean, writer: object | boolean, options: FindOptions = {}): Incompatibility[] {
  const comparison = new Comparison({
    reader: options.readerLabel ?? 'the reader schema',
    writer: options.writerLabel ?? 'the writer schema',
  });
  const r = asSchema(reader);
  const w = asSchema(writer);
  comparison.compare(conj(r, [{ schema: r, ptr: '' }]), conj(w, [{ schema: w, ptr: '' }]), '');
  if (comparison.exhausted) comparison.report('too-complex', '', '');
  return dedupe(comparison.result());
}

/** Anything that is not a schema (null, arrays) constrains nothing, as `true` does. */
function asSchema(value: unknown): unknown {
  return typeof value === 'boolean' || (typeof value === 'object' && value !== null && !Array.isArray(value)) ? value : true;
}

/** The same finding reached twice (a base property checked once per writer alternative) is kept once. */
function dedupe(findings: Incompatibility[]): Incompatibility[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.change}\u0000${f.field}\u0000${f.schemaPointer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
