import semver from 'semver';
import type { SpecOf } from '../kinds/kind-documents.ts';
import type { KindName } from '../kinds/registry.ts';
import { VERSIONED_KINDS } from '../kinds/registry.ts';
import type { LoadedDocument } from '../load/loaded-document.ts';
import { didYouMean } from '../../lib/did-you-mean.ts';

/** A document of kind `K` that passed its schema, with its identity worked out. */
export interface KindDocument<K extends KindName> {
  source: LoadedDocument;
  kind: K;
  name: string;
  /** Full semantic version for versioned kinds (DataContract, Api). */
  version?: string;
  major?: number;
  /** The spec, typed from the kind's schema (language/kinds/generated/kinds.ts). */
  spec: SpecOf<K>;
  /**
   * Set on a document that failed its schema but has a usable identity: references to it resolve, but
   * its `spec` is empty, because code that reads a spec assumes the shape the schema guarantees.
   */
  failedSchema?: true;
}

/**
 * A document of one of the kinds `K` (every kind by default): a union discriminated by `kind`, so
 * `if (doc.kind === 'EventRoute')` gives `doc.spec` the EventRoute spec type.
 */
export type SpecDocument<K extends KindName = KindName> = { [P in K]: KindDocument<P> }[K];

/**
 * The one place where a plain value becomes a typed document. `spec` must have passed `kind`'s schema
 * (or, for `failedSchema` documents, be empty and never read), which is what makes the cast sound.
 */
export function specDocument(source: LoadedDocument, kind: KindName, name: string, spec: unknown): SpecDocument {
  return { source, kind, name, spec } as SpecDocument;
}

/** `Kind/name@major` for versioned kinds, `Kind/name` for the others: how findings name a document. */
export function identityOf(doc: Pick<SpecDocument, 'kind' | 'name' | 'major'>): string {
  return doc.major === undefined ? `${doc.kind}/${doc.name}` : `${doc.kind}/${doc.name}@${doc.major}`;
}

export type Resolution<K extends KindName = KindName> =
  | { ok: true; target: SpecDocument<K> }
  | { ok: false; reason: 'unresolved' | 'ambiguous' | 'malformed'; message: string; hint: string; candidates: SpecDocument<K>[] };

/** Every document of the estate by kind and name, so references resolve in constant time. */
export class EstateIndex {
  private readonly byKind = new Map<KindName, Map<string, SpecDocument[]>>();
  /** `Kind/name@major` → documents, so the common `name@major` reference needs no scan of the name's versions. */
  private readonly byMajor = new Map<string, SpecDocument[]>();

  /** Documents that passed their schema: the ones estate-wide checks look into. */
  readonly documents: readonly SpecDocument[];

  /**
   * @param documents documents that passed their schema
   * @param alsoResolvable documents with a usable identity that failed their schema: references to
   *   them still resolve, so one mistake in a contract is not reported again at every reference.
   */
  constructor(documents: readonly SpecDocument[], alsoResolvable: readonly SpecDocument[] = []) {
    this.documents = documents;
    for (const doc of [...documents, ...alsoResolvable]) {
      let names = this.byKind.get(doc.kind);
      if (!names) {
        names = new Map();
        this.byKind.set(doc.kind, names);
      }
      const list = names.get(doc.name);
      if (list) list.push(doc);
      else names.set(doc.name, [doc]);
      if (doc.major !== undefined) {
        const key = identityOf(doc);
        const same = this.byMajor.get(key);
        if (same) same.push(doc);
        else this.byMajor.set(key, [doc]);
      }
    }
  }

  /** Every document (failed-schema ones included) of a kind with a name: one per major for versioned kinds. */
  named<K extends KindName>(kind: K, name: string): SpecDocument<K>[] {
    // The maps are filled by each document's own kind, so the documents under `kind` are of kind K.
    return (this.byKind.get(kind)?.get(name) ?? []) as SpecDocument<K>[];
  }

  /** The documents of one kind that passed their schema, in estate order. */
  ofKind<K extends KindName>(kind: K): SpecDocument<K>[] {
    // Filtered on the discriminant: every document left is of kind K.
    return this.documents.filter((doc) => doc.kind === kind) as SpecDocument<K>[];
  }

  names(kind: KindName): string[] {
    return [...(this.byKind.get(kind)?.keys() ?? [])];
  }

  /**
   * Resolves `name@major`, `name@range` (versioned kinds) or `name` (unversioned kinds) to exactly
   * one document, or says why it cannot.
   */
  resolve<K extends KindName>(kind: K, reference: unknown): Resolution<K> {
    if (typeof reference !== 'string') {
      // Callers pass fields of specs; a schema-valid document has text here, anything else resolves to nothing.
      return {
        ok: false,
        reason: 'malformed',
        candidates: [],
        message: `a reference must be text like \`name@1\`, not ${reference === null ? 'null' : typeof reference}`,
        hint: 'Write the reference as `name@<major>` (or `name` for unversioned kinds).',
      };
    }
    const at = reference.indexOf('@');
    const name = at === -1 ? reference : reference.slice(0, at);
    const selector = at === -1 ? undefined : reference.slice(at + 1);
    const versioned = VERSIONED_KINDS.has(kind);
    const candidates = this.named(kind, name);
    if (versioned && selector === undefined) {
      return {
        ok: false,
        reason: 'malformed',
        candidates,
        message: `reference "${reference}" has no version`,
        hint: `${kind} is versioned: write \`${name}@<major>\`${candidates[0]?.major !== undefined ? `, e.g. \`${name}@${candidates[0].major}\`` : ''}.`,
      };
    }
    if (!versioned && selector !== undefined) {
      return {
        ok: false,
        reason: 'malformed',
        candidates,
        message: `reference "${reference}" has a version, but ${kind} documents are not versioned`,
        hint: `Write \`${name}\`.`,
      };
    }
    if (candidates.length === 0) {
      const names = this.names(kind);
      // The closest plausible typo (as for field names), else names that contain each other
      // (`order` for `sales-order`).
      const typo = didYouMean(name, names);
      const similar = typo !== undefined ? [typo] : names.filter((n) => n.includes(name) || name.includes(n)).slice(0, 3);
      const withSelector = (n: string) => (selector === undefined ? n : `${n}@${selector}`);
      return {
        ok: false,
        reason: 'unresolved',
        candidates,
        message: `${kind} "${name}" does not exist`,
        hint:
          similar.length > 0
            ? `Did you mean ${similar.map((n) => `\`${withSelector(n)}\``).join(' or ')}?`
            : `Add a ${kind} named \`${name}\`, or fix the reference.`,
      };
    }
    if (!versioned) return { ok: true, target: candidates[0]! };

    let matches: SpecDocument<K>[];
    if (/^(0|[1-9][0-9]*)$/.test(selector!)) {
      // Keyed by the document's own identity, which starts with its kind: these are of kind K.
      matches = (this.byMajor.get(`${kind}/${name}@${Number(selector)}`) ?? []) as SpecDocument<K>[];
    } else {
      const range = semver.validRange(selector!);
      if (range === null) {
        return {
          ok: false,
          reason: 'malformed',
          candidates,
          message: `"${selector}" in "${reference}" is neither a major version nor a semver range`,
          hint: 'Write a major (`order@2`) or a range (`order@^2.1`, `order@>=2 <3`).',
        };
      }
      matches = candidates.filter((doc) => doc.version !== undefined && semver.satisfies(doc.version, range));
    }
    if (matches.length === 0) {
      const available = candidates.map((doc) => `${doc.name}@${doc.major} (${doc.version})`).join(', ');
      return {
        ok: false,
        reason: 'unresolved',
        candidates,
        message: `no version of ${kind} "${name}" matches "${selector}"; there is ${available}`,
        hint: 'Point the reference at an existing major, or add the missing version.',
      };
    }
    if (matches.length > 1) {
      return {
        ok: false,
        reason: 'ambiguous',
        candidates: matches,
        message: `"${reference}" matches ${matches.map((doc) => `${doc.name}@${doc.major} (${doc.version})`).join(' and ')}`,
        hint: `Pin one major, e.g. \`${name}@${matches[matches.length - 1]!.major}\`.`,
      };
    }
    return { ok: true, target: matches[0]! };
  }
}
