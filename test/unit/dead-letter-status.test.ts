// Dead-letter counts in the Estate's status (issue 12 part 6), the pure half: which topics a route's
// count reads (as the worker names them, shared topics once) and how counts become status fields.
import { describe, expect, it } from 'vitest';
import { routeDeadLetterTopics } from '../../controller/reconcile/dead-letter-counts.ts';
import type { Plan, PlannedObject } from '../../controller/plan/index.ts';
import { estateStatus } from '../../controller/status/index.ts';
import type { EstateOutcome } from '../../controller/status/index.ts';

const route = (name: string, targets: unknown[]): PlannedObject =>
  ({
    stage: 2,
    key: `interlace.dev/v1alpha1/EventRoute/shop/${name}`,
    ref: { apiVersion: 'interlace.dev/v1alpha1', kind: 'EventRoute', namespace: 'shop', name },
    object: { apiVersion: 'interlace.dev/v1alpha1', kind: 'EventRoute', metadata: { name, namespace: 'shop' }, spec: { targets } },
    contentHash: '',
    prune: true,
  }) as PlannedObject;

const applied = (deadLetters?: { route: string; count: number }[]): EstateOutcome => ({
  kind: 'applied',
  revision: 'main@sha1:1',
  inventory: [],
  counts: { specs: 1, units: 1, objects: 1, ready: 1, progressing: 0, degraded: 0 },
  health: 'Healthy',
  healthMessage: '',
  ...(deadLetters ? { deadLetters } : {}),
});

describe('dead letters in the Estate status', () => {
  it('reads each route target dead-letter topic as the worker names it, a shared one once', () => {
    const plan: Plan = {
      objects: [
        route('zeta', [{ name: 'crm' }]),
        route('alpha', [
          { name: 'canonical', delivery: { deadLetter: { topic: 'dlq.alpha' } } },
          { name: 'archive', delivery: { deadLetter: { topic: 'dlq.alpha' } } },
          { name: 'wms' },
        ]),
      ],
      units: [],
      diagnostics: [],
    };
    expect(routeDeadLetterTopics(plan)).toEqual([
      { route: 'alpha', topics: ['dlq.alpha', 'dlq.alpha.wms'] },
      { route: 'zeta', topics: ['dlq.zeta.crm'] },
    ]);
  });

  it('lists routes with waiting dead letters (most first), totals them, and keeps the last counts when none were read', () => {
    const first = estateStatus(
      applied([
        { route: 'b', count: 2 },
        { route: 'a', count: 0 },
        { route: 'c', count: 5 },
        { route: 'd', count: 2 },
      ]),
      undefined,
      1,
      '2026-12-04T00:00:00Z',
    );
    expect({ deadLetters: first.deadLetters, deadLetterCount: first.deadLetterCount }).toEqual({
      deadLetters: [
        { route: 'c', count: 5 },
        { route: 'b', count: 2 },
        { route: 'd', count: 2 },
      ],
      deadLetterCount: 9,
    });
    const unread = estateStatus(applied(), first, 1, '2026-12-04T00:01:00Z');
    expect(unread.deadLetterCount).toBe(9);
    const cleared = estateStatus(applied([{ route: 'c', count: 0 }]), first, 1, '2026-12-04T00:02:00Z');
    expect({ deadLetters: cleared.deadLetters, deadLetterCount: cleared.deadLetterCount }).toEqual({ deadLetters: [], deadLetterCount: 0 });
  });
});
