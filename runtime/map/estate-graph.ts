/**
 * The estate map's static half: the Systems, routes, backbone topics and APIs of a validated estate
 * as a graph, each route target an edge that names its mapping and contract, plus the lineage of
 * every contract field (which mapping fills it from which field, where it is read next). Pure and
 * plain data, so the controller's gate can build it in its worker process and hand it over.
 *
 * What is never in it: a field classified `pii` or `confidential` (or one inside such a field), on
 * either end of a lineage flow. Those are counted (`hidden`), not named; the map is read by people
 * who are not cleared for the payloads, and it has no payload values at all.
 */
import type { Rule as MappingRule } from '../../language/kinds/generated/kinds.ts';
import type { EstateIndex, SpecDocument } from '../../language/validate/estate-index.ts';
import { listFields } from '../../language/schema/schema-walk.ts';
import { fieldsReadBy } from '../../governance/cel-reads.ts';
import { durationSeconds, objectiveRatio } from '../../language/slo/objectives.ts';

export type MapNodeKind = 'System' | 'EventRoute' | 'Topic' | 'Api';

export interface MapNode {
  /** `system:wms`, `route:order-fulfilment`, `topic:orders.confirmed`, `api:order-status@1`. */
  id: string;
  kind: MapNodeKind;
  name: string;
  owner?: string;
  description?: string;
  /** System: its endpoint protocol. */
  protocol?: string;
  /** Route: the contract it carries; Api: the contracts it answers with. */
  contracts?: string[];
  /** Objectives in words (`latency: 99% within 5m`, `dead letters: 99.9% delivered`). */
  slo?: string[];
  /** Api: its objectives as numbers (what the live figures are judged against). */
  objectives?: ApiObjectives;
}

export interface ApiObjectives {
  availability?: { objective: number };
  latency?: { thresholdSeconds: number; threshold: string; objective: number };
  /** The operations the objectives cover (all when absent). */
  operations?: string[];
}

export interface MapEdge {
  /** `source:<route>`, `target:<route>/<target>`, `backend:<api>/<system>`, `view:<route>/<api>`. */
  id: string;
  from: string;
  to: string;
  kind: 'source' | 'target' | 'backend' | 'view';
  label: string;
  route?: string;
  target?: string;
  contract?: string;
  mapping?: string;
  /** The route's objectives that cover this target (what the live figures are judged against). */
  slo?: EdgeObjectives;
}

export interface EdgeObjectives {
  latency?: { thresholdSeconds: number; threshold: string; objective: number };
  deadLetters?: { objective: number };
}

/** One step of a field's way: `mapping` fills (or reads) `field` of `contract`. */
export interface FieldFlow {
  mapping: string;
  contract: string;
  field: string;
}

export interface FieldLineage {
  field: string;
  /** Where its value comes from (mappings that write it). */
  from: FieldFlow[];
  /** Where it goes (mappings that read it). */
  to: FieldFlow[];
}

export interface ContractLineage {
  /** `order@2`. */
  contract: string;
  owner?: string;
  /** Routes and APIs that carry it. */
  carriedBy: string[];
  fields: FieldLineage[];
  /** Fields left out because they are (or sit inside) a field classified pii or confidential. */
  hidden: number;
}

export interface EstateGraph {
  nodes: MapNode[];
  edges: MapEdge[];
  contracts: ContractLineage[];
}

const PROTECTED = new Set(['pii', 'confidential']);

/** Builds the graph of a validated estate. */
export function estateGraph(index: EstateIndex): EstateGraph {
  const nodes = new Map<string, MapNode>();
  const edges: MapEdge[] = [];
  const add = (node: MapNode) => {
    if (!nodes.has(node.id)) nodes.set(node.id, node);
  };
  const contractRef = (reference: unknown): string | undefined => {
    if (typeof reference !== 'string') return undefined;
    const resolved = index.resolve('DataContract', reference);
    return resolved.ok ? `${resolved.target.name}@${resolved.target.major}` : undefined;
  };
  const systemNode = (name: string) => {
    const doc = index.named('System', name)[0];
    add({
      id: `system:${name}`,
      kind: 'System',
      name,
      ...ownerAndDescription(doc?.spec),
      ...(doc ? { protocol: doc.spec.endpoint.protocol } : {}),
    });
    return `system:${name}`;
  };
  const topicNode = (name: string) => {
    add({ id: `topic:${name}`, kind: 'Topic', name });
    return `topic:${name}`;
  };
  for (const doc of index.ofKind('System')) systemNode(doc.name);

  for (const route of index.ofKind('EventRoute')) {
    const spec = route.spec;
    const contract = contractRef(spec.source.contract);
    const objectives = routeObjectives(spec.slo);
    add({
      id: `route:${route.name}`,
      kind: 'EventRoute',
      name: route.name,
      ...ownerAndDescription(spec),
      ...(contract ? { contracts: [contract] } : {}),
      ...(objectives.text.length > 0 ? { slo: objectives.text } : {}),
    });
    const from = spec.source.system ? systemNode(spec.source.system) : spec.source.topic ? topicNode(spec.source.topic) : undefined;
    if (from)
      edges.push({
        id: `source:${route.name}`,
        from,
        to: `route:${route.name}`,
        kind: 'source',
        label: spec.source.event ?? spec.source.topic ?? '',
        route: route.name,
        ...(contract ? { contract } : {}),
      });
    const covered = new Set(spec.slo?.targets ?? spec.targets.map((t) => t.name));
    for (const target of spec.targets) {
      const to = target.system ? systemNode(target.system) : target.topic ? topicNode(target.topic) : undefined;
      if (!to) continue;
      const mapping = typeof target.mapping === 'string' ? target.mapping : undefined;
      const mappingDoc = mapping ? index.named('Mapping', mapping)[0] : undefined;
      const delivered = contractRef(target.contract) ?? contractRef(mappingDoc?.spec.to) ?? contract;
      edges.push({
        id: `target:${route.name}/${target.name}`,
        from: `route:${route.name}`,
        to,
        kind: 'target',
        label: target.name,
        route: route.name,
        target: target.name,
        ...(delivered ? { contract: delivered } : {}),
        ...(mapping ? { mapping } : {}),
        ...(covered.has(target.name) && objectives.edge ? { slo: objectives.edge } : {}),
      });
    }
  }

  for (const api of index.ofKind('Api')) {
    const id = `api:${api.name}@${api.major}`;
    const contracts = new Set<string>();
    for (const op of api.spec.operations) {
      const c = contractRef(op.response?.contract);
      if (c) contracts.add(c);
    }
    add({
      id,
      kind: 'Api',
      name: `${api.name}@${api.major}`,
      ...ownerAndDescription(api.spec),
      contracts: [...contracts].sort(),
      ...(api.spec.slo ? { slo: apiObjectiveText(api.spec.slo), objectives: apiObjectives(api.spec.slo) } : {}),
    });
    const seen = new Set<string>();
    for (const op of api.spec.operations) {
      const backend = op.backend;
      if (backend?.system && !seen.has(`backend:${backend.system}`)) {
        seen.add(`backend:${backend.system}`);
        edges.push({
          id: `backend:${api.name}@${api.major}/${backend.system}`,
          from: id,
          to: systemNode(backend.system),
          kind: 'backend',
          label: 'calls',
        });
      }
      const view = backend?.view?.route;
      if (view && !seen.has(`view:${view}`) && nodes.has(`route:${view}`)) {
        seen.add(`view:${view}`);
        edges.push({ id: `view:${view}/${api.name}@${api.major}`, from: `route:${view}`, to: id, kind: 'view', label: 'view' });
      }
    }
  }

  return {
    nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    edges: edges.sort((a, b) => a.id.localeCompare(b.id)),
    contracts: contractLineage(index, [...nodes.values()]),
  };
}

function ownerAndDescription(spec: { owner?: unknown; description?: unknown } | undefined): { owner?: string; description?: string } {
  return {
    ...(typeof spec?.owner === 'string' ? { owner: spec.owner } : {}),
    ...(typeof spec?.description === 'string' ? { description: spec.description.trim().slice(0, 600) } : {}),
  };
}

interface LatencyObjective {
  threshold: string;
  objective: string;
}

// Validation accepted the estate, so every objective and threshold reads; NaN would only mean a bug.
const ratio = (text: string): number => objectiveRatio(text) ?? Number.NaN;
const seconds = (text: string): number => durationSeconds(text) ?? Number.NaN;

function routeObjectives(slo: { latency?: LatencyObjective; deadLetters?: { objective: string } } | undefined): {
  text: string[];
  edge?: EdgeObjectives;
} {
  if (!slo) return { text: [] };
  const text: string[] = [];
  const edge: EdgeObjectives = {};
  if (slo.latency) {
    text.push(`latency: ${slo.latency.objective} within ${slo.latency.threshold}`);
    edge.latency = {
      threshold: slo.latency.threshold,
      thresholdSeconds: seconds(slo.latency.threshold),
      objective: ratio(slo.latency.objective),
    };
  }
  if (slo.deadLetters) {
    text.push(`dead letters: ${slo.deadLetters.objective} delivered`);
    edge.deadLetters = { objective: ratio(slo.deadLetters.objective) };
  }
  return { text, edge };
}

function apiObjectives(slo: { availability?: { objective: string }; latency?: LatencyObjective; operations?: string[] }): ApiObjectives {
  return {
    ...(slo.availability ? { availability: { objective: ratio(slo.availability.objective) } } : {}),
    ...(slo.latency
      ? {
          latency: {
            threshold: slo.latency.threshold,
            thresholdSeconds: seconds(slo.latency.threshold),
            objective: ratio(slo.latency.objective),
          },
        }
      : {}),
    ...(slo.operations ? { operations: [...slo.operations] } : {}),
  };
}

function apiObjectiveText(slo: { availability?: { objective: string }; latency?: LatencyObjective }): string[] {
  return [
    ...(slo.availability ? [`availability: ${slo.availability.objective}`] : []),
    ...(slo.latency ? [`latency: ${slo.latency.objective} within ${slo.latency.threshold}`] : []),
  ];
}

/** Inside a classified path: the path itself or anything below it. */
function isProtected(classification: Readonly<Record<string, string | undefined>>, path: string): boolean {
  for (const [classified, level] of Object.entries(classification)) {
    if (level === undefined || !PROTECTED.has(level)) continue;
    if (path === classified || path.startsWith(`${classified}.`) || path.startsWith(`${classified}[`)) return true;
  }
  return false;
}

/** One field-to-field step a mapping takes: `read` of its source contract into `write` of its target. */
interface Flow {
  read: string;
  write: string;
}

/** The fields a mapping's rules copy or compute from, rule by rule (constants read nothing). */
function mappingFlows(mapping: SpecDocument<'Mapping'>): Flow[] {
  const flows: Flow[] = [];
  const listPath = (path: string) => path.replace(/\[[0-9]+\]/g, '[]');
  const visit = (rules: readonly MappingRule[], sourcePrefix: string, targetPrefix: string) => {
    for (const rule of rules) {
      const write = `${targetPrefix}${rule.target}`;
      if (Array.isArray(rule.rules) && typeof rule.each === 'string') {
        visit(rule.rules, `${sourcePrefix}${listPath(rule.each)}[].`, `${write}[].`);
        continue;
      }
      const from = typeof rule.from === 'string' ? rule.from : typeof rule.lookup?.from === 'string' ? rule.lookup.from : undefined;
      const reads = from
        ? [`${sourcePrefix}${from}`]
        : typeof rule.expr === 'string'
          ? fieldsReadBy(rule.expr, sourcePrefix === '' ? { source: '' } : { source: '', item: sourcePrefix.slice(0, -1) })
          : [];
      for (const read of reads) flows.push({ read: listPath(read), write });
    }
  };
  const each = mapping.spec.each;
  visit(mapping.spec.rules ?? [], each === undefined ? '' : `${listPath(each)}[].`, '');
  return flows;
}

function contractLineage(index: EstateIndex, nodes: readonly MapNode[]): ContractLineage[] {
  const resolve = (reference: unknown) => {
    if (typeof reference !== 'string') return undefined;
    const r = index.resolve('DataContract', reference);
    return r.ok ? r.target : undefined;
  };
  const key = (doc: SpecDocument<'DataContract'>) => `${doc.name}@${doc.major}`;
  const incoming = new Map<string, Map<string, FieldFlow[]>>();
  const outgoing = new Map<string, Map<string, FieldFlow[]>>();
  const push = (map: Map<string, Map<string, FieldFlow[]>>, contract: string, field: string, flow: FieldFlow) => {
    const fields = map.get(contract) ?? new Map<string, FieldFlow[]>();
    fields.set(field, [...(fields.get(field) ?? []), flow]);
    map.set(contract, fields);
  };
  for (const mapping of index.ofKind('Mapping')) {
    const from = resolve(mapping.spec.from);
    const to = resolve(mapping.spec.to);
    if (!from || !to) continue;
    const fromLevels = from.spec.classification ?? {};
    const toLevels = to.spec.classification ?? {};
    for (const flow of mappingFlows(mapping)) {
      // A flow with a protected field at either end is left out whole: naming one end says what the other is.
      if (isProtected(fromLevels, flow.read) || isProtected(toLevels, flow.write)) continue;
      push(incoming, key(to), flow.write, { mapping: mapping.name, contract: key(from), field: flow.read });
      push(outgoing, key(from), flow.read, { mapping: mapping.name, contract: key(to), field: flow.write });
    }
  }
  const carriers = new Map<string, string[]>();
  for (const node of nodes) for (const c of node.contracts ?? []) carriers.set(c, [...(carriers.get(c) ?? []), node.id]);
  const out: ContractLineage[] = [];
  for (const doc of index.ofKind('DataContract')) {
    if (doc.major === undefined) continue;
    const id = key(doc);
    const levels = doc.spec.classification ?? {};
    let hidden = 0;
    const fields: FieldLineage[] = [];
    for (const field of listFields(doc.spec.schema)) {
      if (isProtected(levels, field.path)) {
        hidden++;
        continue;
      }
      fields.push({ field: field.path, from: incoming.get(id)?.get(field.path) ?? [], to: outgoing.get(id)?.get(field.path) ?? [] });
    }
    out.push({
      contract: id,
      ...(typeof doc.spec.owner === 'string' ? { owner: doc.spec.owner } : {}),
      carriedBy: (carriers.get(id) ?? []).sort(),
      fields,
      hidden,
    });
  }
  return out.sort((a, b) => a.contract.localeCompare(b.contract));
}
