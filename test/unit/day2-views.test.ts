// The tables of `interlace get estates` and `interlace events`, and kubectl-style ages.
import { describe, expect, it } from 'vitest';
import type { LiveObject } from '../../controller/apply/index.ts';
import { renderEstates } from '../../cli/commands/get.ts';
import { renderEvents } from '../../cli/commands/events.ts';
import { age } from '../../cli/kube-views.ts';

const now = new Date('2026-12-04T12:00:00Z');

describe('day-2 views', () => {
  it('ages round down to the largest unit, as kubectl prints them', () => {
    expect(age('2026-12-04T11:59:15Z', now)).toBe('45s');
    expect(age('2026-12-04T11:48:00Z', now)).toBe('12m');
    expect(age('2026-12-04T07:00:00Z', now)).toBe('5h');
    expect(age('2026-12-01T12:00:00Z', now)).toBe('3d');
    expect(age(undefined, now)).toBe('');
    expect(age('not a time', now)).toBe('');
  });

  it('lists estates sorted, with suspension, the Ready condition and the first line of its message', () => {
    const estate = (namespace: string, name: string, extra: Partial<LiveObject> & { spec?: unknown }) =>
      ({
        apiVersion: 'interlace.dev/v1alpha1',
        kind: 'Estate',
        metadata: { name, namespace, creationTimestamp: '2026-12-04T11:00:00Z' },
        ...extra,
      }) as LiveObject;
    const text = renderEstates(
      [
        estate('b', 'shop', { spec: { suspend: true }, status: { lastAppliedRevision: 'main@sha1:2', conditions: [] } }),
        estate('a', 'shop', {
          status: {
            lastAppliedRevision: 'main@sha1:1',
            conditions: [{ type: 'Ready', status: 'False', reason: 'ValidationFailed', message: 'Revision rejected\nsecond line' }],
          },
        }),
      ],
      true,
      now,
    );
    expect(text.split('\n')).toEqual([
      'NAMESPACE   NAME   REVISION      SUSPENDED   READY     AGE   MESSAGE',
      'a           shop   main@sha1:1   False       False     60m   Revision rejected',
      'b           shop   main@sha1:2   True        Unknown   60m',
      '',
    ]);
    expect(renderEstates([], false, now)).toBe('No estates found.\n');
  });

  it('lists events oldest first by series, event time or the core/v1 timestamps', () => {
    const text = renderEvents(
      [
        {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: 'b' },
          eventTime: '2026-12-04T11:59:00.000000Z',
          type: 'Warning',
          reason: 'ValidationFailed',
          note: 'Revision rejected\nmore',
          regarding: { kind: 'Estate', name: 'shop' },
        },
        {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: 'a' },
          eventTime: null,
          deprecatedLastTimestamp: '2026-12-04T11:50:00Z',
          series: { count: 3, lastObservedTime: '2026-12-04T11:55:00.000000Z' },
          type: 'Normal',
          reason: 'ScalingReplicaSet',
          note: 'Scaled up',
          regarding: { kind: 'Deployment', name: 'route-x' },
        },
      ],
      now,
    );
    expect(text.split('\n')).toEqual([
      'LAST SEEN   TYPE      REASON              OBJECT               MESSAGE',
      '5m (x3)     Normal    ScalingReplicaSet   Deployment/route-x   Scaled up',
      '60s         Warning   ValidationFailed    Estate/shop          Revision rejected',
      '',
    ]);
  });
});
