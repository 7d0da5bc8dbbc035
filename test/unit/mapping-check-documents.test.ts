import { afterEach, describe, expect, it } from 'vitest';
import type { DocumentChange } from '../../governance/document-changes.ts';
import { documentsForMappingCheck, mappingsReachedByContractChanges } from '../../governance/mapping-breaks.ts';
import type { SpecDocument } from '../../language/validate/estate-index.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { tempTree } from '../helpers/temp-tree.ts';

/**
 * `check --base` type-checks the mappings a changed contract reaches with only what they need: their
 * contracts (read, written, enriched from), the steps of a reached chain, and the Systems — not the
 * whole estate (generating every contract of a 5,000-document estate took 20-30 s).
 */
const contract = (name: string, field: string) => `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: ${name} }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    required: [${field}]
    properties: { ${field}: { type: string } }
`;
const mapping = (name: string, from: string, to: string, body: string) => `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: ${name} }
spec:
  from: ${from}
  to: ${to}
  owner: t
${body}`;

const ESTATE = [
  contract('a', 'id'),
  contract('b', 'ref'),
  contract('c', 'code'),
  contract('item', 'name'),
  contract('unrelated', 'other'),
  contract('unrelated-target', 'other'),
  mapping('a-to-b', 'a@1', 'b@1', '  rules:\n    - { target: ref, from: id }\n'),
  mapping('b-to-c', 'b@1', 'c@1', '  rules:\n    - { target: code, from: ref }\n'),
  mapping('a-to-c', 'a@1', 'c@1', '  steps: [a-to-b, b-to-c]\n'),
  mapping(
    'a-to-c-named',
    'a@1',
    'c@1',
    `  enrich:
    item:
      system: erp
      operation: GET /items('{id}')
      contract: item@1
  rules:
    - { target: code, expr: enriched.item.name }
`,
  ),
  mapping('unrelated-copy', 'unrelated@1', 'unrelated-target@1', '  rules:\n    - { target: other, from: other }\n'),
  `apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: erp }
spec:
  type: erp
  hosting: cloud
  owner: t
  endpoint: { protocol: http, url: "https://erp.example.com", format: json }
`,
].join('---\n');

let tree: ReturnType<typeof tempTree> | undefined;
afterEach(() => tree?.cleanup());

function estate() {
  tree = tempTree({ 'specs/estate.yaml': ESTATE });
  const run = new ValidationSession().run(['specs'], { cwd: tree.root });
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return run.result.index;
}

const changed = (doc: SpecDocument): DocumentChange => ({
  identity: `DataContract/${doc.name}@1`,
  kind: 'changed',
  before: doc,
  after: doc,
});
const names = (docs: readonly SpecDocument[]) => docs.map((d) => `${d.kind}/${d.name}`).sort();

describe('documentsForMappingCheck', () => {
  it('takes the reached mappings, the steps of a reached chain, their contracts and the Systems, and nothing else', () => {
    const index = estate();
    const a = index.named('DataContract', 'a')[0]!;
    const reached = mappingsReachedByContractChanges(index, [changed(a)]);
    expect(reached.map((r) => r.mapping.name).sort()).toEqual(['a-to-b', 'a-to-c', 'a-to-c-named']);
    expect(names(documentsForMappingCheck(index, reached))).toEqual([
      'DataContract/a',
      'DataContract/b',
      'DataContract/c',
      'DataContract/item',
      'Mapping/a-to-b',
      'Mapping/a-to-c',
      'Mapping/a-to-c-named',
      // Not reached by the change to `a`, but the chain a-to-c is compiled from it.
      'Mapping/b-to-c',
      'System/erp',
    ]);
  });

  it('takes nothing but the Systems when no mapping is reached', () => {
    const index = estate();
    expect(names(documentsForMappingCheck(index, []))).toEqual(['System/erp']);
  });
});
