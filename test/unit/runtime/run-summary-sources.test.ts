// The run summary shows the events each System source took in (interlace_source_events_total), and
// says so loudly when deliveries were rejected.
import { describe, expect, it } from 'vitest';
import { RuntimeMetrics } from '../../../runtime/observe/metrics.ts';
import { StatsReader } from '../../../runtime/run/run-stats.ts';
import { buildSummary, renderSummary } from '../../../runtime/run/summary.ts';

describe('run summary: events in per source', () => {
  it('counts each outcome per System source', async () => {
    const metrics = new RuntimeMetrics();
    const count = (system: string, source: string, outcome: string, n: number) => metrics.sourceEvents.inc({ system, source, outcome }, n);
    count('dealer-portal', 'webhook', 'published', 300);
    count('dealer-portal', 'webhook', 'replayed', 2);
    count('dealer-portal', 'webhook', 'rejected', 1);
    count('cloud-erp', 'poll/items', 'published', 48);
    count('cloud-erp', 'poll/items', 'duplicate', 3);
    const stats = await new StatsReader(metrics).snapshot('whole');
    expect(stats.sources).toEqual([
      { system: 'cloud-erp', source: 'poll/items', published: 48, duplicates: 3, unrouted: 0, replayed: 0, rejected: 0 },
      { system: 'dealer-portal', source: 'webhook', published: 300, duplicates: 0, unrouted: 0, replayed: 2, rejected: 1 },
    ]);
    const text = renderSummary(
      buildSummary({ durationMs: 1000, backbone: 'sqlite', settled: true, stats, ordersSent: 0, forecastProposals: 0 }),
    );
    expect(text).toMatch(
      /events in per source:\n\s+cloud-erp poll\/items\s+48 published, 3 duplicates\n\s+dealer-portal webhook\s+300 published, 2 replayed deliveries, 1 REJECTED\n/,
    );
  });
});
