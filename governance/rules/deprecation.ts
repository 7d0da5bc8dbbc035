import type { Deprecation } from '../../language/kinds/generated/kinds.ts';
import type { SpecDocument } from '../../language/validate/estate-index.ts';

/** A document's deprecation: only the versioned kinds (DataContract, Api) can be deprecated. */
export function deprecationOf(doc: SpecDocument): Deprecation | undefined {
  return doc.kind === 'DataContract' || doc.kind === 'Api' ? doc.spec.deprecation : undefined;
}
