// `interlace run` ends honestly. A run with counted orders is settled only when nothing is in flight
// anywhere: here the TMS dispatches 3 s after the pick, a gap in which no message waits on the backbone —
// the old check (backlog 0 and nothing new counted for a moment) reported "settled" with 0 orders
// delivered. And `run --for` makes the steady demo traffic docs/run.md promises.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EstateRun } from '../../runtime/run/estate-run.ts';
import { FAST_TIMING } from '../../runtime/simulate/system.ts';
import { runCli } from '../helpers/cli.ts';
import { REPO, backboneFactories, startEstate } from './scenario-support.ts';
import type { BackboneUnderTest } from './scenario-support.ts';

const embedded = (await backboneFactories()).find((f) => f.name === 'embedded')!;

describe('EstateRun.settle', () => {
  let bb: BackboneUnderTest | undefined;
  let run: EstateRun | undefined;
  afterAll(async () => {
    await run?.stop();
    await bb?.close();
  });

  it('is not settled while simulated work is scheduled: every order is delivered when it says so', { timeout: 180_000 }, async () => {
    bb = await embedded.open();
    run = await startEstate(bb, { timing: { ...FAST_TIMING, dispatchMs: 3_000 } });
    const sim = run.simulation!;
    const orders = sim.sendOrders(5);
    expect(await run.settle({ timeoutMs: 120_000, quietMs: 500 })).toBe(true);
    expect(orders.filter((n) => sim.dealerPortal.orderStatus.get(n)?.status !== 'delivered')).toEqual([]);
    expect(run.deliveriesInFlight()).toBe(0);
    expect(await run.backlog()).toBe(0);
  });
});

describe('interlace run --for', () => {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-run-for-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends steady demo traffic for the whole duration, then prints the summary', { timeout: 240_000 }, async () => {
    const result = await runCli(
      ['run', 'specs', '--for', '8s', '--report', 'json', '--no-watch', '--port-base', '0', '--run-dir', join(dir, 'run')],
      REPO,
    );
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { ordersSent: number; routes: { delivered: number } };
    // Three orders a second for 8 s once the estate is up (a loaded machine runs the timer late).
    expect(summary.ordersSent).toBeGreaterThanOrEqual(12);
    expect(summary.routes.delivered).toBeGreaterThan(0);
    // The header (on stderr with --report json) gives the estate map's URL, as `npm start` prints it.
    expect(result.stderr).toMatch(/^ {2}estate map http:\/\/127\.0\.0\.1:\d+\/map\/$/m);
  });
});
