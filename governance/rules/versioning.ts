import semver from 'semver';
import { identityOf } from '../../language/validate/estate-index.ts';
import { defineRule } from '../rule.ts';
import { summarizeSchemaChange } from '../schema-change-summary.ts';
import { daysBetween } from './days.ts';
import { deprecationOf } from './deprecation.ts';

export const semverRule = defineRule({
  id: 'semver',
  title: 'Versions are plain semantic versions: MAJOR.MINOR.PATCH, no pre-release in the estate.',
  rationale:
    'Consumers pin `name@major` and ranges; a pre-release (`2.1.0-rc.1`) never satisfies a normal range, so references silently stop resolving the way authors expect.',
  defaultSeverity: 'error',
  kinds: ['DataContract', 'Api', 'Workflow'],
  params: {
    allowPrerelease: { description: 'Accept pre-release versions such as `2.1.0-rc.1`.', default: false, schema: { type: 'boolean' } },
  },
  example: { pass: 'spec:\n  version: 2.1.0', fail: 'spec:\n  version: 2.1.0-rc.1' },
  evaluate: ({ documents, params, report }) => {
    for (const doc of documents) {
      if (!doc.version) continue;
      if (!params.allowPrerelease && semver.prerelease(doc.version)) {
        report(
          doc,
          ['spec', 'version'],
          `version ${doc.version} is a pre-release`,
          `Release it as ${semver.major(doc.version)}.${semver.minor(doc.version)}.${semver.patch(doc.version)}, or set \`allowPrerelease: true\` for this rule.`,
        );
      }
      if (semver.parse(doc.version)?.build.length) {
        report(
          doc,
          ['spec', 'version'],
          `version ${doc.version} carries build metadata`,
          'Drop the `+...` part: build metadata is ignored when versions are compared.',
        );
      }
    }
  },
});

export const versionBumpRule = defineRule({
  id: 'version-bump',
  title:
    'Every changed document bumps its version: a minor for a compatible change (an addition, or a removal the compatibility mode allows), a patch for documentation.',
  rationale:
    'The version is how consumers and caches know something changed; an unchanged version with changed content means two different contracts answer to the same name.',
  defaultSeverity: 'error',
  kinds: ['DataContract', 'Api', 'Workflow'],
  needsBase: true,
  example: {
    pass: '# base: version 2.0.0\nspec:\n  version: 2.1.0   # a field was added',
    fail: '# base: version 2.0.0\nspec:\n  version: 2.0.0   # a field was added',
  },
  evaluate: ({ changes, changeSizes, report }) => {
    for (const change of changes) {
      if (change.kind !== 'changed' || !change.after?.version || !change.before?.version) continue;
      const size = changeSizes.get(change.identity) ?? 'none';
      const before = change.before.version;
      const after = change.after.version;
      if (semver.lt(after, before)) {
        report(
          change.after,
          ['spec', 'version'],
          `version went down from ${before} to ${after}`,
          `Versions only grow: use ${semver.inc(before, 'patch')} or higher.`,
        );
        continue;
      }
      const needed = size === 'additive' ? 'minor' : size === 'docs' ? 'patch' : undefined;
      if (!needed) continue;
      const bumped =
        needed === 'minor'
          ? semver.minor(after) > semver.minor(before) || semver.major(after) > semver.major(before)
          : semver.gt(after, before);
      if (!bumped) {
        // "Additive" is the size, not what happened: a field removed from an open schema is
        // compatible under BACKWARD and needs a minor too. Say what the change did.
        const summary =
          change.before.kind === 'DataContract' && change.after.kind === 'DataContract'
            ? summarizeSchemaChange(change.before.spec.schema, change.after.spec.schema)
            : '';
        const what =
          size === 'docs' ? 'a documentation change' : summary === '' ? 'a compatible change' : `a compatible change (${summary})`;
        report(
          change.after,
          ['spec', 'version'],
          `${what} needs a ${needed} version bump, but the version is ${after} (was ${before})`,
          `Set \`version: ${semver.inc(before, needed)}\`${needed === 'minor' ? ": the change is compatible under the contract's compatibility mode, so a minor is enough" : ''}.`,
        );
      }
    }
  },
});

export const breakingChangeRule = defineRule({
  id: 'breaking-change-needs-major',
  title: 'A breaking change needs a new major: a new document `name@N+1`, the old major kept until its sunset.',
  rationale:
    "Producers and consumers upgrade at different times. Within a major, every version must keep working with the ones before it, under the contract's compatibility mode (Confluent's BACKWARD, FORWARD, FULL and their transitive forms) and, for APIs and routes, for existing clients and subscribers.",
  defaultSeverity: 'error',
  kinds: ['DataContract', 'Api', 'EventRoute', 'Workflow'],
  needsBase: true,
  example: {
    pass: '# base: order@2 with optional `notes`\n# head: order@2 unchanged, new document order@3 without `notes`',
    fail: '# base: order@2 (closed schema) with `notes`\n# head: order@2 without `notes`  -> readers of old data reject it',
  },
  evaluate: ({ breakingChanges, report }) => {
    for (const change of breakingChanges) {
      const next = `${change.doc.name}@${(change.doc.major ?? 0) + 1}`;
      report(
        change.doc,
        change.path,
        `breaking change in ${identityOf(change.doc)}: ${change.message}`,
        `${change.hint}${change.doc.major !== undefined ? ` Or publish it as ${next} and keep ${change.doc.name}@${change.doc.major} until its sunset.` : ''}`,
        `${change.change}:${change.againstVersion ?? ''}:${change.message}`,
      );
    }
  },
});

export const removalNeedsSunsetRule = defineRule({
  id: 'removal-needs-sunset',
  title: 'A contract or API major is removed only after it was deprecated and its sunset date has passed.',
  rationale:
    'Removing a version that consumers still use breaks them without warning; the sunset date is the promise of how long it stays.',
  defaultSeverity: 'error',
  kinds: ['DataContract', 'Api'],
  needsBase: true,
  example: {
    pass: '# base: order@1 deprecated, sunset 2026-01-31; removed on 2026-03-01',
    fail: '# base: order@1 not deprecated; removed',
  },
  evaluate: ({ changes, today, report }) => {
    for (const change of changes) {
      const doc = change.before;
      if (change.kind !== 'removed' || !doc || doc.major === undefined) continue;
      const sunset = deprecationOf(doc)?.sunset;
      if (!sunset) {
        report(
          doc,
          ['metadata', 'name'],
          `${identityOf(doc)} was removed without being deprecated first`,
          'Restore it, add `deprecation: {sunset: <date>, successor: ...}`, and remove it after the sunset.',
        );
      } else if (today <= sunset) {
        report(
          doc,
          ['spec', 'deprecation', 'sunset'],
          `${identityOf(doc)} was removed before its sunset (${sunset}, ${daysBetween(today, sunset)} days from now)`,
          `Consumers were promised it until ${sunset}; restore it and remove it after that date.`,
        );
      }
    }
  },
});

export const sunsetNeverEarlierRule = defineRule({
  id: 'sunset-never-earlier',
  title: 'A sunset date is never moved earlier.',
  rationale: 'Consumers plan their migration against the announced sunset; moving it earlier breaks that promise.',
  defaultSeverity: 'error',
  kinds: ['DataContract', 'Api'],
  needsBase: true,
  example: { pass: '# base sunset 2027-03-31, head 2027-06-30', fail: '# base sunset 2027-03-31, head 2027-01-31' },
  evaluate: ({ changes, report }) => {
    for (const change of changes) {
      if (change.kind !== 'changed' || !change.after) continue;
      const before = change.before && deprecationOf(change.before)?.sunset;
      const after = deprecationOf(change.after)?.sunset;
      // Removing the deprecation altogether extends the version's life, which breaks no promise.
      if (before && after && after < before) {
        report(
          change.after,
          ['spec', 'deprecation', 'sunset'],
          `sunset moved earlier, from ${before} to ${after}`,
          `Keep \`sunset: ${before}\` or a later date.`,
        );
      }
    }
  },
});
