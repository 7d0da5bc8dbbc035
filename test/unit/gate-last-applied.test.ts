import { describe, expect, it } from 'vitest';
import { desiredState } from '../../controller/reconcile/desired-state.ts';
import type { DesiredStateInput } from '../../controller/reconcile/desired-state.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { contract, HEADER, ORDER_SCHEMA_CLOSED } from '../helpers/specs.ts';

const support = readSupportSources();
const current = contract('order', '2.0.0', ORDER_SCHEMA_CLOSED);
const plain = contract('order', '1.0.0', ORDER_SCHEMA_CLOSED);
const deprecated = contract('order', '1.0.1', ORDER_SCHEMA_CLOSED, '  deprecation: { sunset: 2027-03-31, successor: order@2 }\n');

function gateInput(files: Record<string, string>, today: string, base?: Record<string, string>): DesiredStateInput {
  const sources = (record: Record<string, string>) => Object.entries(record).map(([path, text]) => ({ path, text }));
  return {
    files: sources(files),
    ...(base ? { base: { revision: 'main@sha1:' + '0'.repeat(40), files: sources(base) } } : {}),
    estate: { name: 'shop', namespace: 'shop' },
    targetNamespace: 'shop',
    revision: 'main@sha1:' + '1'.repeat(40),
    runtimeImage: 'interlace:test',
    today,
    support,
  };
}

describe("the controller's gate judges dates only against status.lastAppliedRevision", () => {
  it('keeps accepting a revision with a near sunset as the clock moves, but rejects a new too-short deprecation', async () => {
    const head = { 'o2.yaml': current, 'o1.yaml': deprecated };
    // No revision applied yet, or this one is what runs: no base, so no date decides anything.
    for (const today of ['2026-12-01', '2027-01-01', '2027-07-01', '2031-11-30']) {
      const state = await desiredState(gateInput(head, today));
      expect(state.accepted, today).toBe(true);
    }
    // Deprecating order@1 on 2027-01-01 with a sunset 89 days away, compared with what runs.
    const rejected = await desiredState(gateInput(head, '2027-01-01', { 'o2.yaml': current, 'o1.yaml': plain }));
    expect(rejected.accepted).toBe(false);
    if (rejected.accepted) return;
    expect(rejected.stage).toBe('check');
    expect(rejected.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([
      'deprecation-needs-sunset: the sunset 2027-03-31 is 89 days away; deprecations need at least 90',
    ]);
    // The deprecation was already in the applied revision: the sunset coming closer is no finding.
    const unchanged = await desiredState(gateInput(head, '2027-03-01', head));
    expect(unchanged.accepted).toBe(true);
  });

  it('rejects a breaking change within a major against the applied revision', async () => {
    const narrowed = contract('order', '2.0.1', ORDER_SCHEMA_CLOSED.replace('maxLength: 10', 'maxLength: 8'));
    const state = await desiredState(gateInput({ 'o2.yaml': narrowed }, '2027-01-01', { 'o2.yaml': current }));
    expect(state.accepted).toBe(false);
    if (state.accepted) return;
    expect(state.stage).toBe('check');
    expect(state.diagnostics.map((d) => d.code)).toContain('breaking-change-needs-major');
  });

  it('a contract change that breaks a mapping is reported at the mapping and at the contract, even under a compatible bump', async () => {
    const source = (version: string, currency: boolean) =>
      contract(
        'shop-order',
        version,
        `type: object\nrequired: [id]\nproperties:\n  id: { type: string }${currency ? '\n  currency: { type: string }' : ''}`,
      );
    const target = contract('order', '2.0.0', 'type: object\nproperties:\n  orderNumber: { type: string }\n  currency: { type: string }');
    const mapping = `${HEADER}\nkind: Mapping\nmetadata: { name: shop-order-to-order }\nspec:\n  owner: team-o2c\n  from: shop-order@1\n  to: order@2\n  rules:\n    - { target: orderNumber, from: id }\n    - { target: currency, from: currency }\n`;
    const applied = { 's.yaml': source('1.0.0', true), 'o.yaml': target, 'm.yaml': mapping };
    const state = await desiredState(gateInput({ ...applied, 's.yaml': source('1.1.0', false) }, '2027-01-01', applied));
    expect(state.accepted).toBe(false);
    if (state.accepted) return;
    expect(state.stage).toBe('generate');
    expect(state.diagnostics.find((d) => d.file === 'm.yaml')?.range.start.line).toBe(10);
    const atContract = state.diagnostics.filter((d) => d.code === 'contract-breaks-mapping');
    expect(atContract.map((d) => d.file)).toEqual(['s.yaml']);
  });
});
