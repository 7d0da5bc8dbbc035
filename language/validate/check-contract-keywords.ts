import { linearRegExpProblem } from '../../lib/linear-regexp.ts';
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
  let clean = true;
  const refusePattern = (pattern: string, path: (string | number)[], problem: string, key: boolean) => {
    clean = false;
    report.add(
      doc,
      'contract-pattern-unsupported',
      path,
      `pattern ${JSON.stringify(pattern)} cannot run on a linear-time engine: ${problem}`,
      'Patterns run on RE2: no lookahead or lookbehind, no backreferences. Rewrite it without them, or check the value in a mapping.',
      { key },
    );
  };
  forEachSubschema(schema, (node, path) => {
    const at = ['spec', 'schema', ...path];
    if (typeof node.pattern === 'string') {
      const problem = linearRegExpProblem(node.pattern);
      if (problem) refusePattern(node.pattern, [...at, 'pattern'], problem, false);
    }
    const named = node.patternProperties;
    if (named !== null && typeof named === 'object' && !Array.isArray(named)) {
      for (const pattern of Object.keys(named)) {
        const problem = linearRegExpProblem(pattern);
        if (problem) refusePattern(pattern, [...at, 'patternProperties', pattern], problem, true);
      }
    }
    for (const keyword of CODE_KEYWORDS) {
      if (!Object.hasOwn(node, keyword)) continue;
      clean = false;
      report.add(
        doc,
        'contract-schema-keyword-refused',
        [...at, keyword],
        `\`${keyword}\` is not allowed in a contract's schema: the type generator would paste it into generated code`,
        'Remove it; the TypeScript types are derived from the schema itself (`type`, `enum`, `properties`).',
        { key: true },
      );
    }
  });
  return clean;
}
