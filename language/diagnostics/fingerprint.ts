import { createHash } from 'node:crypto';
import type { Diagnostic } from './diagnostic.ts';
import { formatPath } from './diagnostic.ts';

/**
 * A stable id for a finding: the rule, the file and the path in the document — not the line, so it
 * survives unrelated edits above it. Used by SARIF (dismissed alerts stay dismissed), by waivers and
 * by `--watch` to tell new findings from old ones.
 */
export function fingerprint(diagnostic: Pick<Diagnostic, 'code' | 'file' | 'path' | 'message' | 'fingerprint'>): string {
  if (diagnostic.fingerprint) return diagnostic.fingerprint;
  const anchor = diagnostic.path.length > 0 ? formatPath(diagnostic.path) : diagnostic.message;
  return createHash('sha256').update(`${diagnostic.code}\u0000${diagnostic.file}\u0000${anchor}`).digest('hex').slice(0, 16);
}
