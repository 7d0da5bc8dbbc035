import { isDeepStrictEqual } from 'node:util';
import { parse, unparse } from '@bufbuild/cel';
import type { SpecOf } from '../language/kinds/kind-documents.ts';
import type { EstateIndex, SpecDocument } from '../language/validate/estate-index.ts';
import type { BreakingChange, ChangeSize } from './breaking-change.ts';
import { contractKey, withoutKeys } from './spec-compare.ts';

/** A route target as the EventRoute kind's schema declares it. */
type Target = SpecOf<'EventRoute'>['targets'][number];

/**
 * What breaks the subscribers of an event route: the event contract changed to another contract or
 * major, the filter narrowed or rewritten (subscribers stop getting events they rely on), a topic
 * they read removed or carrying another contract, the key or ordering changed.
 */
export function compareRoutes(
  before: SpecDocument<'EventRoute'>,
  after: SpecDocument<'EventRoute'>,
  baseIndex: EstateIndex,
  headIndex: EstateIndex,
): { breaking: BreakingChange[]; size: ChangeSize } {
  const breaking: BreakingChange[] = [];
  const add = (path: (string | number)[], change: string, message: string, hint: string) =>
    breaking.push({ doc: after, path, change, message, hint, affects: 'subscribers' });
  const subscribers = describeOutputs(after);

  if (contractKey(before.spec.source.contract) !== contractKey(after.spec.source.contract)) {
    add(
      ['spec', 'source', 'contract'],
      'event-contract-changed',
      `the route now carries ${after.spec.source.contract} instead of ${before.spec.source.contract}`,
      `Subscribers (${subscribers}) parse the old contract. Run a second route for the new contract and retire this one after its consumers moved.`,
    );
  }
  const filterChange = compareFilters(before.spec.filter, after.spec.filter);
  if (filterChange === 'narrowed' || filterChange === 'rewritten') {
    add(
      ['spec', 'filter'],
      filterChange === 'narrowed' ? 'filter-narrowed' : 'filter-changed',
      filterChange === 'narrowed'
        ? `the filter now lets fewer events through: ${after.spec.filter}`
        : `the filter changed from \`${before.spec.filter}\` to \`${after.spec.filter}\``,
      `Subscribers (${subscribers}) may stop receiving events they rely on. If the new filter only widens the old one, waive this finding with its fingerprint.`,
    );
  }
  if (!isDeepStrictEqual(before.spec.key ?? null, after.spec.key ?? null)) {
    add(
      ['spec', 'key'],
      'key-changed',
      `the event key changed from [${(before.spec.key ?? ['(contract identity)']).join(', ')}] to [${(after.spec.key ?? ['(contract identity)']).join(', ')}]`,
      'Idempotency and ordering use the key: duplicates may get through and ordering guarantees change. Introduce the new key on a new route.',
    );
  }
  if ((before.spec.ordering ?? 'none') === 'per-key' && (after.spec.ordering ?? 'none') !== 'per-key') {
    add(
      ['spec', 'ordering'],
      'ordering-dropped',
      'per-key ordering was dropped',
      'Subscribers that apply events in order (status updates, stock levels) will see them out of order.',
    );
  }
  const topicsAfter = new Map<string | undefined, [Target, number]>(after.spec.targets.map((t, i) => [t.topic, [t, i]]));
  for (const target of before.spec.targets) {
    if (typeof target.topic !== 'string') continue;
    const current = topicsAfter.get(target.topic);
    if (!current) {
      add(
        ['spec', 'targets'],
        'topic-removed',
        `the route no longer publishes to topic ${target.topic}`,
        `Routes and consumers reading ${target.topic} stop receiving events. Keep publishing until they moved.`,
      );
      continue;
    }
    const [now, i] = current;
    const was = deliveredContract(before, target, baseIndex);
    const is = deliveredContract(after, now, headIndex);
    if (was && is && was !== is) {
      add(
        ['spec', 'targets', i, now.mapping ? 'mapping' : 'contract'],
        'topic-contract-changed',
        `topic ${target.topic} now carries ${is} instead of ${was}`,
        `Consumers of ${target.topic} parse ${was}. Publish the new contract to a new topic.`,
      );
    }
  }
  const size: ChangeSize =
    breaking.length > 0
      ? 'breaking'
      : isDeepStrictEqual(strip(before.spec), strip(after.spec))
        ? isDeepStrictEqual(before.spec, after.spec)
          ? 'none'
          : 'docs'
        : 'additive';
  return { breaking, size };
}

/** `widened` when the old filter implied the new one; `narrowed` when the new one is `old && more`. */
function compareFilters(before: string | undefined, after: string | undefined): 'same' | 'widened' | 'narrowed' | 'rewritten' {
  const normal = (text: string | undefined) => {
    if (text === undefined) return undefined;
    try {
      return unparse(parse(text));
    } catch {
      return text.trim();
    }
  };
  const a = normal(before);
  const b = normal(after);
  if (a === b) return 'same';
  if (b === undefined) return 'widened';
  if (a === undefined) return 'narrowed';
  const conjuncts = (text: string) => {
    try {
      const expr = parse(text).expr;
      const out: string[] = [];
      const visit = (e: typeof expr) => {
        if (e.exprKind.case === 'callExpr' && e.exprKind.value.function === '_&&_') e.exprKind.value.args.forEach(visit);
        else out.push(unparse({ expr: e } as Parameters<typeof unparse>[0]));
      };
      visit(expr);
      return out;
    } catch {
      return [text];
    }
  };
  const old = conjuncts(before!);
  const now = conjuncts(after!);
  if (old.every((c) => now.includes(c))) return 'narrowed';
  if (now.every((c) => old.includes(c))) return 'widened';
  return 'rewritten';
}

function deliveredContract(route: SpecDocument<'EventRoute'>, target: Target, index: EstateIndex): string | undefined {
  if (typeof target.contract === 'string') return contractKey(target.contract);
  if (typeof target.mapping === 'string') {
    const mapping = index.resolve('Mapping', target.mapping);
    return mapping.ok ? contractKey(mapping.target.spec.to) : undefined;
  }
  return contractKey(route.spec.source.contract);
}

function describeOutputs(route: SpecDocument<'EventRoute'>): string {
  return route.spec.targets.map((t) => t.system ?? `topic ${t.topic}`).join(', ');
}

/** The spec without fields that only document. */
const strip = (spec: unknown) => withoutKeys(spec, ['description', 'owner']);
