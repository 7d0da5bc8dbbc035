/**
 * `npm run bench -- map`: the estate map's endpoints (runtime/map/) on the example estate under
 * `interlace run` (embedded backbone, simulated Systems). `BENCH_MAP_ORDERS` (default 300) dealer
 * orders go through first, so the live figures and the journey index are those of a real run; then
 * each endpoint is asked `BENCH_MAP_REQUESTS` (default 50) times, one request at a time, and the page's
 * files once. Prints size, min, p50 and p99 per endpoint, and the pure cost of building the graph.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { estateGraph } from '../runtime/map/estate-graph.ts';
import { EstateRun } from '../runtime/run/estate-run.ts';
import { journeyFile } from '../runtime/run/journey-index.ts';

const REPO = resolve(import.meta.dirname, '..');
const ORDERS = Number(process.env.BENCH_MAP_ORDERS ?? 300);
const REQUESTS = Number(process.env.BENCH_MAP_REQUESTS ?? 50);

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-bench-map-'));
  const estate = await EstateRun.start({
    paths: ['specs'],
    cwd: REPO,
    runDir: join(dir, 'run'),
    portBase: 0,
    logSink: () => {},
  });
  try {
    const orders = estate.simulation!.sendOrders(ORDERS) as string[];
    const settled = await estate.settle({ timeoutMs: 600_000, quietMs: 1_000 });
    console.log(
      `map: example estate, ${ORDERS} orders ${settled ? 'settled' : 'NOT settled'}; ${REQUESTS} requests per endpoint, one at a time`,
    );

    const index = estate.build.validation.result.index;
    const t0 = performance.now();
    const graph = estateGraph(index);
    console.log(
      `  estateGraph (pure)   ${(performance.now() - t0).toFixed(1)} ms  ${graph.nodes.length} nodes, ${graph.edges.length} edges, ${graph.contracts.length} contracts`,
    );
    console.log(`  journey index        ${(statSync(journeyFile(join(dir, 'run'))).size / 1e6).toFixed(1)} MB`);

    const base = `${estate.gateway.url}/map`;
    const endpoints = [
      ['page /map/', '/'],
      ['cytoscape module', '/vendor/cytoscape.esm.min.mjs'],
      ['api/graph', '/api/graph'],
      ['api/live', '/api/live'],
      ['api/lineage order@2', '/api/lineage?contract=order%402'],
      ['api/journey', `/api/journey?key=${encodeURIComponent(orders[Math.floor(orders.length / 2)]!)}`],
    ] as const;
    for (const [name, path] of endpoints) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const started = performance.now();
        const response = await fetch(`${base}${path}`);
        const body = await response.arrayBuffer();
        times.push(performance.now() - started);
        if (response.status !== 200) throw new Error(`${name}: HTTP ${response.status}`);
        bytes = body.byteLength;
      }
      times.sort((a, b) => a - b);
      console.log(
        `  ${name.padEnd(20)} ${`${(bytes / 1024).toFixed(1)} kB`.padStart(9)}  min ${times[0]!.toFixed(1)} ms  p50 ${quantile(times, 0.5).toFixed(1)} ms  p99 ${quantile(times, 0.99).toFixed(1)} ms`,
      );
    }
  } finally {
    await estate.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
