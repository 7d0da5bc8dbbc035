// `interlace trace <order number>`: the example estate runs (simulated Systems, embedded backbone), one
// dealer order goes through; the journey index the run keeps tells its way through several routes and
// Systems with times and outcomes, and never a field classified pii or confidential.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EstateRun } from '../../runtime/run/estate-run.ts';
import { journeyFile } from '../../runtime/run/journey-index.ts';
import type { JourneyStep } from '../../runtime/run/journey-index.ts';
import { runCli } from '../helpers/cli.ts';
import { REPO, backboneFactories, startEstate } from './scenario-support.ts';
import type { BackboneUnderTest } from './scenario-support.ts';

const embedded = (await backboneFactories()).find((f) => f.name === 'embedded')!;

describe('interlace trace', () => {
  let bb: BackboneUnderTest | undefined;
  let run: EstateRun | undefined;
  afterAll(async () => {
    await run?.stop();
    await bb?.close();
  });

  it('prints the journey of one dealer order across routes and Systems, without pii or confidential fields', {
    timeout: 180_000,
  }, async () => {
    bb = await embedded.open();
    run = await startEstate(bb);
    const sim = run.simulation!;
    const [order, other] = sim.sendOrders(2) as [string, string];
    expect(await run.settle({ timeoutMs: 120_000, quietMs: 500 })).toBe(true);
    expect(sim.dealerPortal.orderStatus.get(order)?.status).toBe('delivered');
    const runDir = join(bb.dir, 'run');

    const json = await runCli(['trace', order, '--run-dir', runDir, '--json'], REPO);
    expect(json.code, json.stderr).toBe(0);
    const { steps } = JSON.parse(json.stdout) as { steps: JourneyStep[] };
    // Several routes, each step about this order only, oldest first, each one delivered.
    const routes = new Set(steps.map((s) => s.route));
    expect(routes.size).toBeGreaterThanOrEqual(3);
    expect(routes).toContain('dealer-order-received');
    expect(steps.every((s) => s.keys.order_number === order)).toBe(true);
    expect(steps.map((s) => s.time)).toEqual([...steps.map((s) => s.time)].sort());
    expect(steps.filter((s) => s.outcome === 'delivered').length).toBeGreaterThanOrEqual(3);
    const systems = new Set(steps.flatMap((s) => [s.from, s.to]));
    expect(systems).toContain('dealer-portal');
    expect(systems).toContain('legacy-erp');

    const text = await runCli(['trace', order, '--run-dir', runDir], REPO);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^Journey of ${order}: \\d+ steps through \\d+ routes and \\d+ systems`));
    expect(text.stdout).toMatch(/dealer-order-received\/orders-received\s+dealer-portal → topic orders\.received\s+delivered/);
    // The sales order the order-to-cash workflow created comes back from the ERP as confirmed (no route
    // creates it, so the journey has no step for the creation itself), and goes on to the warehouse.
    expect(text.stdout).toMatch(/order-confirmed\/orders-confirmed\s+legacy-erp → topic orders\.confirmed\s+delivered/);
    expect(text.stdout).toMatch(/order-fulfilment\/wms\s+topic orders\.confirmed → wms\s+delivered/);
    expect(text.stdout).not.toContain(other);

    // Nothing classified pii (customer name, contact, e-mail) or confidential (amounts) is in the
    // output or anywhere in the index.
    const submitted = sim.dealerPortal.submitted.get(order) as {
      customer: { name: string; contactName: string; email: string };
      totalNetAmount: number;
    };
    const index = readFileSync(journeyFile(runDir), 'utf8');
    for (const secret of [
      submitted.customer.name,
      submitted.customer.contactName,
      submitted.customer.email,
      `${submitted.totalNetAmount}`,
    ]) {
      expect(text.stdout).not.toContain(secret);
      expect(json.stdout).not.toContain(secret);
      expect(index).not.toContain(secret);
    }

    // An unknown key: exit 1; no index: exit 2.
    expect((await runCli(['trace', 'DP-NOT-AN-ORDER', '--run-dir', runDir], REPO)).code).toBe(1);
    expect((await runCli(['trace', order, '--run-dir', join(bb.dir, 'nothing-here')], REPO)).code).toBe(2);
  });
});
