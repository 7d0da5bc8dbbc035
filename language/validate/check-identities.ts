import semver from 'semver';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { locate } from '../diagnostics/locate.ts';
import type { KindName } from '../kinds/registry.ts';
import { VERSIONED_KINDS } from '../kinds/registry.ts';
import type { LoadedDocument } from '../load/loaded-document.ts';
import type { SpecDocument } from './estate-index.ts';
import { identityOf, specDocument } from './estate-index.ts';

/**
 * Works out each document's identity — (kind, name) and, for versioned kinds, the major of a
 * well-formed semantic version — and reports versions that are not semver and identities used twice.
 */
export function identify(entries: readonly { source: LoadedDocument; kind: KindName }[]): {
  documents: SpecDocument[];
  diagnostics: Diagnostic[];
} {
  return identifyWith(entries, true);
}

/**
 * The identity of documents that failed their schema but still have a name (and, for versioned
 * kinds, a semantic version); used only so references to them resolve. Reports nothing.
 */
export function identifyLeniently(entries: readonly { source: LoadedDocument; kind: KindName }[]): SpecDocument[] {
  const usable = entries.filter(({ source, kind }) => {
    const value = source.value as { metadata?: { name?: unknown }; spec?: { version?: unknown } };
    if (typeof value.metadata?.name !== 'string' || value.spec === null || typeof value.spec !== 'object') return false;
    return (
      !VERSIONED_KINDS.has(kind) || (typeof value.spec.version === 'string' && semver.valid(value.spec.version) === value.spec.version)
    );
  });
  // Only the identity is kept: the spec failed its schema, so no check may read it.
  return identifyWith(usable, false).documents.map((doc) => ({ ...specDocument(doc.source, doc.kind, doc.name, {}), failedSchema: true }));
}

function identifyWith(
  entries: readonly { source: LoadedDocument; kind: KindName }[],
  reportProblems: boolean,
): { documents: SpecDocument[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const documents: SpecDocument[] = [];
  for (const { source, kind } of entries) {
    const value = source.value as { metadata: { name: string }; spec: { version?: unknown } };
    const doc = specDocument(source, kind, value.metadata.name, value.spec);
    if (VERSIONED_KINDS.has(kind)) {
      const version = value.spec.version as string;
      if (semver.valid(version) !== version) {
        const cleaned = semver.valid(semver.coerce(version));
        diagnostics.push({
          code: 'invalid-semver',
          severity: 'error',
          file: source.file,
          path: ['spec', 'version'],
          range: locate(source, ['spec', 'version']),
          message: `version ${JSON.stringify(version)} is not a semantic version`,
          hint: cleaned ? `Write MAJOR.MINOR.PATCH, e.g. \`"${cleaned}"\`.` : 'Write MAJOR.MINOR.PATCH, e.g. `"1.0.0"`.',
        });
        continue;
      }
      doc.version = version;
      doc.major = semver.major(version);
    }
    documents.push(doc);
  }

  const seen = new Map<string, SpecDocument>();
  const unique: SpecDocument[] = [];
  for (const doc of documents) {
    const id = identityOf(doc);
    const first = seen.get(id);
    if (first) {
      diagnostics.push({
        code: 'duplicate-identity',
        severity: 'error',
        file: doc.source.file,
        path: ['metadata', 'name'],
        range: locate(doc.source, ['metadata', 'name']),
        message: `${id} is already defined at ${first.source.file}:${locate(first.source, ['metadata', 'name']).start.line}`,
        hint: VERSIONED_KINDS.has(doc.kind)
          ? 'Each major version is one document: rename this one, or give it a new major version.'
          : 'Names are unique per kind: rename one of them.',
      });
      continue;
    }
    seen.set(id, doc);
    unique.push(doc);
  }
  return { documents: unique, diagnostics: reportProblems ? diagnostics : [] };
}
