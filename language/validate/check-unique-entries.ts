import type { PathSegment } from '../diagnostics/diagnostic.ts';
import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

/** Lists whose entries are named must not repeat a name: route targets, API operations, policy rules. */
export function checkUniqueEntries(doc: SpecDocument, report: Reporter): void {
  if (doc.kind === 'EventRoute') unique(doc, report, ['spec', 'targets'], doc.spec.targets, (t) => t.name, 'target', 'name');
  if (doc.kind === 'Policy') unique(doc, report, ['spec', 'rules'], doc.spec.rules, (r) => r.id, 'rule', 'id');
  if (doc.kind === 'Workflow') unique(doc, report, ['spec', 'steps'], doc.spec.steps, (s) => s.id, 'step', 'id');
  if (doc.kind === 'Api') {
    unique(doc, report, ['spec', 'operations'], doc.spec.operations, (o) => o.id, 'operation', 'id');
    unique(doc, report, ['spec', 'operations'], doc.spec.operations, (o) => `${o.method} ${o.path}`, 'operation', 'path');
  }
}

function unique<T>(
  doc: SpecDocument,
  report: Reporter,
  path: PathSegment[],
  list: readonly T[] | undefined,
  keyOf: (entry: T) => string,
  what: string,
  field: string,
): void {
  const seen = new Map<string, number>();
  (list ?? []).forEach((entry, i) => {
    const key = keyOf(entry);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    report.add(
      doc,
      'duplicate-entry',
      [...path, i, field],
      `${what} "${key}" is already defined as entry ${first + 1}`,
      `Each ${what} must be unique in the list; rename or remove one.`,
    );
  });
}
