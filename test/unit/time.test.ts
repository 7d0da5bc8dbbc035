// The one Kubernetes time formatter (lib/time.ts): metav1.Time for conditions and status, MicroTime for Events.
import { describe, expect, it } from 'vitest';
import { kubeMicroTime, kubeTime } from '../../lib/time.ts';

describe('Kubernetes times', () => {
  it('Time has seconds precision, MicroTime microseconds, both in UTC', () => {
    const at = new Date('2025-01-02T03:04:05.678Z');
    expect(kubeTime(at)).toBe('2025-01-02T03:04:05Z');
    expect(kubeMicroTime(at)).toBe('2025-01-02T03:04:05.678000Z');
  });
});
