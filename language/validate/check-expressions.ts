import { parse } from '@bufbuild/cel';
import type { PathSegment } from '../diagnostics/diagnostic.ts';
import type { Rule as MappingRule } from '../kinds/generated/kinds.ts';
import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';
import { expressionsOf as workflowExpressions } from '../workflow/workflow-steps.ts';

/**
 * Every CEL expression parses. Expressions are parsed into an AST here and later compiled from that
 * AST; their text is never evaluated as host code.
 */
export function checkExpressions(doc: SpecDocument, report: Reporter): void {
  for (const [path, text] of expressionsOf(doc)) {
    try {
      parse(text);
    } catch (error) {
      const e = error as { rawMessage?: string; location?: { start?: { line: number; column: number } }; message: string };
      const where = e.location?.start ? ` (line ${e.location.start.line}, column ${e.location.start.column} of the expression)` : '';
      report.add(
        doc,
        'expression-invalid',
        path,
        `expression does not parse: ${e.rawMessage ?? e.message}${where}`,
        'Write a CEL expression (https://cel.dev), e.g. `event.status == "SHIPPED" && size(event.lines) > 0`. Quote the YAML value if it contains `: ` or starts with a quote.',
      );
    }
  }
}

function expressionsOf(doc: SpecDocument): [PathSegment[], string][] {
  const out: [PathSegment[], string][] = [];
  if (doc.kind === 'EventRoute' && typeof doc.spec.filter === 'string') out.push([['spec', 'filter'], doc.spec.filter]);
  if (doc.kind === 'Policy') {
    (doc.spec.rules ?? []).forEach((rule, i) => {
      if (typeof rule.expr === 'string') out.push([['spec', 'rules', i, 'expr'], rule.expr]);
    });
  }
  if (doc.kind === 'Workflow') for (const e of workflowExpressions(doc.spec)) out.push([e.path, e.text]);
  if (doc.kind === 'Mapping') {
    const visit = (rules: readonly MappingRule[], at: PathSegment[]) =>
      rules.forEach((rule, i) => {
        if (typeof rule.expr === 'string') out.push([[...at, i, 'expr'], rule.expr]);
        if (typeof rule.when === 'string') out.push([[...at, i, 'when'], rule.when]);
        if (Array.isArray(rule.rules)) visit(rule.rules, [...at, i, 'rules']);
      });
    visit(doc.spec.rules ?? [], ['spec', 'rules']);
  }
  return out;
}
