/** One word for a schema change, for summaries and version-bump checks. */
import { findIncompatibilities } from './find-incompatibilities.ts';
import { modeChecks } from './check-compatibility.ts';
import { schemasEqual } from './equality.ts';
import type { CompatibilityMode } from './types.ts';

/**
 * Classifies the change from `before` to `after`:
 * - 'none': the same schema after normalization (local `$ref`s resolved, `allOf` flattened, key order
 *   and the order of `required`, `type` and `enum` ignored), annotations included;
 * - 'docs': only annotations differ (title, description, examples, $comment, deprecated, readOnly,
 *   writeOnly, content*, x-* keywords, and `default` of properties that are not required);
 * - 'breaking': at least one incompatibility in a direction `mode` checks (BACKWARD: `after` reading
 *   data written with `before`; FORWARD: the reverse; FULL: both; the _TRANSITIVE forms behave like
 *   their plain forms for a single pair);
 * - 'additive': any other change — assertions changed, but none breaks the directions `mode` checks.
 *   Under NONE nothing is checked, so a changed schema is always 'additive'.
 */
export function classifySchemaChange(before: object, after: object, mode: CompatibilityMode): 'none' | 'docs' | 'additive' | 'breaking' {
  if (schemasEqual(before, after, { annotations: true })) return 'none';
  if (schemasEqual(before, after, { annotations: false })) return 'docs';
  const { backward, forward } = modeChecks(mode);
  if (backward && findIncompatibilities(after, before).length > 0) return 'breaking';
  if (forward && findIncompatibilities(before, after).length > 0) return 'breaking';
  return 'additive';
}
