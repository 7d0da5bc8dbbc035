// Governance of workflows: a changed workflow within a major must only add (executions in flight
// replay against the steps they started with), needs a version bump, and the built-in rules
// workflow-wait-timeout and human-task-owner.
import { describe, expect, it } from 'vitest';
import { checkEstate } from '../../governance/check-estate.ts';
import { estateOf } from '../helpers/estate.ts';
import { workflowFixtureFiles } from '../helpers/workflow-estate.ts';

const TODAY = '2026-11-26';
const BASE = workflowFixtureFiles();
const EXAMPLE = BASE['replenishment.yaml']!;

function findings(workflow: string, base?: string) {
  const head = estateOf({ ...BASE, 'replenishment.yaml': workflow });
  const report = checkEstate({
    head,
    base: base === undefined ? undefined : estateOf({ ...BASE, 'replenishment.yaml': base }),
    today: TODAY,
    all: true,
  });
  return report.diagnostics
    .filter((d) => ['version-bump', 'breaking-change-needs-major', 'workflow-wait-timeout', 'human-task-owner'].includes(d.code))
    .map((d) => ({ code: d.code, line: d.range.start.line, message: d.message }));
}
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('workflow governance', () => {
  it('the example passes every rule, with and without a base', () => {
    expect(findings(EXAMPLE)).toEqual([]);
    expect(findings(EXAMPLE, EXAMPLE)).toEqual([]);
  });

  it('a removed step with the same version is breaking; a new major is the way', () => {
    const removed = EXAMPLE.replace(
      '          - { when: "state.confirmation.status == \'rejected\'", next: supplier-rejected }\n',
      '',
    ).replace(
      '    - id: supplier-rejected\n      end: { status: compensated, reason: "\'supplier rejected \' + state.purchaseOrder.number" }\n',
      '',
    );
    const found = findings(removed, EXAMPLE);
    expect(found).toEqual([
      expect.objectContaining({
        code: 'breaking-change-needs-major',
        message: expect.stringContaining('step "supplier-rejected" was removed or renamed'),
      }),
    ]);
    // Bumping the minor does not make it compatible: the engine would replay old executions against missing steps.
    expect(findings(removed.replace('version: 1.0.0', 'version: 1.1.0'), EXAMPLE).map((f) => f.code)).toEqual([
      'breaking-change-needs-major',
    ]);
  });

  it('a renamed step and a changed step kind are breaking', () => {
    const renamed = EXAMPLE.replace('- id: done', '- id: completed').replace('next: done }', 'next: completed }');
    expect(findings(renamed, EXAMPLE).map((f) => f.message)).toEqual([expect.stringContaining('step "done" was removed or renamed')]);
  });

  it('an added step needs a minor bump; a description a patch', () => {
    const added = EXAMPLE.replace(
      '    - id: done\n      end: { status: completed }\n',
      '    - id: done\n      end: { status: completed }\n    - id: late\n      end: { status: escalated, reason: "\'late\'" }\n',
    ).replace('onTimeout: escalate\n        into: confirmation', 'onTimeout: late\n        into: confirmation');
    expect(findings(added, EXAMPLE)).toEqual([
      expect.objectContaining({
        code: 'version-bump',
        line: lineOf(added, 'version: 1.0.0'),
        message: expect.stringContaining('needs a minor'),
      }),
    ]);
    expect(findings(added.replace('version: 1.0.0', 'version: 1.1.0'), EXAMPLE)).toEqual([]);
    const documented = EXAMPLE.replace('    - id: done\n', '    - id: done\n      description: The happy path.\n');
    expect(findings(documented, EXAMPLE)).toEqual([
      expect.objectContaining({ code: 'version-bump', message: expect.stringContaining('patch') }),
    ]);
  });

  it('workflow-wait-timeout: a wait longer than maxTimeout (720h by default)', () => {
    const text = EXAMPLE.replace('timeout: 72h', 'timeout: 9000h');
    expect(findings(text)).toEqual([
      { code: 'workflow-wait-timeout', line: lineOf(text, 'timeout: 9000h'), message: expect.stringContaining('longer than 720h') },
    ]);
  });

  it('human-task-owner: no owner, a blank assignee', () => {
    const text = EXAMPLE.replace('  owner: team-supply-planning\n', '').replace('assignee: team-supply-planning', 'assignee: " "');
    expect(findings(text).map((f) => `${f.code}@${f.line}`)).toEqual([
      `human-task-owner@${lineOf(text, 'spec:') + 1}`,
      `human-task-owner@${lineOf(text, 'assignee:')}`,
    ]);
  });
});
