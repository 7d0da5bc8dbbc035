import { isDeepStrictEqual } from 'node:util';
import { childPointer, pointerTokens, pointerToPath, resolvePointer } from '../language/schema/json-pointer.ts';
import type { SpecDocument } from '../language/validate/estate-index.ts';
import type { BreakingChange, ChangeSize } from './breaking-change.ts';
import { checkCompatibility, classifySchemaChange } from './compat/index.ts';
import type { CompatibilityFinding, CompatibilityMode } from './compat/index.ts';

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
      path: ['spec', 'schema', ...pointerToPath(headPointer(after.spec.schema, finding))],
      change: finding.change,
      message: `${finding.field ? `\`${finding.field}\`: ` : ''}${finding.message} (${mode} against ${after.name} ${finding.againstVersion})`,
      hint: removalHint(finding) ?? finding.hint,
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

/**
 * Where a finding is in the head schema. A forward finding (an old version reads new data) points
 * into the old schema, often at a property the change removed; the head has no such place, so the
 * finding moves to what the change did touch: the `required` list of the object that stopped
 * requiring the field, else the nearest enclosing place that still exists.
 */
function headPointer(schema: object, finding: CompatibilityFinding): string {
  const pointer = finding.schemaPointer.replace(/^#/, '');
  if (resolvePointer(schema, pointer).ok) return pointer;
  const tokens = pointerTokens(pointer);
  // `/…/properties/<name>` or `/…/required[/i]`: the enclosing object is before `properties`/`required`.
  const at = Math.max(tokens.lastIndexOf('properties'), tokens.lastIndexOf('required'));
  const object = at >= 0 ? tokens.slice(0, at) : tokens.slice(0, -1);
  if (finding.change === 'required-added' && resolvePointer(schema, childPointer(childPointer('', ...object), 'required')).ok)
    return childPointer(childPointer('', ...object), 'required');
  for (let n = tokens.length - 1; n >= 0; n--) {
    const candidate = childPointer('', ...tokens.slice(0, n));
    if (resolvePointer(schema, candidate).ok) return candidate;
  }
  return '';
}

/**
 * The compatibility checker's hints are written for what a reader newly demands (an added field, a
 * new requirement). In the forward direction the reader is the old version, so the same finding
 * means the change removed something: the hint must say so.
 */
function removalHint(finding: CompatibilityFinding): string | undefined {
  if (finding.direction !== 'forward') return undefined;
  const name = finding.field.split('.').at(-1) ?? finding.field;
  if (finding.change === 'property-added-open')
    return `Removing '${name}' from an open schema lets writers of the new version send it with any value, which readers of version ${finding.againstVersion} check against its old declaration and may reject. Keep '${name}' declared (mark it "deprecated": true), or remove it in a new major version.`;
  if (finding.change === 'required-added')
    return `Readers of version ${finding.againstVersion} require '${name}'; keep it in \`required\` (and keep writing it), or stop requiring it in a new major version.`;
  return undefined;
}
