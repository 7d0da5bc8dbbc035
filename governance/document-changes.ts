import { isDeepStrictEqual } from 'node:util';
import type { SpecDocument } from '../language/validate/estate-index.ts';
import { identityOf } from '../language/validate/estate-index.ts';

export type ChangeKind = 'added' | 'changed' | 'removed' | 'unchanged';

/** One document's fate between the base revision and the working tree, matched by identity (so moves and renames are followed). */
export interface DocumentChange {
  identity: string;
  kind: ChangeKind;
  before?: SpecDocument;
  after?: SpecDocument;
}

/** Pairs base and head documents by (kind, name, major). Pure. */
export function diffDocuments(base: readonly SpecDocument[], head: readonly SpecDocument[]): DocumentChange[] {
  const before = new Map(base.map((doc) => [identityOf(doc), doc]));
  const changes: DocumentChange[] = [];
  for (const after of head) {
    const identity = identityOf(after);
    const previous = before.get(identity);
    before.delete(identity);
    if (!previous) changes.push({ identity, kind: 'added', after });
    else changes.push({ identity, kind: sameContent(previous, after) ? 'unchanged' : 'changed', before: previous, after });
  }
  for (const [identity, removed] of before) changes.push({ identity, kind: 'removed', before: removed });
  return changes.sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
}

/** Same spec and labels; formatting, comments and key order do not count as a change. */
function sameContent(a: SpecDocument, b: SpecDocument): boolean {
  const meta = (doc: SpecDocument) => (doc.source.value.metadata ?? {}) as Record<string, unknown>;
  return (
    isDeepStrictEqual(a.spec, b.spec) &&
    isDeepStrictEqual(meta(a).labels, meta(b).labels) &&
    isDeepStrictEqual(meta(a).annotations, meta(b).annotations)
  );
}
