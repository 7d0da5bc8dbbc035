// A second `interlace run` on the same store (same run folder: the embedded backbone, adapter state,
// the simulated systems' folders) delivers every order, as the first did. The simulated systems used to
// number their documents from fixed values every run: run 2 published SAP sales orders, billing
// documents and ledger entries under run 1's message ids (dropped by the backbone's publish
// de-duplication) and finance transactions under run 1's file names (refused by the file drop) —
// 0 of 300 orders delivered. Each run now numbers from its own block (runtime/simulate/run-epoch.ts).
import { afterAll, describe, expect, it } from 'vitest';
import type { EstateRun } from '../../runtime/run/estate-run.ts';
import { backboneFactories, balances, startEstate } from './scenario-support.ts';
import type { BackboneUnderTest } from './scenario-support.ts';

const embedded = (await backboneFactories()).find((f) => f.name === 'embedded')!;
const ORDERS = 8;

/** Orders the run sent that the dealer portal does not show delivered, and its dead letters by route target. */
async function runOnce(
  bb: BackboneUnderTest,
): Promise<{ undelivered: string[]; deadLetters: Record<string, number>; epoch: number; financeTransactions: string[] }> {
  let run: EstateRun | undefined;
  try {
    run = await startEstate(bb);
    const sim = run.simulation!;
    const orders = sim.sendOrders(ORDERS);
    expect(await run.settle({ timeoutMs: 120_000, quietMs: 500 })).toBe(true);
    sim.financeFeed.state(); // reads the files dropped into the landing zone
    const deadLetters: Record<string, number> = {};
    for (const b of await balances(run)) if (b.deadLettered > 0) deadLetters[`${b.route}/${b.target}`] = b.deadLettered;
    return {
      undelivered: orders.filter((n) => sim.dealerPortal.orderStatus.get(n)?.status !== 'delivered'),
      deadLetters,
      epoch: sim.runEpoch,
      financeTransactions: [...sim.financeFeed.transactions.keys()],
    };
  } finally {
    await run?.stop();
  }
}

describe('interlace run, twice on one store', () => {
  let bb: BackboneUnderTest | undefined;
  afterAll(async () => {
    await bb?.close();
  });

  it('delivers every order of the second run with no dead letters', { timeout: 300_000 }, async () => {
    bb = await embedded.open();
    const { financeTransactions: firstFinance, ...first } = await runOnce(bb);
    expect(first).toEqual({ undelivered: [], deadLetters: {}, epoch: 0 });
    // Right away: within the backbone's de-duplication window, on the same run folder.
    const { financeTransactions: secondFinance, ...second } = await runOnce(bb);
    expect(second).toEqual({ undelivered: [], deadLetters: {}, epoch: 1 });
    // The finance landing zone counts the second run's own transactions, none of the first run's files.
    expect(secondFinance.length).toBeGreaterThan(0);
    expect(secondFinance.filter((id) => firstFinance.includes(id))).toEqual([]);
  });
});
