// A validated Workflow compiles to the IR the engines run: durations in milliseconds, contract
// references pinned to name@major, defaults filled in, fall-through made explicit, expressions by id.
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../language/workflow/compile-workflow.ts';
import type { WorkflowProgram } from '../../language/workflow/workflow-ir.ts';
import { NO_REQUEST } from '../../language/workflow/workflow-steps.ts';
import { workflowEstate, workflowFixtureFiles } from '../helpers/workflow-estate.ts';

describe('compileWorkflow', () => {
  const { result, workflow } = workflowEstate();
  const ir = compileWorkflow(workflow, result.index);

  it('the workflow: identity, trigger, contracts, key, start and owners', () => {
    expect(ir).toMatchObject({
      name: 'replenishment',
      version: '1.0.0',
      trigger: { kind: 'event', topic: 'replenishment.proposals', contract: 'proposal@1' },
      input: 'proposal@1',
      state: 'replenishment-state@1',
      key: 'key',
      start: 'init',
      owners: ['team-supply-planning'],
    });
    expect(Object.keys(ir.steps)).toEqual(workflow.spec.steps.map((s) => s.id));
  });

  it('steps: durations in ms, retry, fall-through next, expressions by id, source lines', () => {
    expect(ir.steps['create-po']).toEqual({
      id: 'create-po',
      type: 'call',
      at: { file: 'replenishment.yaml', line: 34 },
      next: 'send-po',
      compensate: 'cancel-po',
      system: 'erp',
      operation: 'POST /purchase-orders',
      request: 'create-po.request',
      response: 'purchase-order@1',
      resultInto: 'purchaseOrder',
      timeoutMs: 30_000,
      retry: { maxAttempts: 5, initialIntervalMs: 1000, maxIntervalMs: 60_000 },
      onError: 'escalate',
    });
    expect(ir.steps['await-confirmation']).toMatchObject({
      type: 'wait',
      next: 'check-confirmation',
      contract: 'po-confirmation@1',
      correlate: 'await-confirmation.correlate',
      timeoutMs: 72 * 3_600_000,
      onTimeout: 'escalate',
      resultInto: 'confirmation',
    });
    expect(ir.steps.approve).toMatchObject({
      type: 'humanTask',
      title: 'approve.title',
      dueMs: 86_400_000,
      assignee: 'team-supply-planning',
    });
    expect(ir.steps.approve).not.toHaveProperty('next');
    expect(ir.steps['check-confirmation']).toEqual(
      expect.objectContaining({
        type: 'branch',
        choices: [
          { when: 'check-confirmation.when.0', next: 'done' },
          { when: 'check-confirmation.when.1', next: 'supplier-rejected' },
        ],
        otherwise: 'escalate',
      }),
    );
    expect(ir.steps.init).toMatchObject({ type: 'set', next: 'approval-needed', assign: { proposalId: 'init.set.proposalId' } });
    expect(ir.steps['supplier-rejected']).toMatchObject({ type: 'end', status: 'compensated', reason: 'supplier-rejected.reason' });
    expect(ir.steps.done).not.toHaveProperty('reason');
  });

  it('a call without a timeout or retry takes the defaults; the last step has no next', () => {
    expect(ir.steps['cancel-po']).toMatchObject({
      type: 'call',
      request: 'cancel-po.request',
      timeoutMs: 30_000,
      retry: { maxAttempts: 3 },
    });
    expect(ir.steps['cancel-po']).not.toHaveProperty('next');
  });

  it('a compensation step never falls through to the step below it (the engines run it as a flow)', () => {
    const files = workflowFixtureFiles();
    const text = files['replenishment.yaml']!.replace(
      '    - id: done\n',
      `    - id: cancel-first\n      call: { system: erp, method: POST, path: /cancel }\n    - id: done\n`,
    ).replace('compensate: cancel-po', 'compensate: cancel-first');
    const edited = workflowEstate({ 'replenishment.yaml': text.replace(/ {4}- id: cancel-po\n[\s\S]*$/, '') });
    const steps = compileWorkflow(edited.workflow, edited.result.index).steps;
    expect(steps['cancel-first']).not.toHaveProperty('next');
  });

  it('a call without a request sends none', () => {
    const files = workflowFixtureFiles();
    const text = files['replenishment.yaml']!.replace(`        request: "{'number': state.purchaseOrder.number}"\n`, '');
    const edited = workflowEstate({ 'replenishment.yaml': text });
    expect(compileWorkflow(edited.workflow, edited.result.index).steps['cancel-po']).toMatchObject({ request: NO_REQUEST });
  });

  it('is plain data: it survives JSON unchanged (what a program and a history carry)', () => {
    const program: WorkflowProgram = { ir: JSON.parse(JSON.stringify(ir)), exprs: {} };
    expect(program.ir).toEqual(ir);
  });
});
