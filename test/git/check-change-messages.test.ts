import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { HEADER } from '../helpers/specs.ts';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

const shopOrder = (version: string, mode: string, withCurrency: boolean) => `${HEADER}
kind: DataContract
metadata:
  name: shop-order
spec:
  version: ${version}
  owner: team-o2c
  compatibility: ${mode}
  schema:
    type: object
    required: [id${withCurrency ? ', currency' : ''}]
    properties:
      id: { type: string }
${withCurrency ? '      currency: { type: string }\n' : ''}      total: { type: number }
`;

async function check() {
  const result = await runCli(['check', 'specs', '--base', 'main', '--format', 'json', '--today', '2026-11-26'], repo.root);
  if (result.code === 2) throw new Error(result.stderr);
  const report = JSON.parse(result.stdout) as {
    diagnostics: { code: string; message: string; hint: string; range: { start: { line: number } } }[];
  };
  return report.diagnostics;
}

describe('check --base says what a contract change did', () => {
  it('a removal without a bump is not called additive', async () => {
    repo = new TempRepo().write({ 'specs/shop-order.yaml': shopOrder('1.0.0', 'BACKWARD', true) });
    repo.commit('base');
    repo.write({ 'specs/shop-order.yaml': shopOrder('1.0.0', 'BACKWARD', false) });
    const [finding, ...rest] = await check();
    expect(rest).toEqual([]);
    expect(finding!.code).toBe('version-bump');
    expect(finding!.message).toBe(
      'a compatible change (removed `currency`) needs a minor version bump, but the version is 1.0.0 (was 1.0.0)',
    );
    expect(finding!.message).not.toContain('additive');
    expect(finding!.hint).toContain('version: 1.1.0');
  });

  it('under FULL a removed required field is reported at `required:`, with hints about removing, not adding', async () => {
    repo = new TempRepo().write({ 'specs/shop-order.yaml': shopOrder('1.0.0', 'FULL', true) });
    repo.commit('base');
    repo.write({ 'specs/shop-order.yaml': shopOrder('1.1.0', 'FULL', false) });
    const findings = await check();
    expect(findings.map((d) => d.code)).toEqual(['breaking-change-needs-major', 'breaking-change-needs-major']);
    const required = findings.find((d) => d.message.includes('is required by version 1.0.0'))!;
    // Line 11 is `    required: [id]`; before, the finding pointed at line 13, the first property (`id`).
    expect(required.range.start.line).toBe(11);
    for (const finding of findings) {
      expect(finding.hint).not.toMatch(/adding an optional field|Make it optional/);
      expect(finding.message).toContain('currency');
    }
    expect(findings.find((d) => d.message.includes('not declared'))!.hint).toContain("Removing 'currency'");
  });
});
