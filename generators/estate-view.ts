import { expandRegistries } from '../language/schema/registry.ts';
import type { EstateIndex, SpecDocument } from '../language/validate/estate-index.ts';
import { contractTypeName } from './shared/naming.ts';
import type { ContractSource } from './types/generate-types.ts';

/** A contract document with what generation needs. */
export interface ContractEntry extends ContractSource {
  doc: SpecDocument;
  typeName: string;
  /** `order@2`. */
  reference: string;
  /** Path of its validator module. */
  validatorPath: string;
}

/**
 * The contracts of an estate, sorted by type name: one entry per major. A registry field
 * (`x-interlace-registry: System`, language/schema/registry.ts) gets the estate's System names as its
 * `enum` here, so every generator (types, validators, mapping checks) sees the same closed list.
 */
export function contractsOf(documents: readonly SpecDocument[]): ContractEntry[] {
  const registries = { System: documents.filter((doc) => doc.kind === 'System').map((doc) => doc.name) };
  return documents
    .filter((doc) => doc.kind === 'DataContract')
    .filter((doc) => doc.major !== undefined)
    .map((doc) => ({
      doc,
      name: doc.name,
      major: doc.major!,
      version: doc.version ?? `${doc.major}.0.0`,
      description: typeof doc.spec.description === 'string' ? doc.spec.description : undefined,
      schema: expandRegistries((doc.spec.schema ?? {}) as Record<string, unknown>, registries),
      typeName: contractTypeName(doc.name, doc.major!),
      reference: `${doc.name}@${doc.major}`,
      validatorPath: `validators/${doc.name}-v${doc.major}.ts`,
    }))
    .sort((a, b) => (a.typeName < b.typeName ? -1 : a.typeName > b.typeName ? 1 : 0));
}

/** Resolves a `name@major` reference to a contract entry, or undefined (validate reports why). */
export function contractFor(index: EstateIndex, entries: readonly ContractEntry[], reference: unknown): ContractEntry | undefined {
  if (typeof reference !== 'string') return undefined;
  const resolved = index.resolve('DataContract', reference);
  if (!resolved.ok) return undefined;
  return entries.find((e) => e.doc === resolved.target);
}
