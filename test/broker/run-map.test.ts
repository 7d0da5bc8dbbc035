// The estate map of `interlace run` (runtime/map/), in a real browser: the example estate runs
// (simulated Systems, embedded backbone), a few dealer orders go through, and Debian's headless
// Chromium (driven by playwright-core) opens <gateway>/map/, finds the estate's routes with live
// figures, searches one order number and sees its journey. A screenshot goes to test-artifacts/.
// The JSON endpoints are also read directly: no value or name of a field classified pii or
// confidential is in any of them.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { EstateRun } from '../../runtime/run/estate-run.ts';
import type { ContractLineage } from '../../runtime/map/estate-graph.ts';
import { chromiumOrSkipReason } from '../helpers/chromium.ts';
import { REPO, backboneFactories, startEstate } from './scenario-support.ts';
import type { BackboneUnderTest } from './scenario-support.ts';

const embedded = (await backboneFactories()).find((f) => f.name === 'embedded')!;
const found = chromiumOrSkipReason();
const skip = 'skip' in found ? found.skip : false;
if (skip) console.warn(`[estate map] browser part skipped: ${skip}`);
const ARTIFACTS = join(REPO, 'test-artifacts');

describe('estate map under interlace run', () => {
  let bb: BackboneUnderTest | undefined;
  let run: EstateRun | undefined;
  let browser: Browser | undefined;
  let order = '';
  afterAll(async () => {
    await browser?.close();
    await run?.stop();
    await bb?.close();
  });

  it('runs the example estate with a few dealer orders', { timeout: 180_000 }, async () => {
    bb = await embedded.open();
    run = await startEstate(bb);
    [order] = run.simulation!.sendOrders(3) as [string];
    expect(await run.settle({ timeoutMs: 120_000, quietMs: 500 })).toBe(true);
  });

  it('never exposes a field classified pii or confidential, by name or by value, in any map endpoint', { timeout: 60_000 }, async () => {
    const base = `${run!.gateway.url}/map/api`;
    const get = async (path: string) => {
      const response = await fetch(`${base}/${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      return response.text();
    };
    const graphText = await get('graph');
    const graph = JSON.parse(graphText) as { contracts: string[] };
    const bodies = [await get('estates'), graphText, await get('live'), await get(`journey?key=${encodeURIComponent(order)}`)];
    const lineages: ContractLineage[] = [];
    for (const contract of graph.contracts) {
      const text = await get(`lineage?contract=${encodeURIComponent(contract)}`);
      bodies.push(text);
      lineages.push(JSON.parse(text) as ContractLineage);
    }
    const all = bodies.join('\n');
    // Each contract's classified paths (pii, confidential), by `name@major`.
    const classified = new Map<string, string[]>();
    for (const c of run!.estate.contracts) {
      const levels = (c.spec as { classification?: Record<string, string> }).classification ?? {};
      classified.set(
        `${c.metadata.name}@${c.spec.version.split('.')[0]}`,
        Object.entries(levels)
          .filter(([, level]) => level === 'pii' || level === 'confidential')
          .map(([path]) => path),
      );
    }
    const isClassified = (contract: string, field: string) =>
      (classified.get(contract) ?? []).some((p) => field === p || field.startsWith(`${p}.`) || field.startsWith(`${p}[`));
    expect(classified.get('order@2')).toContain('customer.email');
    // The lineage is there (a field's way from one contract to the next), so the checks below can fail.
    const order2 = lineages.find((l) => l.contract === 'order@2')!;
    expect(order2.fields.find((f) => f.field === 'orderNumber')?.to.length).toBeGreaterThan(0);
    expect(order2.hidden).toBe(classified.get('order@2')!.length);
    // No classified field of any contract, neither listed nor at either end of a flow.
    for (const lineage of lineages)
      for (const field of lineage.fields) {
        expect(isClassified(lineage.contract, field.field), `${lineage.contract} ${field.field}`).toBe(false);
        for (const flow of [...field.from, ...field.to])
          expect(isClassified(flow.contract, flow.field), `${flow.contract} ${flow.field}`).toBe(false);
      }
    // No value of the order's classified fields.
    const submitted = run!.simulation!.dealerPortal.submitted.get(order) as {
      customer: { name: string; contactName: string; email: string };
      totalNetAmount: number;
    };
    for (const secret of [submitted.customer.name, submitted.customer.contactName, submitted.customer.email, `${submitted.totalNetAmount}`])
      expect(all).not.toContain(secret);
  });

  it.skipIf(skip)('shows the routes with live figures in Chromium and finds one order’s journey', { timeout: 120_000 }, async () => {
    browser = await chromium.launch({ executablePath: (found as { chromium: string }).chromium, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const response = await page.goto(`${run!.gateway.url}/map/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });

    // Every route of the example estate is listed, and the graph drew one node per route.
    const listed = await page.$$eval('#routes button[data-route]', (buttons) => buttons.map((b) => b.textContent));
    const routes = run!.estate.routes.map((r) => r.metadata.name).sort();
    expect([...listed].sort()).toEqual(routes);
    expect(routes).toContain('order-fulfilment');
    // Live figures arrive: order-fulfilment delivered the orders to the WMS, its circuit is closed.
    const picks = page.locator('#routes tr[data-edge="target:order-fulfilment/wms"] td');
    await expect.poll(async () => Number(await picks.nth(3).textContent()), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    // More orders while the page is open: its figures follow (it polls /map/api/live). These go through
    // the order-to-cash workflow's credit check and sales order first, then order-confirmed.
    const before = Number(await picks.nth(3).textContent());
    run!.simulation!.sendOrders(3);
    await expect.poll(async () => Number(await picks.nth(3).textContent()), { timeout: 60_000 }).toBeGreaterThanOrEqual(before + 3);
    expect(await picks.nth(5).textContent()).toBe('closed');
    expect(await picks.nth(6).textContent()).toMatch(/latency met/);

    // A route's details lead to its contract's lineage: where each field comes from and goes, pii left out.
    await page.click('#routes button[data-route="order-fulfilment"]');
    await expect.poll(() => page.textContent('#details-title')).toBe('EventRoute order-fulfilment');
    expect(await page.textContent('#details-list')).toContain('team-logistics');
    await page.click('#lineage button');
    await page.waitForSelector('#lineage table');
    const lineage = await page.textContent('#lineage');
    expect(lineage).toContain('12 classified pii/confidential not shown');
    expect(lineage).toContain('wms-pick-order@1.lines[].itemId (order-v2-to-wms-pick-order)');
    expect(lineage).not.toContain('customer.email');

    // Search the order number: its journey through several routes and Systems, and where it is now.
    await page.fill('#search-key', order);
    await page.click('#search-button');
    await page.waitForSelector('#journey-steps li.step');
    const steps = await page.$$eval('#journey-steps li.step', (items) => items.map((li) => li.textContent ?? ''));
    expect(steps.length).toBeGreaterThanOrEqual(3);
    expect(steps.some((s) => /dealer-order-received\/orders-received\s+dealer-portal → topic orders\.received\s+delivered/.test(s))).toBe(
      true,
    );
    expect(steps.some((s) => /order-fulfilment\/wms\s+topic orders\.confirmed → wms\s+delivered/.test(s))).toBe(true);
    expect(await page.textContent('#journey-title')).toContain(`Journey of ${order}`);
    expect(await page.textContent('#journey-now')).toMatch(/^Now: /);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'estate-map.png') });
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(join(ARTIFACTS, 'estate-map.png'), join(REPO, 'docs/images/estate-map.png'));

    // Markup typed into the search is refused by the server and shown as text, never as markup.
    await page.fill('#search-key', '<img src=x id=injected>');
    await page.click('#search-button');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toContain('business key');
    expect(await page.$('#injected')).toBeNull();
    // No script error and no Content-Security-Policy violation (cytoscape included).
    expect(problems.filter((p) => !p.includes('400 (Bad Request)'))).toEqual([]);
  });
});
