import { createHash } from 'node:crypto';
import { VERSIONED_KINDS } from '../../language/kinds/registry.ts';
import type { SpecDocument } from '../../language/validate/estate-index.ts';

/**
 * A DNS-1123 label of at most `max` characters: `name` itself when it fits, otherwise its start and
 * 8 hex digits of its SHA-256, so two long names never collide and the result is stable.
 */
export function kubeName(name: string, max = 63): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9).replace(/-+$/, '')}-${hash}`;
}

/**
 * The custom resource name of a spec document: its name, and for versioned kinds one object per
 * major (`order` at 2.3.0 → `order-v2`), labelled with the plain name and the major.
 */
export function specObjectName(doc: Pick<SpecDocument, 'kind' | 'name' | 'major'>): string {
  return VERSIONED_KINDS.has(doc.kind) && doc.major !== undefined ? `${doc.name}-v${doc.major}` : doc.name;
}
