// A workflow call that builds its request with a Mapping (`call.mapping`): each mistake comes back at
// its YAML line (an unknown mapping with a did-you-mean, `request` and `mapping` both, a fan-out, a
// System that does not speak the mapping's `to`, a `from` of the wrong type); the generated program
// applies the mapping and the merge patch; `interlace impact` of the mapping reaches the workflow.
import { describe, expect, it } from 'vitest';
import { Generator } from '../../generators/generate.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { loadWorkflowProgram } from '../../generators/workflows/load-workflow-program.ts';
import { computeImpact } from '../../governance/impact.ts';
import type { WorkflowIR } from '../../language/workflow/workflow-ir.ts';
import { estateOf } from '../helpers/estate.ts';
import { workflowFixtureFiles } from '../helpers/workflow-estate.ts';
import { MAPPINGS, withMapping } from '../helpers/workflow-call-mapping.ts';

const FILES = workflowFixtureFiles();
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

function diagnosticsOf(workflow: string, overrides: Record<string, string> = {}) {
  const result = estateOf({ ...FILES, 'mappings.yaml': MAPPINGS, ...overrides, 'replenishment.yaml': workflow }, { allowInvalid: true });
  return result.diagnostics.map((d) => ({ code: d.code, line: d.range.start.line, file: d.file, message: d.message, hint: d.hint }));
}

async function generate(workflow: string) {
  const result = estateOf({ ...FILES, 'mappings.yaml': MAPPINGS, 'replenishment.yaml': workflow });
  return new Generator().generate({ documents: result.documents, index: result.index, support: readSupportSources() });
}

describe('call.mapping: validation', () => {
  it('a call with a mapping is valid', () => {
    expect(diagnosticsOf(withMapping('{ name: proposal-to-po-request }'))).toEqual([]);
  });

  it('an unknown mapping: ref-unresolved at its line, with a did-you-mean', () => {
    const text = withMapping('{ name: proposal-to-po-requst }');
    expect(diagnosticsOf(text)).toEqual([
      expect.objectContaining({ code: 'ref-unresolved', line: lineOf(text, 'mapping:'), file: 'replenishment.yaml' }),
    ]);
    expect(diagnosticsOf(text)[0]!.hint).toContain('proposal-to-po-request');
  });

  it('request and mapping both: workflow-call-invalid at mapping', () => {
    const text = withMapping('{ name: proposal-to-po-request }', true);
    const found = diagnosticsOf(text);
    expect(found).toEqual([expect.objectContaining({ code: 'workflow-call-invalid', line: lineOf(text, 'mapping:') })]);
    expect(found[0]!.message).toContain('both `request` and `mapping`');
  });

  it('a fan-out mapping is refused for a call', () => {
    const text = withMapping('{ name: proposal-lines-to-po-request }');
    const found = diagnosticsOf(text);
    expect(found).toEqual([expect.objectContaining({ code: 'workflow-call-invalid', line: lineOf(text, 'mapping:') })]);
    expect(found[0]!.message).toContain('fans out');
  });

  it("a System that lists its contracts and not the mapping's `to`: mapping-mismatch", () => {
    const systems = FILES['systems.yaml']!.replace('  owner: team-erp\n', '  owner: team-erp\n  contracts: [purchase-order@1]\n');
    expect(systems).not.toBe(FILES['systems.yaml']);
    const text = withMapping('{ name: proposal-to-po-request }');
    const found = diagnosticsOf(text, { 'systems.yaml': systems });
    expect(found).toEqual([expect.objectContaining({ code: 'mapping-mismatch', line: lineOf(text, 'mapping:') })]);
    expect(found[0]!.message).toContain('po-request@1');
    // Speaking it, the call is fine.
    const speaks = systems.replace('[purchase-order@1]', '[purchase-order@1, po-request@1]');
    expect(diagnosticsOf(text, { 'systems.yaml': speaks })).toEqual([]);
  });
});

describe('call.mapping: generated and type-checked', () => {
  it('the request is the mapping of `from` with `merge` on top, in the bundle both engines load', async () => {
    const text = withMapping(
      `{ name: proposal-to-po-request, merge: "{'priority': input.estimatedValue > 25000.0 ? 'urgent' : 'normal', 'supplier': null}" }`,
    );
    const out = await generate(text);
    expect(out.diagnostics).toEqual([]);
    const ir = JSON.parse(out.files.get('workflows/replenishment-v1.ir.json')!) as WorkflowIR;
    expect(ir.steps['create-po']).toMatchObject({ type: 'call', request: 'create-po.request' });
    expect(out.files.get('workflows/replenishment-v1.ts')).toContain("from '../mappings/proposal-to-po-request.js'");
    const program = await loadWorkflowProgram(out.files.get('bundles/workflow-replenishment-v1.js')!);
    const input = { proposalId: 'RP-1', sku: 'S-1', quantity: 24, supplier: '20000', estimatedValue: 30000 };
    const request = program.exprs['create-po.request']!({ input, state: {}, items: {}, key: 'RP-1' });
    // The mapping made the SKU and the priority; the merge raised it and removed the supplier.
    expect(request).toEqual({ proposalId: 'RP-1', sku: 'SKU-S-1', quantity: 24, priority: 'urgent' });
    const small = program.exprs['create-po.request']!({ input: { ...input, estimatedValue: 10 }, state: {}, items: {}, key: 'RP-1' });
    expect(small).toEqual({ proposalId: 'RP-1', sku: 'SKU-S-1', quantity: 24, priority: 'normal' });
  });

  it('without merge, the default `from` is the input', async () => {
    const out = await generate(withMapping('{ name: proposal-to-po-request }'));
    expect(out.diagnostics).toEqual([]);
    const program = await loadWorkflowProgram(out.files.get('bundles/workflow-replenishment-v1.js')!);
    const input = { proposalId: 'RP-2', sku: 'S', quantity: 1, supplier: '2', estimatedValue: 1 };
    expect(program.exprs['create-po.request']!({ input, state: {}, items: {}, key: 'RP-2' })).toEqual({
      proposalId: 'RP-2',
      supplier: '2',
      sku: 'SKU-S',
      quantity: 1,
      priority: 'normal',
    });
  });

  it("a `from` that is not the mapping's source contract, and a merge field the target lacks: at their lines", async () => {
    const text = withMapping(`{ name: proposal-to-po-request, from: state.purchaseOrder, merge: "{'priorty': 'urgent'}" }`);
    const out = await generate(text);
    const line = lineOf(text, 'mapping:');
    expect(out.diagnostics.map((d) => `${d.code}@${d.range.start.line}:${d.path.at(-1)}`)).toEqual([
      `workflow-type-error@${line}:from`,
      `workflow-type-error@${line}:merge`,
    ]);
    expect(out.diagnostics[0]!.message).toContain('mapping.from is not what mapping "proposal-to-po-request" reads');
    expect(out.diagnostics[1]!.message).toContain('priorty');
  });
});

describe('call.mapping: governance', () => {
  it('the impact of the mapping, and of its source contract, reaches the workflow', () => {
    const result = estateOf({ ...FILES, 'mappings.yaml': MAPPINGS, 'replenishment.yaml': withMapping('{ name: proposal-to-po-request }') });
    const mapping = result.index.ofKind('Mapping').find((m) => m.name === 'proposal-to-po-request')!;
    expect(computeImpact(result.index, mapping).dependents.map((d) => d.identity)).toContain('Workflow/replenishment@1');
    const po = result.index.ofKind('DataContract').find((c) => c.name === 'po-request')!;
    expect(computeImpact(result.index, po).dependents).toContainEqual(
      expect.objectContaining({ identity: 'Workflow/replenishment@1', via: 'Mapping/proposal-to-po-request' }),
    );
    // Without the mapping call, the workflow is not a dependent.
    const plain = estateOf({ ...FILES, 'mappings.yaml': MAPPINGS });
    const unused = plain.index.ofKind('Mapping').find((m) => m.name === 'proposal-to-po-request')!;
    expect(computeImpact(plain.index, unused).dependents.map((d) => d.identity)).not.toContain('Workflow/replenishment@1');
  });
});
