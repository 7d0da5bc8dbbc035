import { didYouMean } from '../../lib/did-you-mean.ts';
import { linearRegExpProblem } from '../../lib/linear-regexp.ts';
import type { PathSegment } from '../diagnostics/diagnostic.ts';
import { REGISTRY_KEYWORD, REGISTRY_KINDS, registryFields } from '../schema/registry.ts';
import { forEachSubschema } from '../schema/subschemas.ts';
import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

/**
 * json-schema-to-typescript pastes these into the generated types verbatim: a contract could put a
 * statement into types.ts that runs when the module is imported. Specs never become code.
 */
const CODE_KEYWORDS = ['tsType', 'tsEnumNames'] as const;

/**
 * Keywords of a contract's schema that later stages would run or paste: every `pattern` and
 * `patternProperties` name must be a regular expression RE2 can run (linear time, in validation, the
 * generated validators and API parameter checks), and the type generator's code keywords are refused.
 * Returns false when something was reported (the schema must not be compiled). `schema` is the
 * contract's `spec.schema`.
 */
export function checkContractKeywords(doc: Pick<SpecDocument, 'source'>, schema: unknown, report: Reporter): boolean {
  let clean = checkPatterns(doc, schema, ['spec', 'schema'], report);
  forEachSubschema(schema, (node, path) => {
    for (const keyword of CODE_KEYWORDS) {
      if (!Object.hasOwn(node, keyword)) continue;
      clean = false;
      report.add(
        doc,
        'contract-schema-keyword-refused',
        ['spec', 'schema', ...path, keyword],
        `\`${keyword}\` is not allowed in a contract's schema: the type generator would paste it into generated code`,
        'Remove it; the TypeScript types are derived from the schema itself (`type`, `enum`, `properties`).',
        { key: true },
      );
    }
  });
  return checkRegistryFields(doc, schema, report) && clean;
}

/**
 * `x-interlace-registry: System` on a plain string field (language/schema/registry.ts): the kind must
 * be a registry, and the field must not close its values itself (`enum`, `const`) or be anything but a
 * string, since the generators give it the registry's names as its `enum`.
 */
function checkRegistryFields(doc: Pick<SpecDocument, 'source'>, schema: unknown, report: Reporter): boolean {
  let clean = true;
  for (const { path, kind, node } of registryFields(schema)) {
    const at = ['spec', 'schema', ...path, REGISTRY_KEYWORD];
    if (typeof kind !== 'string' || !REGISTRY_KINDS.includes(kind)) {
      clean = false;
      const near = typeof kind === 'string' ? didYouMean(kind, REGISTRY_KINDS) : undefined;
      report.add(
        doc,
        'contract-registry-invalid',
        at,
        `\`${REGISTRY_KEYWORD}: ${JSON.stringify(kind)}\` names no registry${near ? `; did you mean \`${near}\`?` : ''}`,
        `The registries are: ${REGISTRY_KINDS.join(', ')} (the field then holds the name of one of the estate's documents of that kind).`,
      );
      continue;
    }
    const closed = ['enum', 'const'].find((k) => Object.hasOwn(node, k));
    const type = node.type;
    if (closed || (type !== undefined && type !== 'string')) {
      clean = false;
      report.add(
        doc,
        'contract-registry-invalid',
        at,
        closed
          ? `a registry field lists no values itself (it has \`${closed}\`): its values are the names of the estate's ${kind} documents`
          : `a registry field is a string (this one is \`${JSON.stringify(type)}\`)`,
        closed ? `Remove \`${closed}\`; add a ${kind} document to allow a new value.` : 'Write `type: string`.',
      );
    }
  }
  return clean;
}

/**
 * The patterns of an Api's parameter schemas: a worker checks every request's parameters against
 * them, so a pattern that backtracks would let anonymous clients stall it. `spec` is the Api's spec.
 */
export function checkApiParameterPatterns(doc: Pick<SpecDocument, 'source'>, spec: unknown, report: Reporter): void {
  const operations = (spec as { operations?: unknown } | null)?.operations;
  if (!Array.isArray(operations)) return;
  operations.forEach((operation: { parameters?: unknown } | null, i) => {
    const parameters = operation?.parameters;
    if (!Array.isArray(parameters)) return;
    parameters.forEach((parameter: { schema?: unknown } | null, j) => {
      if (parameter?.schema !== undefined)
        checkPatterns(doc, parameter.schema, ['spec', 'operations', i, 'parameters', j, 'schema'], report);
    });
  });
}

/** Reports each `pattern` and `patternProperties` name RE2 cannot run; false when there was one. */
function checkPatterns(doc: Pick<SpecDocument, 'source'>, schema: unknown, at: PathSegment[], report: Reporter): boolean {
  let clean = true;
  const refuse = (pattern: string, path: PathSegment[], problem: string, key: boolean) => {
    clean = false;
    report.add(
      doc,
      'pattern-unsupported',
      path,
      `pattern ${JSON.stringify(pattern)} cannot run on a linear-time engine: ${problem}`,
      'Patterns run on RE2: no lookahead or lookbehind, no backreferences. Rewrite it without them, or check the value in a mapping.',
      { key },
    );
  };
  forEachSubschema(schema, (node, path) => {
    if (typeof node.pattern === 'string') {
      const problem = linearRegExpProblem(node.pattern);
      if (problem) refuse(node.pattern, [...at, ...path, 'pattern'], problem, false);
    }
    const named = node.patternProperties;
    if (named !== null && typeof named === 'object' && !Array.isArray(named)) {
      for (const pattern of Object.keys(named)) {
        const problem = linearRegExpProblem(pattern);
        if (problem) refuse(pattern, [...at, ...path, 'patternProperties', pattern], problem, true);
      }
    }
  });
  return clean;
}
