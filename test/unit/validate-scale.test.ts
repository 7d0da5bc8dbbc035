/**
 * Estates far larger than any real one still validate in linear time and without deep recursion:
 * a 1,500-document successor chain and 4,000 routes feeding each other through topics (issue 10 #11).
 * The chain used to take over 90 s (reference resolution and the cycle walk were super-linear) and the
 * route loop overflowed the stack. Each estate closes one loop, so the test also proves it is found.
 */
import { describe, expect, it } from 'vitest';
import { loadSources } from '../../language/load/load-sources.ts';
import type { DocumentCheckCache } from '../../language/validate/validate-estate.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';

/**
 * Generous: a regression to quadratic or worse takes minutes. Asserted on the estate-wide checks
 * (identities, references, cycles: where the super-linear code was), timed on a second run whose
 * per-document checks come from the cache; the whole first run gets a looser bound, because on a
 * loaded machine its linear per-document schema checks alone can take several seconds.
 */
const BOUND_MS = 10_000;
const WHOLE_RUN_BOUND_MS = 30_000;

function validateText(path: string, text: string) {
  const loaded = loadSources([{ path, text }]);
  expect(loaded.diagnostics).toEqual([]);
  const cache: DocumentCheckCache = new WeakMap();
  let started = performance.now();
  validateEstate(loaded.documents, cache);
  const wholeMs = performance.now() - started;
  started = performance.now();
  const result = validateEstate(loaded.documents, cache);
  const ms = performance.now() - started;
  expect(wholeMs).toBeLessThan(WHOLE_RUN_BOUND_MS);
  return { result, ms, wholeMs };
}

const contract = (major: number, successor: number) => `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: chain }
spec:
  version: ${major}.0.0
  schema: { type: object }
  deprecation: { successor: chain@${successor} }
`;

const route = (i: number, count: number) => `apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: route-${i} }
spec:
  source: { topic: t.${i}, contract: event@1 }
  targets:
    - { name: next, topic: t.${(i + 1) % count} }
`;

describe('validation scales linearly', () => {
  it('a 1,500-document successor chain that loops back is one ref-cycle, found in a few seconds', () => {
    const count = 1_500;
    const text = Array.from({ length: count }, (_, i) => contract(i + 1, ((i + 1) % count) + 1)).join('---\n');
    const { result, ms, wholeMs } = validateText('chain.yaml', text);
    console.log(`successor chain of ${count}: validateEstate ${wholeMs.toFixed(0)} ms, estate-wide checks ${ms.toFixed(0)} ms`);
    const cycles = result.diagnostics.filter((d) => d.code === 'ref-cycle');
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.message).toContain('DataContract/chain@1 → DataContract/chain@2');
    expect(cycles[0]!.message).toContain(`(${count - 12} more)`);
    expect(result.diagnostics.filter((d) => d.code !== 'ref-cycle')).toEqual([]);
    expect(ms).toBeLessThan(BOUND_MS);
  }, 60_000);

  it('4,000 routes feeding each other in one ring are one loop, found without overflowing the stack', () => {
    const count = 4_000;
    const event = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: event }
spec:
  version: 1.0.0
  schema: { type: object }
`;
    const text = [event, ...Array.from({ length: count }, (_, i) => route(i, count))].join('---\n');
    const { result, ms, wholeMs } = validateText('routes.yaml', text);
    console.log(`route ring of ${count}: validateEstate ${wholeMs.toFixed(0)} ms, estate-wide checks ${ms.toFixed(0)} ms`);
    const loops = result.diagnostics.filter((d) => d.code === 'ref-cycle');
    expect(loops).toHaveLength(1);
    expect(loops[0]!.message).toContain('route-0 (t.0) → route-1 (t.1)');
    expect(result.diagnostics.filter((d) => d.code !== 'ref-cycle')).toEqual([]);
    expect(ms).toBeLessThan(BOUND_MS);
  }, 60_000);
});
