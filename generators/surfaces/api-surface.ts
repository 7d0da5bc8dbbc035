import type { SpecDocument } from '../../language/validate/estate-index.ts';
import type { ContractEntry } from '../estate-view.ts';
import type { MappingUnit } from '../generate.ts';
import { BANNER } from '../shared/banner.ts';
import { jsonLiteral, pascalCase, propertyKey } from '../shared/naming.ts';

interface Operation {
  id: string;
  method: string;
  path: string;
  summary?: string;
  parameters?: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: { type?: string } }[];
  request?: string;
  requestRequired?: boolean;
  response: { status?: number; contract: string };
  backend?: { mapping?: string };
}

/**
 * `apis/<name>-v<major>.ts`: the handler interface the runtime calls for each operation, a typed
 * client (`fetch`-based), and the operation table the runtime's router reads.
 */
export function apiModule(
  doc: SpecDocument<'Api'>,
  contract: (ref: unknown) => ContractEntry | undefined,
  mapping: (name: unknown) => MappingUnit | undefined,
) {
  const base = `${pascalCase(doc.name)}V${doc.major}`;
  const operations = (doc.spec.operations ?? []) as Operation[];
  const types = new Set<string>();
  const contracts = new Map<string, ContractEntry>();
  const mappings = new Map<string, MappingUnit>();
  const typeOf = (ref: string | undefined) => {
    const entry = contract(ref);
    if (!entry) return 'unknown';
    types.add(entry.typeName);
    contracts.set(entry.typeName, entry);
    return entry.typeName;
  };
  for (const op of operations) {
    const m = op.backend?.mapping ? mapping(op.backend.mapping) : undefined;
    if (m) {
      mappings.set(m.doc.name, m);
      for (const c of [m.source, m.target]) contracts.set(c.typeName, c);
    }
  }
  const paramType = (p: NonNullable<Operation['parameters']>[number]) =>
    p.schema?.type === 'integer' || p.schema?.type === 'number' ? 'number' : p.schema?.type === 'boolean' ? 'boolean' : 'string';
  const group = (op: Operation, where: 'path' | 'query' | 'header') => {
    const params = (op.parameters ?? []).filter((p) => p.in === where);
    // Path placeholders are parameters even when the spec does not list them.
    if (where === 'path')
      for (const m of op.path.matchAll(/\{([A-Za-z][A-Za-z0-9_]*)\}/g))
        if (!params.some((p) => p.name === m[1])) params.push({ name: m[1]!, in: 'path', required: true });
    return `{ ${params.map((p) => `${propertyKey(p.name)}${p.required || where === 'path' ? '' : '?'}: ${paramType(p)}`).join('; ')}${params.length ? ' ' : ''}}`;
  };
  const lines: string[] = [];
  const requestTypes = operations.map((op) => {
    const body = op.request ? `${typeOf(op.request)}${op.requestRequired === false ? ' | undefined' : ''}` : 'undefined';
    return `{ params: ${group(op, 'path')}; query: ${group(op, 'query')}; headers: ${group(op, 'header')}; body: ${body} }`;
  });
  const responseTypes = operations.map((op) => typeOf(op.response.contract));

  lines.push(BANNER);
  if (types.size > 0) lines.push(`import type { ${[...types].sort().join(', ')} } from '../types.js';`);
  lines.push(
    `import { callJson, fillPath, queryString } from '../support/index.js';`,
    `import type { FetchLike } from '../support/index.js';`,
    '',
  );
  lines.push(`/** Requests of Api ${doc.name}@${doc.major}, by operation id. */`, `export interface ${base}Requests {`);
  operations.forEach((op, i) => {
    lines.push(`  ${propertyKey(op.id)}: ${requestTypes[i]};`);
  });
  lines.push('}', '', `/** Responses of Api ${doc.name}@${doc.major}, by operation id. */`, `export interface ${base}Responses {`);
  operations.forEach((op, i) => {
    lines.push(`  ${propertyKey(op.id)}: ${responseTypes[i]};`);
  });
  lines.push(
    '}',
    '',
    `/** What a service implementing Api ${doc.name}@${doc.major} provides: one handler per operation. */`,
    `export interface ${base}Handlers {`,
  );
  operations.forEach((op) => {
    lines.push(
      `  /** ${jsonLiteral(`${op.method} ${op.path}${op.summary ? ` — ${op.summary}` : ''}`)
        .slice(1, -1)
        .replace(/\*\//g, '* /')} */`,
    );
    lines.push(
      `  ${propertyKey(op.id)}(request: ${base}Requests[${jsonLiteral(op.id)}]): Promise<${base}Responses[${jsonLiteral(op.id)}]>;`,
    );
  });
  lines.push('}', '');
  lines.push(`/** The operation table the runtime's router serves. */`);
  lines.push(
    `export const ${base.charAt(0).toLowerCase() + base.slice(1)}Operations = ${jsonLiteral(operations.map((op) => ({ id: op.id, method: op.method, path: `${doc.spec.basePath ?? ''}${op.path}`, status: op.response.status ?? 200 })))} as const;`,
    '',
  );
  lines.push(
    `/** A typed client of Api ${doc.name}@${doc.major}. */`,
    `export type ${base}Client = { [K in keyof ${base}Handlers]: ${base}Handlers[K] };`,
    '',
  );
  lines.push(
    `export function create${base}Client(baseUrl: string, fetchImpl: FetchLike, headers: Record<string, string> = {}): ${base}Client {`,
    '  return {',
  );
  for (const op of operations) {
    const path = jsonLiteral(`${doc.spec.basePath ?? ''}${op.path}`);
    const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    lines.push(`    async ${propertyKey(op.id)}(request) {`);
    lines.push(
      `      const search = queryString({ ${queryNames.map((n) => `${propertyKey(n)}: request.query[${jsonLiteral(n)}]`).join(', ')} });`,
    );
    lines.push(`      const sent: Record<string, string> = { ...headers };`);
    lines.push(`      for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) sent[name] = String(value);`);
    lines.push(
      `      return (await callJson(fetchImpl, baseUrl + fillPath(${path}, request.params) + search, ${jsonLiteral(op.method)}, ${jsonLiteral(op.id)}, sent, request.body)) as ${base}Responses[${jsonLiteral(op.id)}];`,
    );
    lines.push('    },');
  }
  lines.push('  };', '}', '');
  return {
    path: `apis/${doc.name}-v${doc.major}.ts`,
    text: lines.join('\n'),
    mappings: [...mappings.values()],
    contracts: [...contracts.values()],
  };
}
