import { createHash } from 'node:crypto';
import type { Diagnostic, PathSegment, Severity } from '../language/diagnostics/diagnostic.ts';
import { formatPath } from '../language/diagnostics/diagnostic.ts';
import { locate } from '../language/diagnostics/locate.ts';
import type { SpecDocument } from '../language/validate/estate-index.ts';
import { identityOf } from '../language/validate/estate-index.ts';

/** A policy or breaking-change finding about one document, before it becomes a Diagnostic. */
export interface Finding {
  rule: string;
  severity: Severity;
  doc: SpecDocument;
  path: PathSegment[];
  message: string;
  hint: string;
  /** Extra text that makes the finding distinct when one rule fires twice at one path. */
  discriminator?: string;
}

/** A Diagnostic with what governance adds: the document it is about and a stable fingerprint. */
export interface CheckDiagnostic extends Diagnostic {
  /** `Kind/name@major` of the document, for waivers and the pull-request summary. */
  target: string;
  /** Stable across unrelated edits and file moves: rule + document identity + path (+ discriminator). */
  fingerprint: string;
}

export function findingFingerprint(finding: Pick<Finding, 'rule' | 'doc' | 'path' | 'discriminator'>): string {
  const key = `${finding.rule}\u0000${identityOf(finding.doc)}\u0000${formatPath(finding.path)}\u0000${finding.discriminator ?? ''}`;
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function toDiagnostic(finding: Finding): CheckDiagnostic {
  return {
    code: finding.rule,
    severity: finding.severity,
    message: finding.message,
    hint: finding.hint,
    file: finding.doc.source.file,
    path: finding.path,
    range: locate(finding.doc.source, finding.path),
    target: identityOf(finding.doc),
    fingerprint: findingFingerprint(finding),
  };
}
