// The run summary says how the EDI partner's 997s answered the X12 interchanges the edi-x12 targets
// wrote, and says so loudly when one was rejected; without a simulated partner there is no line.
import { describe, expect, it } from 'vitest';
import { RuntimeMetrics } from '../../../runtime/observe/metrics.ts';
import { StatsReader } from '../../../runtime/run/run-stats.ts';
import { buildSummary, renderSummary } from '../../../runtime/run/summary.ts';

describe('run summary: X12 to the EDI partner', () => {
  it('shows interchanges and their 997s', async () => {
    const stats = await new StatsReader(new RuntimeMetrics()).snapshot('whole');
    const summary = buildSummary({ durationMs: 1000, backbone: 'sqlite', settled: true, stats, ordersSent: 0, forecastProposals: 0 });
    expect(summary.x12).toBeUndefined();
    expect(renderSummary(summary)).not.toContain('X12');
    expect(renderSummary({ ...summary, x12: { interchanges: 24, accepted: 24, rejected: 0 } })).toContain(
      '  X12 to the EDI partner   24 interchanges, 24 accepted by its 997s\n',
    );
    expect(renderSummary({ ...summary, x12: { interchanges: 3, accepted: 2, rejected: 1 } })).toContain(
      '  X12 to the EDI partner   3 interchanges, 2 accepted by its 997s, 1 REJECTED\n',
    );
  });
});
