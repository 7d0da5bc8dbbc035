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

  it('shows files out per file and X12 target (one per delivered message) and the partner files our 997s answered', async () => {
    const metrics = new RuntimeMetrics();
    metrics.messages.inc({ route: 'finance-transactions', target: 'finance-feed', outcome: 'delivered' }, 920);
    metrics.messages.inc({ route: 'finance-transactions', target: 'finance-feed', outcome: 'duplicate' }, 3);
    metrics.messages.inc({ route: 'purchase-order-to-supplier', target: 'edi-partner', outcome: 'delivered' }, 24);
    metrics.messages.inc({ route: 'order-validation', target: 'legacy-erp', outcome: 'delivered' }, 300);
    const stats = await new StatsReader(metrics).snapshot('whole');
    const summary = buildSummary({
      durationMs: 1000,
      backbone: 'sqlite',
      settled: true,
      stats,
      ordersSent: 0,
      forecastProposals: 0,
      fileTargets: [
        {
          route: 'finance-transactions',
          target: 'finance-feed',
          system: 'finance-feed',
          kind: 'file',
          via: 'sftp://interlace@127.0.0.1:7413',
        },
        { route: 'purchase-order-to-supplier', target: 'edi-partner', system: 'edi-partner', kind: 'x12' },
        { route: 'shipment-asn-to-trading-partner', target: 'edi-partner', system: 'edi-partner', kind: 'x12' },
      ],
    });
    const text = renderSummary({ ...summary, x12In: { files: 20, transactionSets: 24, accepted: 20, rejected: 0 } });
    expect(text).toContain(
      [
        '  files out per target:',
        '    finance-transactions/finance-feed        920 files to finance-feed over sftp://interlace@127.0.0.1:7413',
        '    purchase-order-to-supplier/edi-partner   24 X12 interchanges to edi-partner',
        '    shipment-asn-to-trading-partner/edi-partner 0 X12 interchanges to edi-partner',
      ].join('\n'),
    );
    expect(text).toContain('  X12 from the EDI partner 20 files, 24 transaction sets; our 997s: 20 groups accepted\n');
    expect(renderSummary({ ...summary, x12In: { files: 2, transactionSets: 2, accepted: 1, rejected: 1 } })).toContain(
      '1 groups accepted, 1 REJECTED',
    );
  });
});
