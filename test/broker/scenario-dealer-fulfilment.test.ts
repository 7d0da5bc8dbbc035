// Scenario 1 of DESIGN.md end to end, on the embedded backbone and on a real nats-server: dealer orders
// go through the order-to-cash workflow (credit check, sales order, credit analyst for orders over the
// limit, shipment, invoice) and reach both ERPs and the WMS, shipments flow back to the CRM and the
// dealer order-status API, the inventory positions of the legacy ERP, the cloud ERP and the WMS agree at
// the end, and finance has a standardized feed from both ERPs. An order the credit analyst rejects is
// cancelled for the dealer and rejected in SAP (the workflow's compensation), and nothing downstream
// sees it. Every route target balances; no system saw an effect twice.
import { afterAll, describe, expect, it } from 'vitest';
import { backboneFactories, startEstate, unbalanced } from './scenario-support.ts';
import type { BackboneUnderTest } from './scenario-support.ts';
import type { EstateRun } from '../../runtime/run/estate-run.ts';

const ORDERS = Number(process.env.INTERLACE_SCENARIO_ORDERS ?? 1000);
const factories = await backboneFactories();

for (const factory of factories) {
  // Skipped only on a developer machine that cannot build the server (no Go), with the reason printed;
  // under INTERLACE_REQUIRE_ALL_TIERS=1 (.ci/run) the harness throws instead, so CI never skips this.
  describe.skipIf(factory.skip !== undefined)(`scenario 1 — dealer fulfilment (${factory.name})`, () => {
    let bb: BackboneUnderTest | undefined;
    let run: EstateRun | undefined;
    afterAll(async () => {
      await run?.stop();
      await bb?.close();
    });

    it(`${ORDERS} dealer orders reach both ERPs and the WMS, ship, and leave zero inventory divergence`, { timeout: 330_000 }, async () => {
      bb = await factory.open();
      run = await startEstate(bb);
      const sim = run.simulation!;
      const orders = sim.sendOrders(ORDERS);
      expect(await run.settle({ timeoutMs: 280_000, quietMs: 1_500 })).toBe(true);

      // Credit: SAP's check blocked the orders over their dealer's limit (only Bauer, 10100004, runs
      // close to it: world.ts); the simulated credit analysts decided every one through the task API —
      // every third rejected — and only those rejected were cancelled.
      const salesOrders = [...sim.legacyErp.salesOrders.values()];
      const blocked = salesOrders.filter((o) => o.TotalCreditCheckStatus !== 'A');
      expect(blocked.length).toBeGreaterThan(0);
      expect(blocked.length).toBeLessThan(ORDERS / 5);
      expect(new Set(blocked.map((o) => o.SoldToParty))).toEqual(new Set(['10100004']));
      const team = sim.creditTeam;
      expect(team.refused.size).toBe(0);
      expect(team.decisions.map((d) => d.execution).sort()).toEqual(blocked.map((o) => `order-to-cash@1/${o.AssignmentReference}`).sort());
      const rejected = team.decisions.filter((d) => d.decision === 'reject').map((d) => d.execution.slice('order-to-cash@1/'.length));
      expect(rejected.length).toBe(Math.floor(blocked.length / 3));
      // Compensation: each rejected order is rejected in SAP (never released), the dealer sees it cancelled.
      const rejectedInSap = salesOrders.filter((o) => o.OverallSDDocumentRejectionSts === 'C').map((o) => String(o.AssignmentReference));
      expect(rejectedInSap.sort()).toEqual([...rejected].sort());
      expect(sim.legacyErp.ledger.count('order-rejection')).toBe(rejected.length);
      expect(sim.legacyErp.ledger.count('credit-release')).toBe(blocked.length - rejected.length);
      expect(rejected.filter((n) => sim.dealerPortal.orderStatus.get(n)?.status !== 'cancelled')).toEqual([]);
      const fulfilled = orders.filter((n) => !rejected.includes(n));
      const F = fulfilled.length;

      // Every other order: created in SAP, picked by the WMS, released to and dispatched by the TMS,
      // invoiced by the workflow (billing block Z1) with the invoice in the CRM, and seen as delivered by
      // the dealer portal. The rejected ones reached none of them.
      expect(sim.legacyErp.ledger.count('sales-order')).toBe(ORDERS);
      expect(sim.legacyErp.ledger.count('goods-issue')).toBe(F);
      expect(sim.legacyErp.ledger.count('billing')).toBe(F);
      expect(sim.wms.ledger.count('pick')).toBe(F);
      expect(rejected.filter((n) => sim.wms.ledger.has('pick', n))).toEqual([]);
      expect(sim.tms.ledger.count('order-release')).toBe(F);
      expect(sim.tms.dispatched.size).toBe(F);
      expect(sim.cloudErp.ledger.count('shipment')).toBe(F);
      expect(sim.crm.orders.size).toBe(F);
      expect(sim.crm.shipments.size).toBe(F);
      expect([...sim.crm.invoices.keys()].sort()).toEqual([...fulfilled].sort());
      const notDelivered = fulfilled.filter((n) => sim.dealerPortal.orderStatus.get(n)?.status !== 'delivered');
      expect(notDelivered).toEqual([]);

      // The workflow's executions: one per order, completed or compensated, none left waiting.
      const executions = (await run.workflows!.engine.list()).filter((e) => e.workflow === 'order-to-cash@1');
      const byStatus: Record<string, number> = {};
      for (const e of executions) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
      expect(byStatus).toEqual({ completed: F, ...(rejected.length ? { compensated: rejected.length } : {}) });

      // Inventory agrees across the legacy ERP, the cloud ERP and the WMS.
      const divergence = sim.divergence();
      expect(divergence.legacyVsWms).toEqual([]);
      expect(divergence.cloudVsWms).toEqual([]);

      // Finance: one standardized feed from both ERPs (one invoice per order from SAP, one ledger entry per line from BC).
      expect(sim.financeFeed.bySource['legacy-erp']).toBe(F);
      expect(sim.financeFeed.bySource['cloud-erp']).toBe(sim.cloudErp.ledgerEntries.length);

      // The dealer order-status API answers from its view.
      const token = sim.identity.token({ audience: 'api://interlace/order-status', scopes: ['orders:read'] });
      for (const n of orders.slice(0, 20)) {
        const res = await fetch(`${run.gateway.url}/order-status/v1/orders/${n}`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { status: string }).status).toBe('delivered');
      }

      expect(await unbalanced(run)).toEqual([]);
      expect(sim.duplicateEffects()).toEqual(Object.fromEntries(sim.systems.map((s) => [s.name, 0])));
      const totals = (await run.stats.snapshot('whole')).totals;
      expect(totals.deadLettered + totals.parked).toBe(0);
    });
  });
}
