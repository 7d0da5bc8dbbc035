// Workflow validation: the example under test/fixtures/workflows is valid, and each mistake a person
// can make in a workflow comes back as a diagnostic with its code at the YAML line.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSources } from '../../language/load/load-sources.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';

const FIXTURES = new URL('../fixtures/workflows/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

/** The fixture estate with replenishment.yaml replaced by `workflow` (edited by the test). */
function diagnosticsOf(workflow: string) {
  const files = readdirSync(FIXTURES)
    .filter((f) => f !== 'replenishment.yaml')
    .map((f) => ({ path: f, text: fixture(f) }));
  const loaded = loadSources([...files, { path: 'replenishment.yaml', text: workflow }]);
  expect(loaded.diagnostics).toEqual([]);
  return validateEstate(loaded.documents).diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    file: d.file,
    line: d.range.start.line,
    message: d.message,
    hint: d.hint,
  }));
}

const EXAMPLE = fixture('replenishment.yaml');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('Workflow validation', () => {
  it('the example workflow is valid', () => {
    expect(diagnosticsOf(EXAMPLE)).toEqual([]);
  });

  it('a misspelt step field gets a did-you-mean at its line', () => {
    const text = EXAMPLE.replace('onTimeout: escalate\n        into: confirmation', 'onTimout: escalate\n        into: confirmation');
    const found = diagnosticsOf(text).filter((d) => d.code === 'schema-unknown-field');
    expect(found).toEqual([expect.objectContaining({ line: lineOf(text, 'onTimout') })]);
    expect(found[0]!.hint).toContain('onTimeout');
  });
});

describe('Workflow step graph and estate agreement', () => {
  const codesAt = (text: string) => diagnosticsOf(text).map((d) => `${d.code}@${d.line}`);

  it('a step named in next/onTimeout that does not exist: did-you-mean at the field', () => {
    const text = EXAMPLE.replace('onTimeout: escalate\n        into: confirmation', 'onTimeout: escalat\n        into: confirmation');
    const found = diagnosticsOf(text).filter((d) => d.code === 'workflow-unknown-step');
    expect(found).toHaveLength(1);
    expect(found[0]!.line).toBe(text.split('\n').findIndex((l) => l.trim() === 'onTimeout: escalat') + 1);
    expect(found[0]!.hint).toContain('"escalate"');
  });

  it('an unreachable step is a warning at its id', () => {
    const text = EXAMPLE.replace('    - id: cancel-po\n', '    - id: orphan\n      end: { status: completed }\n    - id: cancel-po\n');
    expect(diagnosticsOf(text)).toEqual([
      expect.objectContaining({ code: 'workflow-unreachable-step', severity: 'warning', line: lineOf(text, 'id: orphan') }),
    ]);
  });

  it('a wait without a timeout is reported at the wait', () => {
    const text = EXAMPLE.replace('        timeout: 72h\n', '');
    // A missing field points at the first line of the object that lacks it.
    expect(codesAt(text)).toEqual([`schema-required@${lineOf(text, 'wait:') + 1}`]);
    const human = EXAMPLE.replace('        due: 24h\n', '');
    expect(codesAt(human)).toEqual([`schema-required@${lineOf(human, 'humanTask:') + 1}`]);
  });

  it('unknown system, topic and contract references', () => {
    const text = EXAMPLE.replace('system: erp\n        method: POST', 'system: epr\n        method: POST')
      .replace('topic: purchase-orders.confirmations', 'topic: purchase-orders.confirmation')
      .replace('contract: purchase-order@1', 'contract: purchase-orders@1');
    const found = diagnosticsOf(text);
    expect(found.map((d) => `${d.code}@${d.line}`).sort()).toEqual(
      [
        `ref-unresolved@${lineOf(text, 'system: epr')}`,
        `ref-unresolved@${lineOf(text, 'contract: purchase-orders@1')}`,
        `workflow-unknown-topic@${lineOf(text, 'topic: purchase-orders.confirmation')}`,
      ].sort(),
    );
    expect(found.find((d) => d.code === 'workflow-unknown-topic')!.hint).toContain('purchase-orders.confirmations');
  });

  it('a loop without a wait or human task spins', () => {
    const text = EXAMPLE.replace('otherwise: create-po\n', 'otherwise: init\n').replace(
      '- { when: state.needsApproval, next: approve }',
      "- { when: state.needsApproval, next: approve }\n          - { when: 'false', next: create-po }",
    );
    expect(codesAt(text)).toEqual([`workflow-busy-cycle@${lineOf(text, 'id: init')}`]);
  });

  it('a loop through a wait is fine', () => {
    const text = EXAMPLE.replace('otherwise: escalate\n    - id: done', 'otherwise: await-confirmation\n    - id: done');
    expect(codesAt(text)).toEqual([`workflow-unreachable-step@${lineOf(text, 'id: escalate')}`].filter(() => false));
  });

  it('a forEach body that never ends, and the last step falling off the list', () => {
    const text =
      `${EXAMPLE.replace('    - id: done\n', `    - id: each-line\n      forEach: { items: "has(input.lines) ? input.lines : []", as: line, do: count }\n      next: done\n    - id: done\n`)}    - id: count\n      set: { lineCount: "state.lineCount + 1.0" }\n`.replace(
        'next: done }',
        'next: each-line }',
      );
    const codes = codesAt(text);
    expect(codes).toContain(`workflow-no-end@${lineOf(text, 'forEach:')}`);
    expect(codes).toContain(`workflow-no-end@${lineOf(text, 'id: count')}`);
  });

  it('a parallel branch that never ends is reported at the branch', () => {
    const text = EXAMPLE.replace(
      '    - id: done\n',
      '    - id: notify\n      parallel: { branches: [tell-erp, tell-planning] }\n      next: done\n    - id: done\n',
    )
      .replace('next: done }', 'next: notify }')
      .replace(
        '    - id: cancel-po\n',
        '    - id: tell-erp\n      publish: { topic: erp.notices, contract: purchase-order@1, event: state.purchaseOrder }\n    - id: erp-told\n      end: { status: completed }\n    - id: tell-planning\n      publish: { topic: planning.notices, contract: purchase-order@1, event: state.purchaseOrder }\n      next: tell-planning-again\n    - id: tell-planning-again\n      wait: { topic: purchase-orders.confirmations, contract: po-confirmation@1, correlate: event.proposalId, timeout: 1h, onTimeout: tell-planning }\n      next: tell-planning\n    - id: cancel-po\n',
      );
    expect(codesAt(text)).toEqual([`workflow-no-end@${lineOf(text, 'parallel:')}`]);
  });

  it('a step with two actions, a next on a branch, a compensation that is not a call', () => {
    const text = EXAMPLE.replace('      end: { status: completed }\n', '      end: { status: completed }\n      set: { lineCount: "1" }\n')
      .replace('        otherwise: create-po\n', '        otherwise: create-po\n      next: approve\n')
      .replace('compensate: cancel-po', 'compensate: done');
    const codes = codesAt(text);
    expect(codes).toContain(`workflow-step-invalid@${lineOf(text, '- id: done')}`);
    expect(codes).toContain(`workflow-step-invalid@${text.split('\n').indexOf('      next: approve') + 1}`);
    expect(codes).toContain(`workflow-step-invalid@${lineOf(text, 'compensate: done')}`);
  });

  it('a state field the state contract does not have; a duplicate step id', () => {
    const text = EXAMPLE.replace('into: purchaseOrder', 'into: purchaseOrdr').replace('- id: rejected', '- id: done');
    const codes = codesAt(text);
    expect(codes).toContain(`workflow-state-field@${lineOf(text, 'into: purchaseOrdr')}`);
    expect(codes).toContain(`duplicate-entry@${text.split('\n').findLastIndex((l) => l.includes('- id: done')) + 1}`);
  });

  it('a CEL expression that does not parse is reported at its line', () => {
    const text = EXAMPLE.replace('correlate: event.proposalId', 'correlate: event.proposalId ==');
    expect(codesAt(text)).toEqual([`expression-invalid@${lineOf(text, 'correlate:')}`]);
  });
});
