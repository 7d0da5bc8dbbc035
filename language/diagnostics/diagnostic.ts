/**
 * The one problem report used by every stage: YAML syntax errors, schema errors, unresolved
 * references, policy findings, breaking changes and mapping type errors are all Diagnostics that
 * point into the user's YAML. User mistakes are returned as Diagnostics, never thrown.
 */

/** Ordered from most to least severe; `--fail-severity` compares by this order. */
export const SEVERITIES = ['error', 'warning', 'info', 'hint'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A 1-based line and column, as editors and CI annotations show them. */
export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** One segment of a path into a YAML document: a mapping key or a sequence index. */
export type PathSegment = string | number;

export interface Diagnostic {
  /** Stable rule id, e.g. `schema-unknown-field`; documented in docs/diagnostics.md. */
  code: string;
  severity: Severity;
  /** What is wrong, in the user's words. */
  message: string;
  /** Path of the file as given on the command line (relative to the working directory when possible). */
  file: string;
  range: Range;
  /** Where in the document the problem is; empty for file-level problems. */
  path: PathSegment[];
  /** What to do about it. */
  hint?: string;
  /** Stable id of the finding when the stage that made it knows better than file + path (governance uses the document identity). */
  fingerprint?: string;
}

export const FILE_START: Range = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };

/** True when `severity` is at least as severe as `threshold`. */
export function isAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/** Renders a path the way users write it: `spec.rules[2].target`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Sorts diagnostics by file, then position, then code, so every formatter prints a stable order. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.range.start.line !== b.range.start.line) return a.range.start.line - b.range.start.line;
  if (a.range.start.column !== b.range.start.column) return a.range.start.column - b.range.start.column;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}
