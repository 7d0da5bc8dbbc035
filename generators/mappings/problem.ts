import type { PathSegment } from '../../language/diagnostics/diagnostic.ts';

/**
 * A problem the generator found in a spec, before it is positioned in the YAML. The generate stage
 * turns these into Diagnostics with file:line:col.
 */
export interface GenerateProblem {
  code: string;
  /** Path into the spec document (`spec.rules[2].from`). */
  path: PathSegment[];
  message: string;
  hint: string;
  /** Point at the key rather than the value. */
  key?: boolean;
  severity?: 'error' | 'warning';
}
