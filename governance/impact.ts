import type { EstateIndex, SpecDocument } from '../language/validate/estate-index.ts';
import { identityOf } from '../language/validate/estate-index.ts';

export interface Dependent {
  identity: string;
  kind: SpecDocument['kind'];
  owner?: string;
  /** The identity this one depends on, on the way to the changed document. */
  via: string;
}

export interface Impact {
  identity: string;
  owner?: string;
  dependents: Dependent[];
  /** Everyone to notify: the owners of the document and of its dependents. */
  owners: string[];
}

/** Documents whose meaning flows on: a change reaching them reaches their dependents too. Systems and contracts are where it stops. */
const PROPAGATES: ReadonlySet<string> = new Set(['Mapping', 'EventRoute', 'Api']);

/**
 * What depends on a document: mappings that read or write a contract, routes that carry it or use
 * those mappings (and routes consuming their topics), workflows that call with those mappings, APIs
 * that serve it or read views those routes feed, and the systems at the ends — with their owners. Pure.
 */
export function computeImpact(index: EstateIndex, doc: SpecDocument): Impact {
  const dependentsOf = reverseEdges(index);
  const seen = new Map<SpecDocument, string>();
  const queue: SpecDocument[] = [doc];
  while (queue.length > 0) {
    const current = queue.shift()!;
    if (current !== doc && !PROPAGATES.has(current.kind)) continue;
    for (const dependent of dependentsOf.get(current) ?? []) {
      if (dependent === doc || seen.has(dependent)) continue;
      seen.set(dependent, identityOf(current));
      queue.push(dependent);
    }
  }
  const dependents = [...seen]
    .map(([d, via]) => ({ identity: identityOf(d), kind: d.kind, owner: d.spec.owner, via }))
    .sort((a, b) => (a.identity < b.identity ? -1 : 1));
  const owners = [...new Set([doc.spec.owner, ...dependents.map((d) => d.owner)].filter((o): o is string => typeof o === 'string'))].sort();
  return { identity: identityOf(doc), owner: doc.spec.owner, dependents, owners };
}

const cache = new WeakMap<EstateIndex, Map<SpecDocument, Set<SpecDocument>>>();

/** For each document, the documents that reference it (plus routes fed by a route's topics, and systems a route delivers to). */
function reverseEdges(index: EstateIndex): Map<SpecDocument, Set<SpecDocument>> {
  const cached = cache.get(index);
  if (cached) return cached;
  const edges = new Map<SpecDocument, Set<SpecDocument>>();
  const link = (from: SpecDocument | undefined, dependent: SpecDocument) => {
    if (!from || from === dependent) return;
    let set = edges.get(from);
    if (!set) {
      set = new Set();
      edges.set(from, set);
    }
    set.add(dependent);
  };
  const get = (kind: SpecDocument['kind'], reference: unknown) => {
    if (typeof reference !== 'string') return undefined;
    const result = index.resolve(kind, reference);
    return result.ok ? result.target : undefined;
  };
  const publishers = new Map<string, SpecDocument[]>();
  for (const doc of index.documents) {
    if (doc.kind !== 'EventRoute') continue;
    for (const target of doc.spec.targets) {
      if (typeof target.topic === 'string') publishers.set(target.topic, [...(publishers.get(target.topic) ?? []), doc]);
    }
  }
  for (const doc of index.documents) {
    switch (doc.kind) {
      case 'Mapping':
        link(get('DataContract', doc.spec.from), doc);
        link(get('DataContract', doc.spec.to), doc);
        break;
      case 'EventRoute': {
        const spec = doc.spec;
        link(get('DataContract', spec.source.contract), doc);
        link(get('System', spec.source.system), doc);
        const upstreams = spec.source.topic === undefined ? undefined : publishers.get(spec.source.topic);
        for (const upstream of upstreams ?? []) link(upstream, doc);
        for (const target of spec.targets) {
          link(get('Mapping', target.mapping), doc);
          link(get('DataContract', target.contract), doc);
          // The systems a route delivers to are affected by what flows through it.
          const system = get('System', target.system);
          if (system) link(doc, system);
        }
        break;
      }
      case 'Api':
        for (const operation of doc.spec.operations) {
          link(get('DataContract', operation.request), doc);
          link(get('DataContract', operation.response?.contract), doc);
          link(get('Mapping', operation.backend?.mapping), doc);
          link(get('EventRoute', operation.backend?.view?.route), doc);
          link(get('System', operation.backend?.system), doc);
        }
        break;
      case 'System':
        for (const contract of doc.spec.contracts ?? []) link(get('DataContract', contract), doc);
        break;
      case 'Workflow':
        // A call that builds its request with a Mapping sends what the mapping makes.
        for (const step of doc.spec.steps) link(get('Mapping', step.call?.mapping?.name), doc);
        break;
      default:
        break;
    }
  }
  cache.set(index, edges);
  return edges;
}
