/**
 * Scales every route target's timeouts (never below 5 s: a shorter one times out requests a loaded
 * machine would have answered, and the retry then duplicates an effect the target made) and backoffs by a factor (tests and demos: a spec's `2s`
 * initial backoff becomes 20 ms at 0.01), so the fault tests exercise the real retry schedule shape in
 * seconds instead of minutes. Attempt counts, permanent statuses and everything else stay as written.
 */
import { durationMs } from '../../lib/duration.ts';
import type { WorkerEstate } from '../worker/estate.ts';

function scaled(value: string | undefined, factor: number, floorMs: number): string | undefined {
  if (value === undefined) return undefined;
  return `${Math.max(floorMs, Math.round(durationMs(value, 0) * factor))}ms`;
}

export function scaleDelivery(estate: WorkerEstate, factor: number, options: { minTimeoutMs?: number } = {}): WorkerEstate {
  if (factor === 1) return estate;
  const copy = structuredClone(estate);
  for (const route of copy.routes) {
    for (const target of route.spec.targets) {
      const d = target.delivery;
      if (!d) continue;
      const timeout = scaled(d.timeout, factor, options.minTimeoutMs ?? 5_000);
      if (timeout) d.timeout = timeout;
      if (d.retry) {
        const initial = scaled(d.retry.initialBackoff, factor, 5);
        const max = scaled(d.retry.maxBackoff, factor, 10);
        if (initial) d.retry.initialBackoff = initial;
        if (max) d.retry.maxBackoff = max;
      }
    }
  }
  for (const system of copy.systems) {
    const limits = system.spec.limits;
    if (limits?.timeout) limits.timeout = scaled(limits.timeout, factor, options.minTimeoutMs ?? 5_000)!;
  }
  return copy;
}
