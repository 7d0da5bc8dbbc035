// Workflow generation: the expression module type-checks against the contracts, loads into a
// WorkflowProgram whose functions compute what the CEL says, and a type error in an expression comes
// back as a diagnostic at its YAML line.
import { describe, expect, it } from 'vitest';
import { Generator } from '../../generators/generate.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { linkWorkflowModule, loadWorkflowProgram } from '../../generators/workflows/load-workflow-program.ts';
import type { WorkflowIR } from '../../language/workflow/workflow-ir.ts';
import { workflowEstate, workflowFixtureFiles } from '../helpers/workflow-estate.ts';

async function generate(overrides: Record<string, string> = {}) {
  const { result } = workflowEstate(overrides);
  return new Generator().generate({ documents: result.documents, index: result.index, support: readSupportSources() });
}

const EXAMPLE = workflowFixtureFiles()['replenishment.yaml']!;
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('generated workflow module', () => {
  it('type-checks, writes the IR, and loads into a WorkflowProgram that evaluates the CEL', async () => {
    const out = await generate();
    expect(out.diagnostics).toEqual([]);
    const ir = JSON.parse(out.files.get('workflows/replenishment-v1.ir.json')!) as WorkflowIR;
    expect(ir.steps['create-po']).toMatchObject({ type: 'call', request: 'create-po.request' });
    const files = new Map([...out.files].filter(([path]) => path !== 'types.ts'));
    for (const [name, text] of readSupportSources()) files.set(`support/${name}`, text);
    const program = await loadWorkflowProgram(linkWorkflowModule(files, 'workflows/replenishment-v1.ts'));
    expect(program.ir).toEqual(ir);
    // The bundle `interlace generate` writes is the same program, self-contained.
    const bundled = await loadWorkflowProgram(out.files.get('bundles/workflow-replenishment-v1.js')!);
    expect(bundled.ir).toEqual(ir);
    expect(
      bundled.exprs['create-po.request']!({ input: { proposalId: 'P', sku: 'S', quantity: 1 }, state: {}, items: {}, key: 'P' }),
    ).toEqual({
      proposalId: 'P',
      supplier: undefined,
      sku: 'S',
      quantity: 1,
    });

    const input = {
      proposalId: 'RP-1',
      sku: 'S-1',
      quantity: 24,
      supplier: '20000',
      estimatedValue: 30000,
      lines: [{ sku: 'S-1', quantity: 24 }],
    };
    const scope = { input, state: {}, items: {}, key: 'RP-1' };
    expect(program.exprs[ir.key]!(scope)).toBe('RP-1');
    expect(program.exprs['init.set.needsApproval']!(scope)).toBe(true);
    expect(program.exprs['init.set.lineCount']!(scope)).toBe(1);
    expect(program.exprs['approve.title']!(scope)).toBe('Approve replenishment RP-1 of 24 S-1');
    expect(program.exprs['create-po.request']!(scope)).toEqual({ proposalId: 'RP-1', supplier: '20000', sku: 'S-1', quantity: 24 });
    const confirmed = { ...scope, state: { confirmation: { status: 'rejected' }, purchaseOrder: { number: 'PO-9' } } };
    expect(program.exprs['check-confirmation.when.0']!(confirmed)).toBe(false);
    expect(program.exprs['check-confirmation.when.1']!(confirmed)).toBe(true);
    expect(program.exprs['supplier-rejected.reason']!(confirmed)).toBe('supplier rejected PO-9');
    expect(
      program.exprs['await-confirmation.correlate']!(scope, { proposalId: 'RP-1', purchaseOrderNumber: 'PO-9', status: 'confirmed' }),
    ).toBe('RP-1');
  });

  it('an expression that reads a field the contract does not have: workflow-type-error at its line', async () => {
    const text = EXAMPLE.replace("'sku': input.sku,", "'sku': input.skew,").replace('event: state.purchaseOrder', 'event: input');
    const out = await generate({ 'replenishment.yaml': text });
    const found = out.diagnostics.map((d) => `${d.code}@${d.range.start.line}`);
    expect(found).toEqual([`workflow-type-error@${lineOf(text, 'input.skew')}`, `workflow-type-error@${lineOf(text, 'event: input')}`]);
    expect(out.diagnostics[0]!.message).toContain('skew');
  });

  it('a wait with match: correlated by a state field, compiled and type-checked like the rest', async () => {
    const matched = EXAMPLE.replace(
      'correlate: event.proposalId\n',
      'correlate: event.purchaseOrderNumber\n        match: state.purchaseOrder.number\n',
    );
    expect(matched).not.toBe(EXAMPLE);
    const out = await generate({ 'replenishment.yaml': matched });
    expect(out.diagnostics).toEqual([]);
    const ir = JSON.parse(out.files.get('workflows/replenishment-v1.ir.json')!) as WorkflowIR;
    expect(ir.steps['await-confirmation']).toMatchObject({
      type: 'wait',
      correlate: 'await-confirmation.correlate',
      match: 'await-confirmation.match',
    });
    const program = await loadWorkflowProgram(out.files.get('bundles/workflow-replenishment-v1.js')!);
    const scope = { input: {}, state: { purchaseOrder: { number: 'PO-9' } }, items: {}, key: 'RP-1' };
    expect(program.exprs['await-confirmation.match']!(scope)).toBe('PO-9');

    // A field the state contract lacks, and a value that is not text, come back at the match line.
    for (const wrong of ['state.purchaseOrder.numbr', 'state.purchaseOrder']) {
      const text = matched.replace('match: state.purchaseOrder.number', `match: ${wrong}`);
      const bad = await generate({ 'replenishment.yaml': text });
      expect(bad.diagnostics.map((d) => `${d.code}@${d.range.start.line}`)).toEqual([`workflow-type-error@${lineOf(text, 'match:')}`]);
    }
  });

  it('a condition that is not a boolean and a set that does not fit its state field', async () => {
    const text = EXAMPLE.replace('needsApproval: input.estimatedValue > 25000.0', 'needsApproval: input.sku').replace(
      '{ when: state.needsApproval, next: approve }',
      '{ when: input.quantity, next: approve }',
    );
    const out = await generate({ 'replenishment.yaml': text });
    expect(out.diagnostics.map((d) => `${d.code}@${d.range.start.line}`)).toEqual([
      `workflow-type-error@${lineOf(text, 'needsApproval: input.sku')}`,
      `workflow-type-error@${lineOf(text, 'when: input.quantity')}`,
    ]);
  });
});

describe('forEach: the loop variable has the element type of its list', () => {
  const withLoop = (items: string, body: string) =>
    EXAMPLE.replace(
      '    - id: done\n',
      `    - id: each-line\n      forEach: { items: "${items}", as: line, do: count-line }\n    - id: done\n`,
    )
      .replace('next: done }', 'next: each-line }')
      .replace(
        '    - id: cancel-po\n',
        `    - id: count-line\n      set: { lineCount: "${body}" }\n    - id: line-done\n      end: { status: completed }\n    - id: cancel-po\n`,
      );

  it('reads the item fields its contract declares', async () => {
    const text = withLoop('input.lines', 'line.quantity');
    const out = await generate({ 'replenishment.yaml': text });
    expect(out.diagnostics).toEqual([]);
    const program = await loadWorkflowProgram(out.files.get('bundles/workflow-replenishment-v1.js')!);
    expect(program.ir.steps['each-line']).toMatchObject({
      type: 'forEach',
      items: 'each-line.items',
      as: 'line',
      do: 'count-line',
      next: 'done',
    });
    expect(program.exprs['count-line.set.lineCount']!({ input: {}, state: {}, items: { line: { sku: 'A', quantity: 7 } }, key: 'k' })).toBe(
      7,
    );
  });

  it('an unknown item field and items that are not a list come back at their lines', async () => {
    const text = withLoop('input.sku', 'line.quantty');
    const out = await generate({ 'replenishment.yaml': text });
    expect(out.diagnostics.map((d) => `${d.code}@${d.range.start.line}`)).toEqual([
      `workflow-type-error@${lineOf(text, 'forEach:')}`,
      `workflow-type-error@${lineOf(text, 'line.quantty')}`,
    ]);
  });
});
