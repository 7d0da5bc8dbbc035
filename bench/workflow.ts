/**
 * `npm run bench -- workflow`: workflows started per second, completed per second and the p99 latency of
 * a `call` step, on Temporal (the dev server of scripts/build-temporal.sh, SQLite in a temporary file, one
 * in-process worker) and on the embedded engine of `interlace run` (node:sqlite). The workflow is the
 * contract's `contract-order` (test/broker/workflow-contract-programs.ts): a call to a loopback HTTP System,
 * then a publish to a node:sqlite backbone — the same program and activity runner on both engines.
 * `BENCH_WORKFLOWS` (default 200) executions are started `BENCH_WINDOW` (default 20) at a time;
 * completion is the last step's event on the backbone; step latency is the call step's started→completed time in each
 * execution's audit trail (workflow time). `BENCH_ENGINES` (`temporal,embedded`) picks the engines.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Backbone } from '../runtime/backbone/backbone.ts';
import { openSqliteBackbone } from '../runtime/backbone/sqlite-backbone.ts';
import { createTracer } from '../runtime/observe/trace.ts';
import type { ActivityRunner } from '../runtime/workflow/context.ts';
import { openEmbeddedEngine } from '../runtime/workflow/embedded/embedded-engine.ts';
import type { WorkflowEngine } from '../runtime/workflow/engine.ts';
import { bundleWorkflows } from '../runtime/workflow/temporal/bundle.ts';
import { TemporalWorkflowEngine, startTemporalWorker } from '../runtime/workflow/temporal/temporal-engine.ts';
import { ensureTemporalBinary, startTemporalServer } from '../test/broker/harness/temporal-server.ts';
import { PROGRAMS } from '../test/broker/workflow-contract-programs.ts';
import { contractActivities } from '../test/broker/workflow-contract-activities.ts';

const WORKFLOW = 'contract-order@1';
/** Where contract-order publishes as its last step. */
const ACCEPTED_TOPIC = 'contract.orders.accepted';
const PROGRAMS_MODULE = fileURLToPath(new URL('../test/broker/workflow-contract-programs.ts', import.meta.url));

interface Result {
  readonly started: number;
  readonly completed: number;
  readonly p50: number;
  readonly p99: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The orderNos whose workflow has published its last event: completion, read the same way on both engines. */
async function completedKeys(backbone: Backbone, label: string): Promise<number> {
  const messages = await backbone.read(ACCEPTED_TOPIC, 1, 1_000_000).catch(() => []);
  let count = 0;
  for (const m of messages) {
    const orderNo = (JSON.parse(Buffer.from(m.payload).toString('utf8')) as { orderNo?: string }).orderNo;
    if (orderNo?.startsWith(`${label}-`)) count += 1;
  }
  return count;
}

async function measure(engine: WorkflowEngine, backbone: Backbone, n: number, window: number, label: string): Promise<Result> {
  const ids: string[] = [];
  const begin = performance.now();
  for (let i = 0; i < n; i += window) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + window); j++) batch.push(engine.start(WORKFLOW, { orderNo: `${label}-${j}` }));
    for (const result of await Promise.all(batch)) ids.push(result.executionId);
  }
  const startedMs = performance.now() - begin;
  // Completion is the workflow's last step (its publish) reaching the backbone: polling the engines' own
  // list/show for hundreds of executions would load the engine under test.
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const done = await completedKeys(backbone, label);
    if (done === n) break;
    if (Date.now() > deadline) throw new Error(`${label}: only ${done} of ${n} workflows completed in 10 minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const completedMs = performance.now() - begin;
  const latencies: number[] = [];
  for (const id of ids) {
    const history = (await engine.show(id))?.history ?? [];
    const started = history.find((e) => e.type === 'step.started' && e.step === 'credit');
    const completed = history.find((e) => e.type === 'step.completed' && e.step === 'credit');
    if (started && completed) latencies.push(completed.at - started.at);
  }
  latencies.sort((a, b) => a - b);
  return {
    started: Math.round((n / startedMs) * 1000),
    completed: Math.round((n / completedMs) * 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function startSystem(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, got: body === '' ? null : JSON.parse(body) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function onTemporal(activities: ActivityRunner, backbone: Backbone, n: number, window: number): Promise<Result> {
  const server = await startTemporalServer(await ensureTemporalBinary());
  const connection = { address: server.address, namespace: server.namespace, taskQueue: 'bench' };
  const code = await bundleWorkflows({ programModules: [{ path: PROGRAMS_MODULE, exportName: 'PROGRAMS' }] });
  const worker = await startTemporalWorker({ ...connection, bundle: { code }, activities });
  const engine = await TemporalWorkflowEngine.connect(connection, PROGRAMS);
  try {
    return await measure(engine, backbone, n, window, `t${Date.now()}`);
  } finally {
    await engine.close();
    await worker.shutdown();
    await server.close();
  }
}

async function onEmbedded(activities: ActivityRunner, backbone: Backbone, dir: string, n: number, window: number): Promise<Result> {
  const engine = openEmbeddedEngine({ path: join(dir, 'workflows.db'), programs: PROGRAMS, activities });
  try {
    return await measure(engine, backbone, n, window, `e${Date.now()}`);
  } finally {
    await engine.close();
  }
}

export async function run(): Promise<void> {
  // The SDK logs every worker state change at INFO; the bench prints its figures only.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const n = Number(process.env.BENCH_WORKFLOWS ?? 200);
  const window = Number(process.env.BENCH_WINDOW ?? 20);
  const engines = (process.env.BENCH_ENGINES ?? 'temporal,embedded').split(',');
  const dir = mkdtempSync(join(tmpdir(), 'interlace-bench-workflow-'));
  const system = await startSystem();
  const backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db') });
  // Spans made and dropped, as a worker without an OTLP endpoint does.
  const activities = contractActivities(system.url, backbone, createTracer());
  try {
    const results = new Map<string, Result>();
    if (engines.includes('embedded')) results.set('embedded (node:sqlite)', await onEmbedded(activities, backbone, dir, n, window));
    if (engines.includes('temporal')) results.set('Temporal (dev server, SQLite)', await onTemporal(activities, backbone, n, window));
    const base = results.get('embedded (node:sqlite)');
    const ratio = (value: number, of: number | undefined): string => (of ? ` (${(value / of).toFixed(2)}× embedded)` : '');
    console.log(`workflow: ${n} executions of ${WORKFLOW} (call → publish), ${window} starts in flight`);
    for (const [name, r] of results) {
      console.log(
        `${name.padEnd(30)} started ${String(r.started).padStart(5)}/s${ratio(r.started, base?.started)}` +
          `   completed ${String(r.completed).padStart(5)}/s${ratio(r.completed, base?.completed)}` +
          `   call step p50 ${r.p50} ms, p99 ${r.p99} ms${ratio(r.p99, base?.p99)}`,
      );
    }
    console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
  } finally {
    await backbone.close();
    await system.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();
