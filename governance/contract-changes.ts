import { isDeepStrictEqual } from 'node:util';
import { pointerToPath } from '../language/schema/json-pointer.ts';
import type { SpecDocument } from '../language/validate/estate-index.ts';
import type { BreakingChange, ChangeSize } from './breaking-change.ts';
import { checkCompatibility, classifySchemaChange } from './compat/index.ts';
import type { CompatibilityMode } from './compat/index.ts';

export interface ContractVersion {
  version: string;
  schema: object;
}

/**
 * Breaking changes of a data contract within its major, under the contract's own compatibility
 * mode, and the size of the change (which decides the version bump). `earlier` holds the versions
 * of this major found in history, oldest first; the base version is always last.
 */
export function compareContracts(
  before: SpecDocument<'DataContract'>,
  after: SpecDocument<'DataContract'>,
  earlier: readonly ContractVersion[],
): { breaking: BreakingChange[]; size: ChangeSize } {
  const mode: CompatibilityMode = after.spec.compatibility ?? 'BACKWARD';
  const breaking: BreakingChange[] = [];
  const versions = earlier.length > 0 ? [...earlier] : [{ version: before.version!, schema: before.spec.schema }];
  for (const finding of checkCompatibility(mode, { version: after.version!, schema: after.spec.schema }, versions)) {
    breaking.push({
      doc: after,
      path: ['spec', 'schema', ...pointerToPath(finding.schemaPointer.replace(/^#/, ''))],
      change: finding.change,
      message: `${finding.field ? `\`${finding.field}\`: ` : ''}${finding.message} (${mode} against ${after.name} ${finding.againstVersion})`,
      hint: finding.hint,
      affects: finding.direction === 'backward' ? 'readers' : 'writers',
      againstVersion: finding.againstVersion,
    });
  }
  if (!isDeepStrictEqual(before.spec.identity, after.spec.identity) && mode !== 'NONE') {
    breaking.push({
      doc: after,
      path: ['spec', 'identity'],
      change: 'identity-changed',
      affects: 'readers',
      message: `the business key changed from [${(before.spec.identity ?? []).join(', ')}] to [${(after.spec.identity ?? []).join(', ')}]`,
      hint: 'Idempotency and per-key ordering use the identity: changing it within a major lets duplicates through or drops events. Introduce the new key in a new major.',
    });
  }
  const schemaSize = classifySchemaChange(before.spec.schema, after.spec.schema, mode);
  const structural = (['identity', 'businessKeys', 'classification', 'compatibility', 'system'] as const).some(
    (key) => !isDeepStrictEqual(before.spec[key], after.spec[key]),
  );
  const documentary = (['description', 'owner', 'domain', 'examples', 'deprecation'] as const).some(
    (key) => !isDeepStrictEqual(before.spec[key], after.spec[key]),
  );
  let size: ChangeSize = breaking.length > 0 ? 'breaking' : schemaSize === 'breaking' ? 'additive' : schemaSize;
  if (size !== 'breaking' && structural) size = 'additive';
  if (size === 'none' && documentary) size = 'docs';
  return { breaking, size };
}
