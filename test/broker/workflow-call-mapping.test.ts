// A workflow call that builds its request with a Mapping, run on both engines: the generated bundle (the
// mapping linked in) on the embedded engine of `interlace run` (node:sqlite) and on Temporal (a real dev
// server, the bundle in the workflow sandbox). The call goes through the delivery code to a real HTTP
// System, which receives the mapping's output with the step's merge patch on top.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { WORKFLOW_PROGRAM_EXPORT } from '../../generators/workflows/workflow-module.ts';
import { loadWorkflowProgram } from '../../generators/workflows/load-workflow-program.ts';
import type { WorkflowProgram } from '../../language/workflow/workflow-ir.ts';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { SystemBudgets } from '../../runtime/delivery/system-budget.ts';
import { SystemClient } from '../../runtime/http/system-client.ts';
import { createTracer } from '../../runtime/observe/trace.ts';
import { deliveryActivityRunner } from '../../runtime/workflow/activities/delivery-activities.ts';
import type { ActivityRunner } from '../../runtime/workflow/context.ts';
import { openEmbeddedEngine } from '../../runtime/workflow/embedded/embedded-engine.ts';
import type { WorkflowEngine } from '../../runtime/workflow/engine.ts';
import { bundleWorkflows } from '../../runtime/workflow/temporal/bundle.ts';
import { TemporalWorkflowEngine, startTemporalWorker } from '../../runtime/workflow/temporal/temporal-engine.ts';
import { estateOf } from '../helpers/estate.ts';
import { MAPPINGS, withMapping } from '../helpers/workflow-call-mapping.ts';
import { workflowFixtureFiles } from '../helpers/workflow-estate.ts';
import { waitFor } from './backbone-contract.ts';
import { startTemporalServer, temporalOrSkipReason } from './harness/temporal-server.ts';

/** An engine running `program` with `activities`, and how to close it with what it started. */
type OpenEngine = (
  dir: string,
  program: WorkflowProgram,
  bundlePath: string,
  activities: ActivityRunner,
) => Promise<{ engine: WorkflowEngine; close(): Promise<void> }>;

const found = await temporalOrSkipReason();

const ENGINES: [string, OpenEngine][] = [
  [
    'embedded (node:sqlite)',
    async (dir, program, _bundlePath, activities) => {
      const engine = openEmbeddedEngine({ path: join(dir, 'workflows.db'), programs: [program], activities });
      return { engine, close: () => engine.close() };
    },
  ],
  [
    'Temporal',
    async (_dir, program, bundlePath, activities) => {
      if (!('binary' in found)) throw new Error(found.skip);
      const server = await startTemporalServer(found.binary);
      const connection = { address: server.address, namespace: server.namespace, taskQueue: `mapping-${randomUUID()}` };
      const code = await bundleWorkflows({ programModules: [{ path: bundlePath, exportName: WORKFLOW_PROGRAM_EXPORT }] });
      const worker = await startTemporalWorker({ ...connection, bundle: { code }, activities });
      const engine = await TemporalWorkflowEngine.connect(connection, [program]);
      return {
        engine,
        async close() {
          await engine.close();
          await worker.shutdown();
          await server.stop();
        },
      };
    },
  ],
];

describe.each(ENGINES)('a call with a mapping on the %s engine', (_name, open) => {
  it('sends what the mapping makes of the input, with the merge patch on top', { timeout: 240_000 }, async () => {
    const workflow = withMapping(
      `{ name: proposal-to-po-request, merge: "{'priority': input.estimatedValue > 100.0 ? 'urgent' : 'normal', 'supplier': null}" }`,
    );
    const estate = estateOf({ ...workflowFixtureFiles(), 'mappings.yaml': MAPPINGS, 'replenishment.yaml': workflow });
    const generated = await new Generator().generate({ documents: estate.documents, index: estate.index, support: readSupportSources() });
    expect(generated.diagnostics).toEqual([]);
    const bundle = generated.files.get('bundles/workflow-replenishment-v1.js')!;
    const program = await loadWorkflowProgram(bundle);

    // The ERP: records each body and answers a purchase order (purchase-order@1, which the step keeps).
    const bodies: { path: string; body: unknown }[] = [];
    const erp = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      req.on('end', () => {
        const body = JSON.parse(text) as { sku: string; quantity: number };
        bodies.push({ path: String(req.url), body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ number: 'PO-1', supplier: '20000', sku: body.sku, quantity: body.quantity }));
      });
    });
    await new Promise<void>((resolve) => erp.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(erp.address() as AddressInfo).port}`;
    const dir = await mkdtemp(join(tmpdir(), 'interlace-wf-mapping-'));
    const bundlePath = join(dir, 'workflow-replenishment-v1.js');
    await writeFile(bundlePath, bundle);
    let backbone: Backbone | undefined;
    let opened: Awaited<ReturnType<OpenEngine>> | undefined;
    try {
      backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db') });
      const client = new SystemClient('erp', { type: 'erp', hosting: 'saas', endpoint: { protocol: 'http', url } } as never, {});
      const activities = deliveryActivityRunner({
        client: (system) => (system === 'erp' ? client : undefined),
        budgets: new SystemBudgets(() => undefined),
        backbone,
        tracer: createTracer(),
      });
      opened = await open(dir, program, bundlePath, activities);
      const { engine } = opened;
      const input = { proposalId: 'RP-7', sku: 'S-1', quantity: 24, supplier: '20000', estimatedValue: 500 };
      const { executionId } = await engine.start('replenishment@1', input);
      // After create-po the workflow publishes the PO and waits for the supplier's confirmation.
      await waitFor('create-po to complete', async () =>
        ((await engine.show(executionId))?.history ?? []).some((e) => e.type === 'step.started' && e.step === 'await-confirmation'),
      );
      expect(bodies).toEqual([
        { path: '/purchase-orders', body: { proposalId: 'RP-7', sku: 'SKU-S-1', quantity: 24, priority: 'urgent' } },
      ]);
    } finally {
      await opened?.close();
      await backbone?.close();
      await new Promise((resolve) => erp.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
