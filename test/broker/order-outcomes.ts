// What became of the dealer orders a test sent. The order-to-cash workflow (specs/workflows/order-to-cash.yaml)
// takes every order: one over its dealer's credit limit waits for the simulated credit analysts
// (team-credit-management), who reject every third task they take; a rejected order is cancelled — the
// dealer told, its sales order rejected in SAP — and is never picked, shipped or delivered. That is a
// business outcome, not a lost order: "nothing lost" means delivered, or cancelled because credit was refused.
import type { Simulation } from '../../runtime/simulate/simulation.ts';

const EXECUTION_PREFIX = 'order-to-cash@1/';

/** The order numbers among `orders` whose credit the simulated analysts refused. */
export function creditRefused(sim: Simulation, orders: readonly string[]): string[] {
  const refused = new Set(
    sim.creditTeam.decisions.filter((d) => d.decision === 'reject').map((d) => d.execution.slice(EXECUTION_PREFIX.length)),
  );
  return orders.filter((n) => refused.has(n));
}

/**
 * Orders the dealer portal shows neither delivered nor — refused for credit — cancelled, with the status
 * it shows (empty when nothing was lost).
 */
export function ordersLost(sim: Simulation, orders: readonly string[]): { order: string; status: unknown }[] {
  const refused = new Set(creditRefused(sim, orders));
  return orders
    .map((order) => ({ order, status: sim.dealerPortal.orderStatus.get(order)?.status }))
    .filter(({ order, status }) => status !== (refused.has(order) ? 'cancelled' : 'delivered'));
}
