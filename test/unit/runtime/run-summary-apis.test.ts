// The run's summary and live view count what API clients saw: a 404 or 429 is a client error, a
// 502 a server error, and neither is "0 errors" (issue 10, finding 7: availability@1 answered only
// 502 while the demo reported no errors).
import { describe, expect, it } from 'vitest';
import { RuntimeMetrics } from '../../../runtime/observe/metrics.ts';
import { StatsReader } from '../../../runtime/run/run-stats.ts';
import { buildSummary, renderSummary } from '../../../runtime/run/summary.ts';

describe('API figures of a run', () => {
  it('count 4xx and 5xx answers separately, and both as errors', async () => {
    const metrics = new RuntimeMetrics();
    const count = (api: string, status: string, n: number) => metrics.apiRequests.inc({ api, operation: 'op', status }, n);
    count('availability@1', '200', 3);
    count('availability@1', '404', 4);
    count('availability@1', '429', 1);
    count('availability@1', '502', 2);
    count('order-status@1', '200', 5);
    const stats = await new StatsReader(metrics).snapshot('whole');
    expect(stats.apis.find((a) => a.api === 'availability@1')).toMatchObject({
      requests: 10,
      clientErrors: 5,
      serverErrors: 2,
      errors: 7,
    });
    const summary = buildSummary({ durationMs: 1000, backbone: 'sqlite', settled: true, stats, ordersSent: 0, forecastProposals: 0 });
    expect(summary.apis).toContainEqual({ api: 'availability@1', requests: 10, clientErrors: 5, serverErrors: 2, errors: 7 });
    const text = renderSummary(summary);
    expect(text).toMatch(/api availability@1\s+10 requests: 3 answered, 5 client errors \(4xx\), 2 server errors \(5xx\)/);
    expect(text).toMatch(/api order-status@1\s+5 requests: 5 answered, 0 client errors \(4xx\), 0 server errors \(5xx\)/);
  });
});
