// The pure decisions of the delivery pipeline: what is permanent, how long to wait, what Retry-After
// means, which defaults a target gets.
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { backoffDelay, waitAfterFailure } from '../../../runtime/delivery/backoff.ts';
import {
  AttemptTimeout,
  ContractViolation,
  HttpStatusError,
  classifyFailure,
  isPermanentStatus,
} from '../../../runtime/delivery/failures.ts';
import { deliveryPolicyOf } from '../../../runtime/delivery/policy.ts';
import { parseRetryAfter } from '../../../runtime/delivery/retry-after.ts';

const policy = deliveryPolicyOf('r', 't', {
  timeout: '2s',
  retry: { maxAttempts: 4, initialBackoff: '100ms', maxBackoff: '1s', multiplier: 3, jitter: 0.5 },
});

describe('classification', () => {
  it('treats every 4xx but 408 and 429 as permanent by default, and a permanentOn list literally', () => {
    expect([400, 401, 403, 404, 409, 422].every((s) => isPermanentStatus(s, undefined))).toBe(true);
    expect([408, 429, 500, 502, 503, 504].some((s) => isPermanentStatus(s, undefined))).toBe(false);
    expect(isPermanentStatus(401, [400, 404])).toBe(false);
    expect(isPermanentStatus(404, [400, 404])).toBe(true);
  });

  it('names the reason of each failure', () => {
    expect(classifyFailure(new HttpStatusError(503, '', 2000, 'x'))).toMatchObject({
      kind: 'transient',
      reason: 'http-503',
      status: 503,
      retryAfterMs: 2000,
    });
    expect(classifyFailure(new HttpStatusError(422, '', undefined, 'x'))).toMatchObject({ kind: 'permanent', reason: 'http-422' });
    expect(classifyFailure(new ContractViolation('bad'))).toMatchObject({ kind: 'permanent', reason: 'contract-violation' });
    const mapping = Object.assign(new Error('lines[].warehouse: no entry'), { name: 'MappingError', code: 'lookup-missing' });
    expect(classifyFailure(mapping)).toMatchObject({ kind: 'permanent', reason: 'contract-violation:lookup-missing' });
    expect(classifyFailure(new AttemptTimeout(100))).toMatchObject({ kind: 'transient', reason: 'timeout' });
    expect(classifyFailure(new TaskCancelledError())).toMatchObject({ kind: 'transient', reason: 'timeout' });
    expect(classifyFailure(new BrokenCircuitError())).toMatchObject({ kind: 'transient', reason: 'circuit-open' });
    expect(classifyFailure(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toMatchObject({
      kind: 'transient',
      reason: 'network-econnrefused',
    });
  });
});

describe('waits', () => {
  it('grows exponentially to the cap, jitter only shortening', () => {
    const none = { ...policy, jitter: 0 };
    expect([1, 2, 3, 4].map((r) => backoffDelay(r, none))).toEqual([100, 300, 900, 1000]);
    expect(backoffDelay(2, policy, () => 0)).toBe(300);
    expect(backoffDelay(2, policy, () => 1)).toBe(150);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3, policy);
      expect(d).toBeGreaterThanOrEqual(450);
      expect(d).toBeLessThanOrEqual(900);
    }
  });

  it('waits at least Retry-After (capped) and at least until an open circuit half-opens', () => {
    const random = () => 0;
    expect(waitAfterFailure(new HttpStatusError(503, '', 5000, 'x'), 1, policy, 0, random)).toBe(5000);
    expect(waitAfterFailure(new HttpStatusError(503, '', 10, 'x'), 1, policy, 0, random)).toBe(100);
    expect(waitAfterFailure(new HttpStatusError(429, '', 3_600_000, 'x'), 1, policy, 0, random)).toBe(policy.maxRetryAfterMs);
    expect(waitAfterFailure(new BrokenCircuitError(), 1, policy, 7000, random)).toBe(7000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('policy', () => {
  it('fills defaults, the System timeout and a dead-letter topic', () => {
    const p = deliveryPolicyOf('order-fulfilment', 'wms', undefined, '20s');
    expect(p).toMatchObject({
      timeoutMs: 20_000,
      maxAttempts: 5,
      initialBackoffMs: 1000,
      multiplier: 2,
      jitter: 0.2,
      deadLetterTopic: 'dlq.order-fulfilment.wms',
      permanentOn: undefined,
    });
    expect(policy).toMatchObject({ timeoutMs: 2000, maxAttempts: 4, maxBackoffMs: 1000 });
  });
});
