import type { SpecDocument } from '../../language/validate/estate-index.ts';
import type { ContractEntry } from '../estate-view.ts';
import type { MappingUnit } from '../generate.ts';
import { BANNER } from '../shared/banner.ts';
import { camelCase, jsonLiteral, pascalCase, propertyKey } from '../shared/naming.ts';
import { compileCel } from '../mappings/cel/compile-cel.ts';
import type { GenerateProblem } from '../mappings/problem.ts';

/** A route's compiled `filter`: its export and where its expression sits in the module text. */
export interface CompiledFilter {
  functionName: string;
  /** Offsets of the compiled expression in the module text (a type error there is the filter's). */
  start: number;
  end: number;
}

/**
 * `routes/<name>.ts`: the event type a route consumes, the typed publish function of each target,
 * `dispatch…`, which applies each target's compiled mapping and hands the result to its publisher,
 * and `filter…`, the route's CEL `filter` compiled to TypeScript by the mapping compiler (never
 * interpreted per message). Delivery policy (retries, dead letter) stays in the runtime; this is
 * only the typed seam.
 */
export function routeModule(
  doc: SpecDocument<'EventRoute'>,
  contract: (ref: unknown) => ContractEntry | undefined,
  mapping: (name: unknown) => MappingUnit | undefined,
) {
  const source = contract(doc.spec.source?.contract);
  if (!source) return undefined;
  const base = pascalCase(doc.name);
  const types = new Set<string>([source.typeName]);
  const contracts = new Map<string, ContractEntry>([[source.typeName, source]]);
  const mappings: MappingUnit[] = [];
  const imports: string[] = [];
  const targets = doc.spec.targets.map((t) => {
    const m = t.mapping ? mapping(t.mapping) : undefined;
    const delivered = m ? m.target : t.contract ? (contract(t.contract) ?? source) : source;
    types.add(delivered.typeName);
    contracts.set(delivered.typeName, delivered);
    if (m && !mappings.includes(m)) {
      mappings.push(m);
      contracts.set(m.source.typeName, m.source);
      imports.push(`import { ${m.compiled.functionName} } from '../mappings/${m.doc.name}.js';`);
    }
    return { target: t, mapping: m, type: delivered.typeName };
  });
  const compiledFilter = compileFilter(doc);
  const lines: string[] = [BANNER, `import type { ${[...types].sort().join(', ')} } from '../types.js';`, ...imports.sort()];
  if (compiledFilter.helpers.length > 0) lines.push(`import { ${compiledFilter.helpers.join(', ')} } from '../support/index.js';`);
  lines.push('');
  if (compiledFilter.patterns.length > 0) {
    compiledFilter.patterns.forEach((init, i) => {
      lines.push(`const PATTERN_${i + 1} = ${init};`);
    });
    lines.push('');
  }
  lines.push(
    `/** The event EventRoute ${doc.name} consumes (${source.reference}). */`,
    `export type ${base}Event = ${source.typeName};`,
    '',
  );
  let filter: CompiledFilter | undefined;
  if (compiledFilter.code !== undefined) {
    const functionName = `filter${base}`;
    lines.push(
      `/**`,
      ` * EventRoute ${doc.name}'s \`filter\`, compiled from its CEL: true routes the event. A missing field is`,
      ` * absent (as in mappings); an expression that fails at run time (\`int('x')\`) does not match.`,
      ` */`,
    );
    lines.push(`export function ${functionName}(event: ${base}Event): boolean {`, '  try {');
    const prefix = '    const matched: boolean | undefined = ';
    // The span starts at the declaration: a non-boolean expression is reported at `matched`.
    const before = `${lines.join('\n')}\n`;
    lines.push(`${prefix}${compiledFilter.code};`);
    filter = { functionName, start: before.length, end: before.length + prefix.length + compiledFilter.code.length };
    lines.push('    return matched === true;', '  } catch {', '    return false;', '  }', '}', '');
  }
  lines.push(`/** One publisher per target: what the runtime delivers to it, already mapped. */`, `export interface ${base}Targets {`);
  for (const t of targets) lines.push(`  ${propertyKey(t.target.name)}: (payload: ${t.type}) => Promise<void>;`);
  lines.push('}', '');
  lines.push(
    `/** Consumes one ${source.reference} event: maps it for each target and publishes it there (each output of a fan-out mapping). */`,
  );
  // A mapping that enriches (`spec.enrich`) takes what the worker read from Systems as its second argument.
  const enriching = targets.filter((t) => t.mapping?.compiled.enrichKeysFunctionName !== undefined);
  const enrichedParam =
    enriching.length > 0
      ? `, enriched: { ${enriching.map((t) => `${propertyKey(t.target.name)}: Parameters<typeof ${t.mapping!.compiled.functionName}>[1]`).join('; ')} }`
      : '';
  lines.push(`export async function dispatch${base}(event: ${base}Event, targets: ${base}Targets${enrichedParam}): Promise<void> {`);
  lines.push('  await Promise.all([');
  for (const t of targets) {
    const payload = t.mapping
      ? `${t.mapping.compiled.functionName}(event${t.mapping.compiled.enrichKeysFunctionName ? `, enriched[${jsonLiteral(t.target.name)}]` : ''})`
      : 'event';
    // A fan-out mapping makes several messages: each is published on its own.
    if (t.mapping?.compiled.fanOut) lines.push(`    ...${payload}.map((payload) => targets[${jsonLiteral(t.target.name)}](payload)),`);
    else lines.push(`    targets[${jsonLiteral(t.target.name)}](${payload}),`);
  }
  lines.push('  ]);', '}', '');
  lines.push(`/** Route facts the runtime reads (names only; behaviour is in the spec's delivery policy). */`);
  lines.push(
    `export const ${camelCase(doc.name)}Route = ${jsonLiteral({ name: doc.name, source: source.reference, filter: filter?.functionName ?? null, targets: targets.map((t) => ({ name: t.target.name, system: t.target.system ?? null, topic: t.target.topic ?? null, mapping: t.mapping?.doc.name ?? null, contract: t.type })) })} as const;`,
    '',
  );
  return {
    path: `routes/${doc.name}.ts`,
    text: lines.join('\n'),
    mappings,
    contracts: [...contracts.values()],
    filter,
    problems: compiledFilter.problems,
  };
}

/**
 * Compiles `spec.filter` (CEL over `event`) with the mapping compiler: the same subset, the same
 * missing-value rules, helpers from the support modules and constant patterns hoisted to the module.
 * An unsupported construct is a problem positioned at the filter, with the column in the expression.
 */
function compileFilter(doc: SpecDocument<'EventRoute'>): {
  code?: string;
  helpers: string[];
  patterns: string[];
  problems: GenerateProblem[];
} {
  const text = doc.spec.filter;
  if (typeof text !== 'string') return { helpers: [], patterns: [], problems: [] };
  const helpers = new Set<string>();
  const patterns: string[] = [];
  const result = compileCel(text, {
    target: `filter of ${doc.name}`,
    variables: new Map([['event', 'event']]),
    helper: (name) => (helpers.add(name), name),
    hoist: (initializer) => (patterns.push(initializer), `PATTERN_${patterns.length}`),
  });
  if (!result.ok) {
    return {
      helpers: [],
      patterns: [],
      problems: result.problems.map((p) => ({
        code: 'route-filter-unsupported',
        path: ['spec', 'filter'],
        message: `filter: expression ${p.message} (column ${p.offset + 1} of the expression)`,
        hint: `Route filters are compiled like mapping expressions: a subset of CEL over \`event\` (docs/mapping-language.md); \`event\` is the route's source contract.`,
      })),
    };
  }
  return { code: result.code, helpers: [...helpers].sort(), patterns, problems: [] };
}
