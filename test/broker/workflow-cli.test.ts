// `interlace workflow list|show|signal|approve|reject|cancel` over the workflow store of a run folder,
// next to a running engine hosted as `interlace run` hosts it (runtime/run/run-workflows.ts): a real
// node:sqlite store, the embedded backbone feeding a wait, a real HTTP System for the calls.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { System } from '../../language/kinds/generated/kinds.ts';
import { memoryLogger } from '../../lib/log.ts';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { RuntimeMetrics } from '../../runtime/observe/metrics.ts';
import { StatsReader } from '../../runtime/run/run-stats.ts';
import { Gateway } from '../../runtime/run/gateway.ts';
import { RunWorkflows } from '../../runtime/run/run-workflows.ts';
import { buildSummary, renderSummary } from '../../runtime/run/summary.ts';
import { createTracer } from '../../runtime/observe/trace.ts';
import { runCli } from '../helpers/cli.ts';
import { waitFor } from './backbone-contract.ts';
import { CONTRACT_SYSTEM, PROGRAMS } from './workflow-contract-programs.ts';

describe('interlace workflow', () => {
  let dir: string;
  let backbone: Backbone;
  let workflows: RunWorkflows;
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  const cli = (...args: string[]) => runCli(['workflow', ...args, '--run-dir', dir], dir);
  const status = async (id: string) => (await workflows.engine.show(id))?.status;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'interlace-wfcli-'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    backbone = await openSqliteBackbone({ path: join(dir, 'backbone.db') });
    const system = {
      apiVersion: 'interlace.dev/v1alpha1',
      kind: 'System',
      metadata: { name: CONTRACT_SYSTEM },
      spec: { type: 'other', hosting: 'on-prem', endpoint: { protocol: 'http', url } },
    } as unknown as System;
    workflows = await RunWorkflows.start({
      runDir: dir,
      programs: PROGRAMS,
      backbone,
      estate: { routes: [], apis: [], systems: [system], contracts: [] },
      env: {},
      tracer: createTracer(),
      logger: memoryLogger().logger,
      pollIntervalMs: 20,
    });
  });

  afterAll(async () => {
    await workflows?.stop();
    await backbone?.close();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('says there is nothing to list in a run folder without a store, and refuses show there', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'interlace-wfcli-empty-'));
    try {
      const list = await runCli(['workflow', 'list', '--run-dir', empty], empty);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain('no workflow executions');
      const show = await runCli(['workflow', 'show', 'x@1/y', '--run-dir', empty], empty);
      expect(show.code).toBe(2);
      expect(show.stderr).toContain('no workflow store at');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('lists a waiting human task with its deadline, approves it --by someone, and shows the whole history', async () => {
    const { executionId } = await workflows.engine.start('contract-approval@1', { orderNo: 'PO-100' });
    await waitFor('the human task to open', async () => (await workflows.engine.show(executionId))?.waits?.length === 1);

    const list = await cli('list');
    expect(list.code).toBe(0);
    const row = list.stdout.split('\n').find((l) => l.startsWith(executionId))!;
    expect(row).toMatch(/waiting\s+started \S+Z\s+at approve\s+waits approve until \S+Z \(in (?:9m \d+|10m 0)s\)/);

    const refused = await cli('approve', executionId);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--by <who>');

    const approved = await cli('approve', executionId, '--by', 'planner.anna', '--comment', 'ok for Q3');
    expect(approved.code).toBe(0);
    await waitFor('the approved workflow to complete', async () => (await status(executionId)) === 'completed');
    expect(calls).toContain('POST /purchase-orders/PO-100');

    const show = await cli('show', executionId);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`${executionId}  completed`);
    const history = show.stdout.slice(show.stdout.indexOf('history ('));
    const types = [...history.matchAll(/^ {4}\S+Z\s+\+\d+\.\d{3}s\s+(\S+)/gm)].map((m) => m[1]);
    expect(types).toEqual([
      'workflow.started',
      'step.started',
      'humanTask.opened',
      'humanTask.decided',
      'step.completed',
      'step.started',
      'step.completed',
      'workflow.ended',
    ]);
    expect(history).toMatch(/humanTask\.decided\s+approve\s+.*"decision":"approve","by":"planner\.anna","comment":"ok for Q3"/);

    const json = JSON.parse((await cli('show', executionId, '--json')).stdout) as { status: string; history: unknown[] };
    expect(json.status).toBe('completed');
    expect(json.history).toHaveLength(8);
  });

  it('rejects a human task: the workflow ends failed with the reason, listed as such', async () => {
    const { executionId } = await workflows.engine.start('contract-approval@1', { orderNo: 'PO-101' });
    await waitFor('the human task to open', async () => (await workflows.engine.show(executionId))?.waits?.length === 1);
    expect((await cli('reject', executionId, '--by', 'planner.ben')).code).toBe(0);
    await waitFor('the rejected workflow to fail', async () => (await status(executionId)) === 'failed');
    const failed = await cli('list', '--status', 'failed');
    expect(failed.stdout).toMatch(
      new RegExp(`${executionId.replace(/[/@]/g, '\\$&')}\\s+failed\\s+started \\S+\\s+rejected by the approver`),
    );
    expect(failed.stdout).not.toContain('PO-100');
  });

  it('resumes a wait from an event on the backbone and from a signal sent with --data', async () => {
    const fromEvent = (await workflows.engine.start('contract-confirm@1', { orderNo: 'PO-200' })).executionId;
    const fromSignal = (await workflows.engine.start('contract-confirm@1', { orderNo: 'PO-201' })).executionId;
    await waitFor('both waits', async () => (await workflows.engine.show(fromSignal))?.waits?.length === 1);
    const shown = await cli('show', fromSignal);
    expect(shown.stdout).toContain(`${fromSignal}  waiting`);
    expect(shown.stdout).toMatch(/current step: confirm\n {2}waits: confirm until \S+Z \(in (?:9m \d+|10m 0)s\)/);

    await backbone.publish('contract.confirmations', Buffer.from(JSON.stringify({ poNumber: 'PO-200', status: 'confirmed' })));
    await waitFor('the event to complete its execution', async () => (await status(fromEvent)) === 'completed');
    expect(await status(fromSignal)).toBe('running');

    const bad = await cli('signal', fromSignal, 'event:contract.confirmations', '--data', '{poNumber');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--data is not JSON');
    const sent = await cli('signal', fromSignal, 'event:contract.confirmations', '--data', '{"poNumber":"PO-201","status":"short"}');
    expect(sent.code).toBe(0);
    await waitFor('the signal to complete its execution', async () => (await status(fromSignal)) === 'completed');
    expect((await workflows.engine.show(fromSignal))?.state).toMatchObject({ confirmation: { poNumber: 'PO-201', status: 'short' } });

    const late = await cli('signal', fromSignal, 'event:contract.confirmations');
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('has ended (completed)');
  });

  it('cancels a waiting execution with a reason, refuses unknown ids, and counts executions by status', async () => {
    const { executionId } = await workflows.engine.start('contract-confirm@1', { orderNo: 'PO-300' });
    await waitFor('the wait', async () => (await workflows.engine.show(executionId))?.waits?.length === 1);
    const cancelled = await cli('cancel', executionId, '--reason', 'supplier gone');
    expect(cancelled.code).toBe(0);
    await waitFor('the cancellation', async () => (await status(executionId)) === 'cancelled');
    const history = (await cli('show', executionId)).stdout;
    expect(history).toContain('reason: supplier gone');

    const unknown = await cli('cancel', 'contract-confirm@1/NOPE');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no workflow execution contract-confirm@1/NOPE');
    expect((await cli('show', 'contract-confirm@1/NOPE')).code).toBe(1);

    const { executionId: open } = await workflows.engine.start('contract-approval@1', { orderNo: 'PO-301' });
    await waitFor('the human task', async () => (await workflows.engine.show(open))?.waits?.length === 1);
    expect(await workflows.counts()).toEqual({
      running: 0,
      waiting: 1,
      completed: 3,
      failed: 1,
      compensated: 0,
      escalated: 0,
      cancelled: 1,
    });
    const text = renderSummary(
      buildSummary({
        durationMs: 1000,
        backbone: 'sqlite',
        settled: true,
        stats: await new StatsReader(new RuntimeMetrics()).snapshot('whole'),
        ordersSent: 0,
        forecastProposals: 0,
        workflows: await workflows.reports(),
      }),
    );
    // One line per workflow the run hosts, also those with no execution.
    expect(text).toContain('  workflows                (interlace workflow list)\n');
    expect(text).toContain(
      '    contract-approval@1      1 completed, 1 waiting, 0 compensated, 0 escalated, 1 FAILED; human tasks 1 approved, 1 rejected\n',
    );
    expect(text).toContain('    contract-confirm@1       2 completed, 0 waiting, 0 compensated, 0 escalated, 1 cancelled\n');
    expect(text).toContain('    contract-saga@1          0 completed, 0 waiting, 0 compensated, 0 escalated\n');
  });

  it('the task API on the run gateway lists open human tasks and takes approve/reject decisions, refusing what it cannot do', async () => {
    const gateway = new Gateway({
      port: 0,
      metrics: new RuntimeMetrics(),
      apis: () => new Map(),
      state: async () => ({}),
      workflows: () => workflows.engine,
    });
    await gateway.start();
    try {
      const yes = (await workflows.engine.start('contract-approval@1', { orderNo: 'PO-400' })).executionId;
      const no = (await workflows.engine.start('contract-approval@1', { orderNo: 'PO-401' })).executionId;
      const tasksOf = async (assignee: string) =>
        (
          (await (await fetch(`${gateway.url}/workflows/tasks?assignee=${assignee}`)).json()) as {
            tasks: { execution: string; title: string; step: string }[];
          }
        ).tasks;
      await waitFor(
        'both tasks to open',
        async () => (await tasksOf('planner')).filter((t) => /PO-40[01]$/.test(t.execution)).length === 2,
      );
      expect((await tasksOf('planner')).find((t) => t.execution === yes)).toMatchObject({ step: 'approve', title: 'Approve PO-400' });
      expect(await tasksOf('nobody')).toEqual([]);
      const decide = (id: string, action: string, body?: unknown) =>
        fetch(`${gateway.url}/workflows/tasks/${encodeURIComponent(id)}/${action}`, {
          method: 'POST',
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });

      const anonymous = await decide(yes, 'approve');
      expect(anonymous.status).toBe(400);
      expect(((await anonymous.json()) as { detail: string }).detail).toContain('a decision says who made it');
      expect((await decide(yes, 'approve', { by: 'planner.cho', comment: 'fine' })).status).toBe(202);
      expect((await decide(no, 'reject', { by: 'planner.cho' })).status).toBe(202);
      await waitFor('the approved workflow to complete', async () => (await status(yes)) === 'completed');
      await waitFor('the rejected workflow to fail', async () => (await status(no)) === 'failed');
      const again = await decide(yes, 'reject', { by: 'planner.cho' });
      expect(again.status).toBe(409);
      expect(((await again.json()) as { detail: string }).detail).toContain('has ended (completed)');
      expect((await decide('contract-approval@1/NOPE', 'approve', { by: 'x' })).status).toBe(404);
      expect((await decide(yes, 'maybe', { by: 'x' })).status).toBe(404);
      expect((await fetch(`${gateway.url}/workflows/tasks/${encodeURIComponent(yes)}/approve`)).status).toBe(405);
      const decided = (await workflows.engine.show(yes))!.history.find((h) => h.type === 'humanTask.decided');
      expect(decided?.detail).toMatchObject({ decision: 'approve', by: 'planner.cho', comment: 'fine' });
    } finally {
      await gateway.stop();
    }
  });

  it("names the feed's consumers as the feed does, so a run does not settle while an event waits in one", async () => {
    expect(workflows.consumers()).toContainEqual({ topic: 'contract.confirmations', consumer: 'workflow-events' });
    for (const { topic, consumer } of workflows.consumers()) {
      await backbone.publish(topic, Buffer.from(JSON.stringify({ poNumber: 'NOBODY' })));
      // Read by the feed (no execution waits for NOBODY): the backlog the run's settle() sums drains to 0.
      await waitFor(`${consumer} on ${topic} to drain`, async () => (await backbone.pending(topic, consumer)) === 0);
    }
  });
});
