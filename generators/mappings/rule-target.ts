import type { PathSegment } from '../../language/diagnostics/diagnostic.ts';
import type { Rule as MappingRule } from '../../language/kinds/generated/kinds.ts';
import type { SpecOf } from '../../language/kinds/kind-documents.ts';

/**
 * The target a YAML path inside `spec.rules` belongs to, as users write it with the enclosing
 * `each` lists (`lines[].quantity`), and the path of the rule itself.
 */
export function ruleAt(spec: SpecOf<'Mapping'>, path: readonly PathSegment[]): { target: string; rulePath: PathSegment[] } | undefined {
  if (path[0] !== 'spec' || path[1] !== 'rules') return undefined;
  let rules: readonly MappingRule[] = spec.rules ?? [];
  let prefix = '';
  let rulePath: PathSegment[] = ['spec', 'rules'];
  let target: string | undefined;
  let i = 2;
  while (i < path.length && typeof path[i] === 'number') {
    const rule: MappingRule | undefined = rules[path[i] as number];
    if (!rule) break;
    rulePath = [...rulePath, path[i]!];
    target = `${prefix}${rule.target}`;
    if (path[i + 1] === 'rules' && Array.isArray(rule.rules) && typeof path[i + 2] === 'number') {
      prefix = `${target}[].`;
      rules = rule.rules;
      rulePath = [...rulePath, 'rules'];
      i += 2;
    } else {
      break;
    }
  }
  return target === undefined ? undefined : { target, rulePath };
}

/** True when `path` lies inside (or is) `prefix`. */
export function isWithin(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}
