// The estate map's live figures (runtime/map/live-figures.ts) read from a real prom-client registry
// (RuntimeMetrics, as every worker of `interlace run` shares it): per route target counts, rate,
// latency, dead letters waiting, circuit, and each objective judged met, breached or without data.
import { describe, expect, it } from 'vitest';
import type { EstateGraph } from '../../runtime/map/estate-graph.ts';
import { LiveFigureReader } from '../../runtime/map/live-figures.ts';
import { RuntimeMetrics } from '../../runtime/observe/metrics.ts';

const graph: EstateGraph = {
  nodes: [
    { id: 'route:order-fulfilment', kind: 'EventRoute', name: 'order-fulfilment' },
    { id: 'system:wms', kind: 'System', name: 'wms' },
    { id: 'system:crm', kind: 'System', name: 'crm' },
    {
      id: 'api:order-status@1',
      kind: 'Api',
      name: 'order-status@1',
      objectives: { availability: { objective: 0.99 }, latency: { threshold: '250ms', thresholdSeconds: 0.25, objective: 0.9 } },
    },
  ],
  edges: [
    {
      id: 'target:order-fulfilment/wms',
      from: 'route:order-fulfilment',
      to: 'system:wms',
      kind: 'target',
      label: 'wms',
      route: 'order-fulfilment',
      target: 'wms',
      slo: { latency: { threshold: '5m', thresholdSeconds: 300, objective: 0.99 }, deadLetters: { objective: 0.9 } },
    },
    {
      id: 'target:order-fulfilment/crm',
      from: 'route:order-fulfilment',
      to: 'system:crm',
      kind: 'target',
      label: 'crm',
      route: 'order-fulfilment',
      target: 'crm',
      slo: { latency: { threshold: '5m', thresholdSeconds: 300, objective: 0.99 } },
    },
  ],
  contracts: [],
};

describe('estate map live figures', () => {
  it('judges each target edge and API against its objectives from the run registry', async () => {
    const metrics = new RuntimeMetrics();
    const wms = { route: 'order-fulfilment', target: 'wms' };
    metrics.messages.inc({ ...wms, outcome: 'delivered' }, 18);
    metrics.messages.inc({ ...wms, outcome: 'dead_lettered' }, 2);
    for (let i = 0; i < 18; i++) {
      metrics.deliveryLatency.observe({ ...wms, outcome: 'delivered' }, 0.04);
      metrics.eventLatency.observe(wms, i < 17 ? 12 : 900); // 17 of 18 within 5 minutes
    }
    metrics.deadLetterDepth.set({ ...wms, topic: 'dlq.order-fulfilment.wms' }, 2);
    metrics.circuitState.set({ system: 'wms' }, 1);
    metrics.apiRequests.inc({ api: 'order-status@1', operation: 'getOrderStatus', status: '200' }, 99);
    metrics.apiRequests.inc({ api: 'order-status@1', operation: 'getOrderStatus', status: '503' }, 1);
    for (let i = 0; i < 100; i++) metrics.apiLatency.observe({ api: 'order-status@1', operation: 'getOrderStatus' }, 0.01);
    // Counters of a route no longer in the graph (removed by a hot reload) stay off the map.
    metrics.messages.inc({ route: 'gone', target: 'x', outcome: 'delivered' });

    const live = await new LiveFigureReader(metrics).read(graph);
    const edge = live.edges['target:order-fulfilment/wms']!;
    expect(edge).toMatchObject({ delivered: 18, deadLettered: 2, deadLetterDepth: 2, circuit: 'open' });
    expect(edge.rate).toBeGreaterThan(0);
    expect(edge.p50Ms).toBeGreaterThan(25);
    expect(edge.p50Ms).toBeLessThanOrEqual(50);
    expect(edge.slo?.latency).toMatchObject({ state: 'breached', objective: 0.99 });
    expect(edge.slo?.latency?.good).toBeCloseTo(17 / 18);
    expect(edge.slo?.deadLetters).toMatchObject({ state: 'met', good: 0.9 });
    // A target without traffic: zero figures, objectives without data, never "met".
    expect(live.edges['target:order-fulfilment/crm']).toMatchObject({ delivered: 0, slo: { latency: { state: 'no data' } } });
    expect(Object.keys(live.edges).sort()).toEqual(['target:order-fulfilment/crm', 'target:order-fulfilment/wms']);
    expect(live.circuits).toEqual({ wms: 'open' });
    const api = live.apis['api:order-status@1']!;
    expect(api).toMatchObject({ requests: 100, serverErrors: 1, clientErrors: 0 });
    expect(api.slo?.availability).toMatchObject({ state: 'met', good: 0.99 });
    expect(api.slo?.latency).toMatchObject({ state: 'met', good: 1 });

    // The next poll's rate is over the time since this one: nothing new, nothing per second.
    const again = await new Promise<Awaited<ReturnType<LiveFigureReader['read']>>>((resolve) => {
      const reader = new LiveFigureReader(metrics);
      void reader.read(graph).then(() => setTimeout(() => void reader.read(graph).then(resolve), 20));
    });
    expect(again.edges['target:order-fulfilment/wms']!.rate).toBe(0);
  });
});
