// The controller serves the estate map's static view (runtime/map/) on its probe server (behind the
// chart's metrics Service): the gate builds the graph of an accepted revision (the example estate
// here), and /map/api/... answers it over real HTTP — read-only, with a strict CSP, and without any
// field classified pii or confidential.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHealthServer } from '../../controller/observe/health-server.ts';
import { gate } from '../../controller/reconcile/desired-state.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import type { StartedServer } from '../../lib/http-server.ts';
import { readWorkingTree } from '../../language/source/read-working-tree.ts';
import type { ContractLineage, EstateGraph } from '../../runtime/map/estate-graph.ts';
import { MAP_CSP, staticMapSource } from '../../runtime/map/map-handler.ts';

const ESTATE = 'integration/example';
let server: StartedServer;
let graph: EstateGraph;

beforeAll(async () => {
  const result = await gate({
    files: readWorkingTree(['specs']).files,
    estate: { name: 'example', namespace: 'integration' },
    targetNamespace: 'integration',
    revision: `main@sha1:${'1'.repeat(40)}`,
    runtimeImage: 'interlace:test',
    today: '2026-12-04',
    support: readSupportSources(),
    planOptions: { backbone: { url: 'nats://nats.integration:4222' } },
  });
  if (!result.accepted) throw new Error(`the example estate was rejected at ${result.stage}: ${result.diagnostics[0]?.message}`);
  graph = result.graph!;
  // The graph crosses from the gate worker process as data: it must survive structured cloning.
  graph = structuredClone(graph);
  server = await startHealthServer({ port: 0, checks: [], map: staticMapSource(() => new Map([[ESTATE, graph]])) });
}, 120_000);
afterAll(() => server?.close());

const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

describe("the controller's estate map", () => {
  it('serves the page and its script with a strict Content-Security-Policy', async () => {
    const page = await get('/map/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(MAP_CSP);
    expect(MAP_CSP).toContain("script-src 'self'");
    expect(MAP_CSP).not.toContain('unsafe');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<script type="module" src="map.js"></script>');
    const script = await get('/map/map.js');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const text = await script.text();
    // The page writes server text as text only: no HTML parsing, no eval.
    expect(text).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect((await get('/map/vendor/cytoscape.esm.min.mjs')).status).toBe(200);
    expect((await get('/map', { redirect: 'manual' })).status).toBe(308);
  });

  it('lists the accepted Estate and draws its routes, Systems and APIs; no live figures or journeys here', async () => {
    expect(await (await get('/map/api/estates')).json()).toEqual({ estates: [ESTATE], live: false, journeys: false });
    const body = (await (await get(`/map/api/graph?estate=${encodeURIComponent(ESTATE)}`)).json()) as EstateGraph & { contracts: string[] };
    const ids = body.nodes.map((n) => n.id);
    expect(ids).toContain('route:order-fulfilment');
    expect(ids).toContain('system:wms');
    expect(ids).toContain('topic:orders.confirmed');
    expect(ids).toContain('api:order-status@1');
    const wms = body.edges.find((e) => e.id === 'target:order-fulfilment/wms')!;
    expect(wms).toMatchObject({
      from: 'route:order-fulfilment',
      to: 'system:wms',
      mapping: 'order-v2-to-wms-pick-order',
      contract: 'wms-pick-order@1',
    });
    expect(wms.slo?.latency).toEqual({ threshold: '5m', thresholdSeconds: 300, objective: 0.99 });
    // The CRM target is not covered by the route's objectives (slo.targets: [wms, tms]).
    expect(body.edges.find((e) => e.id === 'target:order-fulfilment/crm')!.slo).toBeUndefined();
    expect(body.edges.find((e) => e.id === 'view:order-status-changed/order-status@1')).toBeDefined();
    expect(body.contracts).toContain('order@2');
    expect((await get(`/map/api/live?estate=${encodeURIComponent(ESTATE)}`)).status).toBe(404);
    expect((await get('/map/api/journey?key=DP-1')).status).toBe(404);
  });

  it('shows where a canonical field comes from and goes, and never a pii or confidential field', async () => {
    const lineage = (await (
      await get(`/map/api/lineage?estate=${encodeURIComponent(ESTATE)}&contract=order%402`)
    ).json()) as ContractLineage;
    const sku = lineage.fields.find((f) => f.field === 'lines[].sku')!;
    expect(sku.from).toContainEqual({
      mapping: 'sap-sales-order-to-order-v2',
      contract: 'sap-sales-order@1',
      field: 'to_Item.results[].Material',
    });
    expect(sku.to).toContainEqual({ mapping: 'order-v2-to-wms-pick-order', contract: 'wms-pick-order@1', field: 'lines[].itemId' });
    expect(lineage.hidden).toBe(12);
    const text = JSON.stringify(lineage);
    for (const field of ['customer.email', 'customer.name', 'shipTo.addressLine1', 'totalNetAmount', 'lines[].unitPrice'])
      expect(text).not.toContain(`"${field}"`);
    // order@1's classified fields are not named from order@2's side either (order-v2-to-order-v1 maps them).
    expect(text).not.toContain('customerEmail');
    expect(text).not.toContain('customerName');
  });

  it('is read-only and answers a wrong estate, contract or key with a clear error', async () => {
    expect((await get('/map/api/graph', { method: 'POST' })).status).toBe(405);
    const unknown = await get('/map/api/graph?estate=nobody/else');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ estates: [ESTATE] });
    expect((await get(`/map/api/lineage?estate=${encodeURIComponent(ESTATE)}&contract=nothing@9`)).status).toBe(404);
    expect((await get('/map/api/unknown?estate=x')).status).toBe(404);
    expect((await get('/map/../metrics')).status).not.toBe(500);
    // The probes still answer beside the map.
    expect((await get('/healthz')).status).toBe(200);
  });
});
