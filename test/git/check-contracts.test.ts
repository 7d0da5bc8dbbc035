import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { contract, ORDER_SCHEMA_CLOSED, ORDER_SCHEMA_OPEN } from '../helpers/specs.ts';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

async function check(args: string[] = []) {
  const result = await runCli(['check', 'specs', '--base', 'main', '--format', 'json', '--today', '2026-11-26', ...args], repo.root);
  if (result.code === 2) throw new Error(result.stderr);
  return {
    ...result,
    report: JSON.parse(result.stdout) as {
      diagnostics: { code: string; message: string; hint?: string; range: { start: { line: number } }; file: string }[];
    },
  };
}
const codes = (report: { diagnostics: { code: string }[] }) => report.diagnostics.map((d) => d.code).sort();

describe('check --base: data contracts in real git repositories', () => {
  it('a property removed from a closed schema within the major is a breaking change that needs a new major', async () => {
    repo = new TempRepo().write({ 'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED) });
    repo.commit('base');
    repo.git('checkout', '-q', '-b', 'pr');
    repo.write({ 'specs/order.yaml': contract('order', '2.1.0', ORDER_SCHEMA_CLOSED.replace('  notes: { type: string }', '')) });
    repo.commit('drop notes');
    const { code, report } = await check();
    expect(code).toBe(1);
    expect(codes(report)).toEqual(['breaking-change-needs-major']);
    expect(report.diagnostics[0]!.message).toContain('breaking change in DataContract/order@2');
    expect(report.diagnostics[0]!.message).toContain('notes');
    expect(report.diagnostics[0]!.hint).toContain('order@3');
  });

  it('the same change published as a new major, with the old one kept, passes', async () => {
    repo = new TempRepo().write({ 'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED) });
    repo.commit('base');
    repo.write({ 'specs/order-v3.yaml': contract('order', '3.0.0', ORDER_SCHEMA_CLOSED.replace('  notes: { type: string }', '')) });
    const { code, report } = await check();
    expect(report.diagnostics).toEqual([]);
    expect(code).toBe(0);
  });

  it('adding an optional property to an OPEN schema breaks BACKWARD, and the hint says why', async () => {
    repo = new TempRepo().write({ 'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_OPEN) });
    repo.commit('base');
    repo.write({ 'specs/order.yaml': contract('order', '2.1.0', `${ORDER_SCHEMA_OPEN}\n  channel: { type: string }`) });
    const { report } = await check();
    expect(codes(report)).toEqual(['breaking-change-needs-major']);
    expect(report.diagnostics[0]!.hint).toMatch(/open/i);
  });

  it('an additive change to a closed schema needs a minor bump; a description change a patch', async () => {
    repo = new TempRepo().write({ 'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED) });
    repo.commit('base');
    repo.write({ 'specs/order.yaml': contract('order', '2.0.0', `${ORDER_SCHEMA_CLOSED}\n  channel: { type: string }`) });
    let { report } = await check();
    expect(codes(report)).toEqual(['version-bump']);
    expect(report.diagnostics[0]!.message).toContain('needs a minor version bump');
    repo.write({ 'specs/order.yaml': contract('order', '2.1.0', `${ORDER_SCHEMA_CLOSED}\n  channel: { type: string }`) });
    ({ report } = await check());
    expect(report.diagnostics).toEqual([]);
    repo.write({ 'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED, '  description: The canonical order.\n') });
    ({ report } = await check());
    expect(codes(report)).toEqual(['version-bump']);
    expect(report.diagnostics[0]!.message).toContain('needs a patch version bump');
  });

  it('a moved and renamed file is followed, not seen as removed and added', async () => {
    repo = new TempRepo().write({ 'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED) });
    repo.commit('base');
    repo.move('specs/order.yaml', 'specs/canonical/order-v2.yaml');
    repo.commit('move');
    const { code, report } = await check(['--format', 'json']);
    expect(report.diagnostics).toEqual([]);
    expect(code).toBe(0);
    const markdown = await runCli(['check', 'specs', '--base', 'main', '--format', 'markdown', '--today', '2026-11-26'], repo.root);
    expect(markdown.stdout).toContain('0 documents changed');
  });

  it('removing a major before its sunset, or without deprecation, is an error; after the sunset it is fine', async () => {
    const deprecated = (sunset: string) =>
      contract('order', '1.4.0', ORDER_SCHEMA_CLOSED, `  deprecation: { sunset: ${sunset}, successor: order@2 }\n`);
    repo = new TempRepo().write({
      'specs/order-v1.yaml': deprecated('2027-03-31'),
      'specs/order-v2.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED),
    });
    repo.commit('base');
    repo.remove('specs/order-v1.yaml');
    let { report } = await check();
    expect(codes(report)).toEqual(['removal-needs-sunset']);
    expect(report.diagnostics[0]!.message).toContain('removed before its sunset (2027-03-31');
    ({ report } = await check(['--today', '2027-04-01']));
    expect(report.diagnostics).toEqual([]);
  });

  it('moving a sunset earlier is an error', async () => {
    const deprecated = (sunset: string, version: string) =>
      contract('order', version, ORDER_SCHEMA_CLOSED, `  deprecation: { sunset: ${sunset}, successor: order@2 }\n`);
    repo = new TempRepo().write({
      'specs/order-v1.yaml': deprecated('2027-06-30', '1.4.0'),
      'specs/order-v2.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED),
    });
    repo.commit('base');
    repo.write({ 'specs/order-v1.yaml': deprecated('2027-03-31', '1.4.1') });
    const { report } = await check();
    expect(codes(report)).toEqual(['sunset-never-earlier']);
  });

  it('FULL_TRANSITIVE checks every earlier version of the major found in history; FULL only the previous one', async () => {
    const mode = (m: string) => `  compatibility: ${m}\n`;
    const v1 = `type: object\nadditionalProperties: false\nproperties:\n  orderNumber: { type: string }\n  status: { enum: [open, shipped] }`;
    const v2 = `type: object\nadditionalProperties: false\nproperties:\n  orderNumber: { type: string }\n  status: { enum: [open, shipped, cancelled] }`;
    const v3 = `type: object\nadditionalProperties: false\nproperties:\n  orderNumber: { type: string, description: The ERP order number. }\n  status: { enum: [open, shipped, cancelled] }`;
    for (const [compatibility, expected] of [
      ['FULL', 0],
      ['FULL_TRANSITIVE', 1],
    ] as const) {
      repo = new TempRepo().write({ 'specs/order.yaml': contract('order', '2.0.0', v1, mode('NONE')) });
      repo.commit('v2.0.0');
      repo.write({ 'specs/order.yaml': contract('order', '2.1.0', v2, mode('NONE')) });
      repo.commit('v2.1.0');
      repo.write({ 'specs/order.yaml': contract('order', '2.2.0', v3, mode(compatibility)) });
      const { report } = await check();
      // v3 differs from v2.1.0 only in a description: FULL-compatible. Against v2.0.0, whose readers reject "cancelled", it is not.
      const breaking = report.diagnostics.filter((d) => d.code === 'breaking-change-needs-major');
      expect(breaking.length, compatibility).toBe(expected);
      if (expected) expect(breaking[0]!.message).toContain('against order 2.0.0');
      repo.cleanup();
    }
  });
});
