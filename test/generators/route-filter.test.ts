import { describe, expect, it } from 'vitest';
import { ValidationSession } from '../../language/validation-session.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { tempTree } from '../helpers/temp-tree.ts';

/**
 * Route filters are compiled into the route's bundle by the mapping compiler (CEL over `event`),
 * never interpreted per message: an unsupported construct or a type error is a diagnostic at the
 * filter, a unit whose filter fails gets no bundle, and the compiled function behaves like CEL with
 * the mapping language's missing-value rules.
 */
const ESTATE = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: ev }
spec:
  version: 1.0.0
  owner: t
  identity: [id]
  schema:
    type: object
    required: [id, kind]
    properties:
      id: { type: string }
      kind: { type: string }
      qty: { type: integer }
      tags: { type: array, items: { type: string } }
`;

function route(filter: string): Record<string, string> {
  return {
    'specs/contracts.yaml': ESTATE,
    'specs/route.yaml': `apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: r }
spec:
  owner: t
  source: { topic: ev.in, contract: ev@1 }
  filter: ${JSON.stringify(filter)}
  targets:
    - { name: out, topic: ev.out }
`,
  };
}

async function generateTree(files: Record<string, string>) {
  const tree = tempTree(files);
  try {
    const run = new ValidationSession().run(['specs'], { cwd: tree.root });
    expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return await new Generator().generate({ documents: run.result.documents, index: run.result.index, support: readSupportSources() });
  } finally {
    tree.cleanup();
  }
}

async function bundleOf(result: Awaited<ReturnType<typeof generateTree>>) {
  const manifest = JSON.parse(result.files.get('bundles/route-r.manifest.json')!) as { filter: string; estate: string };
  const module = await import(`data:text/javascript;base64,${Buffer.from(result.files.get('bundles/route-r.js')!).toString('base64')}`);
  return { manifest, filter: module[manifest.filter] as (event: unknown) => boolean, unit: module[manifest.estate] };
}

describe('compiled route filters', () => {
  it('compiles a filter into the bundle and runs it as CEL with missing values absent', async () => {
    const result = await generateTree(
      route("event.kind in ['a', 'b'] && (!has(event.qty) || event.qty > 2) && !event.tags.exists(t, t.matches('^x-'))"),
    );
    expect(result.diagnostics).toEqual([]);
    const module = result.files.get('routes/r.ts')!;
    expect(module).toContain('export function filterR(event: REvent): boolean');
    const { filter, unit } = await bundleOf(result);
    expect(filter({ id: '1', kind: 'a' })).toBe(true);
    expect(filter({ id: '1', kind: 'c' })).toBe(false);
    expect(filter({ id: '1', kind: 'b', qty: 1 })).toBe(false);
    expect(filter({ id: '1', kind: 'b', qty: 3, tags: ['y'] })).toBe(true);
    expect(filter({ id: '1', kind: 'b', tags: ['x-1'] })).toBe(false);
    // Not an object, or a value of the wrong type at run time: no match, never a crash.
    expect(filter(null)).toBe(false);
    expect(filter({ id: '1', kind: 'a', tags: 'oops' })).toBe(false);
    // The bundle carries the specs the worker needs.
    expect(unit.routes.map((r: { metadata: { name: string } }) => r.metadata.name)).toEqual(['r']);
    expect(unit.contracts).toEqual([
      {
        apiVersion: 'interlace.dev/v1alpha1',
        kind: 'DataContract',
        metadata: { name: 'ev' },
        spec: { identity: ['id'], version: '1.0.0' },
      },
    ]);
  });

  it('reports an unsupported construct at the filter, with its column, and makes no bundle', async () => {
    const result = await generateTree(route("event.kind == 'a' && duration('1h') != null"));
    expect(result.diagnostics.map((d) => [d.code, d.range.start.line, d.message])).toEqual([
      ['route-filter-unsupported', 7, 'filter: expression function `duration` is not supported (column 22 of the expression)'],
    ]);
    expect(result.files.has('bundles/route-r.js')).toBe(false);
  });

  it('reports type errors of the compiled filter at the filter: a value that may be missing, a non-boolean', async () => {
    const optional = await generateTree(route('event.qty > 2'));
    expect(optional.diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([['route-filter-type-error', 7]]);
    expect(optional.diagnostics[0]!.message).toMatch(/^filter: .*possibly 'undefined'/);
    expect(optional.diagnostics[0]!.hint).toContain('has(event.field)');
    expect(optional.files.has('bundles/route-r.js')).toBe(false);

    const text = await generateTree(route('event.kind'));
    expect(text.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['route-filter-type-error', 'filter: the expression gives a string, not a boolean (true routes the event)'],
    ]);
  });

  it('keeps hostile filter text as data', async () => {
    const result = await generateTree(route("event.kind == '\"); process.exit(1); //' || event.kind == '*/ `${process.exit(1)}`'"));
    expect(result.diagnostics).toEqual([]);
    const { filter } = await bundleOf(result);
    expect(filter({ id: '1', kind: '"); process.exit(1); //' })).toBe(true);
    expect(filter({ id: '1', kind: 'a' })).toBe(false);
  });
});
