import type { SpecDocument } from '../../controller/validate/estate-index.ts';
import type { ContractEntry } from '../estate-view.ts';
import type { MappingUnit } from '../generate.ts';
import { BANNER } from '../shared/banner.ts';
import { camelCase, jsonLiteral, pascalCase, propertyKey } from '../shared/naming.ts';

interface Target {
  name: string;
  system?: string;
  topic?: string;
  mapping?: string;
  contract?: string;
}

/**
 * `routes/<name>.ts`: the event type a route consumes, the typed publish function of each target,
 * and `dispatch…`, which applies each target's compiled mapping and hands the result to its
 * publisher. Delivery policy (retries, dead letter) stays in the runtime; this is only the typed seam.
 */
export function routeModule(doc: SpecDocument, contract: (ref: unknown) => ContractEntry | undefined, mapping: (name: unknown) => MappingUnit | undefined) {
  const source = contract(doc.spec.source?.contract);
  if (!source) return undefined;
  const base = pascalCase(doc.name);
  const types = new Set<string>([source.typeName]);
  const contracts = new Map<string, ContractEntry>([[source.typeName, source]]);
  const mappings: MappingUnit[] = [];
  const imports: string[] = [];
  const targets = ((doc.spec.targets ?? []) as Target[]).map((t) => {
    const m = t.mapping ? mapping(t.mapping) : undefined;
    const delivered = m ? m.target : t.contract ? contract(t.contract) ?? source : source;
    types.add(delivered.typeName);
    contracts.set(delivered.typeName, delivered);
    if (m && !mappings.includes(m)) {
      mappings.push(m);
      contracts.set(m.source.typeName, m.source);
      imports.push(`import { ${m.compiled.functionName} } from '../mappings/${m.doc.name}.ts';`);
    }
    return { target: t, mapping: m, type: delivered.typeName };
  });
  const lines: string[] = [BANNER, `import type { ${[...types].sort().join(', ')} } from '../types.ts';`, ...imports.sort(), ''];
  lines.push(`/** The event EventRoute ${doc.name} consumes (${source.reference}). */`, `export type ${base}Event = ${source.typeName};`, '');
  lines.push(`/** One publisher per target: what the runtime delivers to it, already mapped. */`, `export interface ${base}Targets {`);
  for (const t of targets) lines.push(`  ${propertyKey(t.target.name)}: (payload: ${t.type}) => Promise<void>;`);
  lines.push('}', '');
  lines.push(`/** Consumes one ${source.reference} event: maps it for each target and publishes it there. */`);
  lines.push(`export async function dispatch${base}(event: ${base}Event, targets: ${base}Targets): Promise<void> {`);
  lines.push('  await Promise.all([');
  for (const t of targets) {
    const payload = t.mapping ? `${t.mapping.compiled.functionName}(event)` : 'event';
    lines.push(`    targets[${jsonLiteral(t.target.name)}](${payload}),`);
  }
  lines.push('  ]);', '}', '');
  lines.push(`/** Route facts the runtime reads (names only; behaviour is in the spec's delivery policy). */`);
  lines.push(`export const ${camelCase(doc.name)}Route = ${jsonLiteral({ name: doc.name, source: source.reference, targets: targets.map((t) => ({ name: t.target.name, system: t.target.system ?? null, topic: t.target.topic ?? null, mapping: t.mapping?.doc.name ?? null, contract: t.type })) })} as const;`, '');
  return { path: `routes/${doc.name}.ts`, text: lines.join('\n'), mappings, contracts: [...contracts.values()] };
}
