import type { PathSegment } from '../diagnostics/diagnostic.ts';
import type { Rule as MappingRule } from '../kinds/generated/kinds.ts';
import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

const SOURCES = ['from', 'value', 'expr', 'lookup', 'each'] as const;

/**
 * A mapping rule takes its value from exactly one place; `rules` belong to `each`; lookups name a
 * table the mapping defines; a target field is made by one rule only.
 */
export function checkMapping(doc: SpecDocument<'Mapping'>, report: Reporter): void {
  {
    const tables = new Set(Object.keys(doc.spec.lookups ?? {}));
    const visit = (rules: readonly MappingRule[], at: PathSegment[]) => {
      const targets = new Map<string, number>();
      rules.forEach((rule, i) => {
        const path = [...at, i];
        const sources = SOURCES.filter((s) => rule[s] !== undefined);
        if (sources.length !== 1) {
          report.add(
            doc,
            'mapping-rule-invalid',
            path,
            sources.length === 0
              ? `rule for \`${rule.target}\` has no source`
              : `rule for \`${rule.target}\` has ${sources.length} sources (${sources.join(', ')})`,
            'Give exactly one of `from` (copy a field), `value` (a constant), `expr` (CEL), `lookup` (a table) or `each` (a list).',
          );
        }
        if (rule.rules !== undefined && rule.each === undefined) {
          report.add(
            doc,
            'mapping-rule-invalid',
            [...path, 'rules'],
            `rule for \`${rule.target}\` has nested rules but no \`each\``,
            'Add `each: <source list>` to map list items, or move the nested rules up.',
            { key: true },
          );
        }
        if (rule.each !== undefined && !Array.isArray(rule.rules)) {
          report.add(
            doc,
            'mapping-rule-invalid',
            [...path, 'each'],
            `rule for \`${rule.target}\` maps a list but has no \`rules\` for its items`,
            'Add `rules:` that map one source item to one target item.',
          );
        }
        if (rule.lookup && !tables.has(rule.lookup.table)) {
          report.add(
            doc,
            'lookup-unresolved',
            [...path, 'lookup', 'table'],
            `lookup table "${rule.lookup.table}" is not defined in this mapping`,
            tables.size > 0 ? `Tables defined here: ${[...tables].join(', ')}.` : 'Define it under `spec.lookups`.',
          );
        }
        const previous = targets.get(rule.target);
        if (previous !== undefined && rule.when === undefined && rules[previous]?.when === undefined) {
          report.add(
            doc,
            'duplicate-entry',
            [...path, 'target'],
            `target \`${rule.target}\` is already made by rule ${previous + 1}`,
            'Keep one rule per target field, or add `when:` conditions that pick between them.',
          );
        } else if (previous === undefined) {
          targets.set(rule.target, i);
        }
        if (Array.isArray(rule.rules)) visit(rule.rules, [...path, 'rules']);
      });
    };
    visit(doc.spec.rules ?? [], ['spec', 'rules']);
  }
}
