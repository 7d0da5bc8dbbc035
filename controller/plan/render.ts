import { stringify } from 'yaml';
import type { Plan } from './types.ts';

/**
 * A plan as a multi-document YAML stream (what `kubectl apply -f` reads), each object preceded by a
 * comment with its stage and, for runtime objects, its owner. Keys are sorted, so output is stable.
 */
export function planYaml(plan: Plan): string {
  return plan.objects
    .map((p) => {
      const notes = [
        `stage ${p.stage}`,
        ...(p.owner ? [`owned by ${p.owner.kind} ${p.owner.name}`] : []),
        ...(p.source ? [`from ${p.source.file}:${p.source.line}`] : []),
      ];
      // YAML 1.1 quoting: Kubernetes reads YAML as 1.1, where a bare `off`, `on`, `yes` or `no` is a boolean
      // (a Policy CRD enum value `off` was read as false and refused with a 422).
      return `---\n# ${notes.join(' · ')}\n${stringify(p.object, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' })}`;
    })
    .join('');
}

/** A plan as one JSON document: a `v1` List of the objects in apply order, keys sorted. */
export function planJson(plan: Plan): string {
  const list = { apiVersion: 'v1', kind: 'List', items: plan.objects.map((p) => p.object) };
  return `${JSON.stringify(
    list,
    (_key, v) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, v[k]]),
          )
        : v,
    2,
  )}\n`;
}
