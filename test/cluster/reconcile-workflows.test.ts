// `kubectl get workflows` on the real API server: VERSION, RUNNING and FAILED, which the controller writes
// into each Workflow object's status from the Estate's Temporal cluster (a real Temporal dev server,
// tools/temporal-dev-server) by counting the unit's executions in Temporal's visibility. Executions are
// started on the unit's task queue in the Estate's scope (`<namespace>.shop/<unit>`) directly (no worker
// needs to run for an execution to be open) and one is terminated; the columns follow. Another Estate's
// executions of the same unit on the same namespace are not counted. Temporal going away keeps the last counts.
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalExecutionCounter } from '../../controller/reconcile/workflow-executions.ts';
import { startTemporalServer, temporalOrSkipReason } from '../broker/harness/temporal-server.ts';
import type { TemporalServer } from '../broker/harness/temporal-server.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { clusterUnavailable, useTestNamespace } from './harness/context.ts';
import {
  createEstate,
  estate,
  installCrds,
  kubectlFresh,
  newReconciler,
  parseTable,
  reconcileUntilSettled,
  until,
} from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';

const temporal = clusterUnavailable() ? { skip: 'no cluster' } : await temporalOrSkipReason();
const UNIT = 'workflow-order-flow-v1';

describe.skipIf(clusterUnavailable() || 'skip' in temporal)('reconcile: Workflow executions on Temporal in the status', () => {
  const ns = useTestNamespace();
  let h: Harness;
  let server: TemporalServer;
  let counter: TemporalExecutionCounter;
  let connection: Connection;
  let client: Client;
  let repo: TempRepo;

  beforeAll(async () => {
    if (!('binary' in temporal)) throw new Error('unreachable');
    await installCrds();
    server = await startTemporalServer(temporal.binary);
    // The counter reads Secrets through the API server; the reconciler is the controller's, with the counter.
    const base = newReconciler();
    counter = new TemporalExecutionCounter(base.rest, { timeoutMs: 15_000 });
    base.cleanup();
    h = newReconciler({ workflowExecutions: counter });
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection, namespace: server.namespace });
    repo = new TempRepo();
    repo.write({ 'specs/estate.yaml': readFileSync(new URL('../fixtures/workflow-worker/estate.yaml', import.meta.url), 'utf8') });
    repo.commit('estate with a workflow');
  }, 300_000);

  afterAll(async () => {
    await counter?.close();
    await connection?.close();
    await server?.close();
    repo?.cleanup();
    h?.cleanup();
  });

  /** An execution as the unit's worker in the Estate `scope` starts it (runtime/workflow/temporal/scope.ts). */
  const start = (key: string, scope = `${ns()}.shop`) =>
    client.workflow.start('interlace', {
      taskQueue: `${scope}/${UNIT}`,
      workflowId: `${scope}/order-flow@1/${key}`,
      args: [{ workflow: 'order-flow@1', version: '1.0.0', key, input: { orderNo: key, sku: 'S' }, scope }],
    });
  const executions = async () =>
    (
      (await h.rest.get({ apiVersion: 'interlace.dev/v1alpha1', kind: 'Workflow', namespace: ns(), name: 'order-flow-v1' })).status as {
        executions?: { running: number; failed: number };
      }
    ).executions;

  it('RUNNING and FAILED follow the executions of the unit on Temporal', async () => {
    await createEstate(h.rest, ns(), `file://${repo.root}`, {
      workflows: { temporal: { address: server.address, namespace: server.namespace } },
    });
    await reconcileUntilSettled(h, ns(), 90_000);
    const applied = (await estate(h, ns())).status as { conditions?: { type: string; status: string; message: string }[] };
    expect(
      applied.conditions?.find((c) => c.type === 'Ready'),
      JSON.stringify(applied),
    ).toMatchObject({ status: 'True' });
    // Nothing started yet: zero, not absent.
    expect(await executions()).toEqual({ running: 0, failed: 0 });

    await start('K-1');
    await start('K-2');
    // The same unit and key in another Estate on this namespace: its own execution, not counted here.
    await start('K-1', `${ns()}-other.shop`);
    const ended = await start('K-3');
    await ended.terminate('an operator ended it');
    // Visibility trails the executions by a moment: reconcile until the counts show them.
    await until(
      'the counts to show two running and one failed',
      async () => {
        await reconcileUntilSettled(h, ns(), 90_000);
        const counts = await executions();
        return counts?.running === 2 && counts.failed === 1 ? counts : undefined;
      },
      120_000,
    );

    const table = parseTable((await kubectlFresh(['-n', ns(), 'get', 'workflows'])).stdout);
    expect(table).toEqual([expect.objectContaining({ NAME: 'order-flow-v1', VERSION: '1.0.0', RUNNING: '2', FAILED: '1' })]);

    // Temporal away: the next reconcile keeps the last counts instead of zeroing them.
    await server.kill();
    await reconcileUntilSettled(h, ns(), 90_000);
    expect(await executions()).toEqual({ running: 2, failed: 1 });
    await server.restart();
  }, 600_000);
});
