import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { contract, HEADER } from '../helpers/specs.ts';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

const shopOrder = (version: string, withCurrency: boolean) =>
  contract(
    'shop-order',
    version,
    `type: object\nrequired: [id${withCurrency ? ', currency' : ''}]\nproperties:\n  id: { type: string }\n${withCurrency ? '  currency: { type: string }\n' : ''}  total: { type: number }`,
  );
const order = contract(
  'order',
  '2.0.0',
  'type: object\nrequired: [orderNumber, currency]\nproperties:\n  orderNumber: { type: string }\n  currency: { type: string }\n  total: { type: number }',
);
const mapping = `${HEADER}
kind: Mapping
metadata: { name: shop-order-to-order }
spec:
  owner: team-o2c
  from: shop-order@1
  to: order@2
  rules:
    - { target: orderNumber, from: id }
    - { target: currency, from: currency }
    - { target: total, from: total }
`;

async function check() {
  const result = await runCli(['check', 'specs', '--base', 'main', '--format', 'json', '--today', '2026-11-26'], repo.root);
  if (result.code === 2) throw new Error(result.stderr);
  const report = JSON.parse(result.stdout) as {
    diagnostics: { code: string; severity: string; message: string; hint?: string; file: string; range: { start: { line: number } } }[];
  };
  return { code: result.code, diagnostics: report.diagnostics };
}

describe('check --base type-checks the mappings a changed contract reaches', () => {
  it('a required field removed from a source contract under a compatible minor bump breaks its mapping: reported at the rule and the contract', async () => {
    repo = new TempRepo().write({
      'specs/shop-order.yaml': shopOrder('1.0.0', true),
      'specs/order.yaml': order,
      'specs/map.yaml': mapping,
    });
    repo.commit('base');
    repo.git('checkout', '-q', '-b', 'pr');
    // Removing a property from an open schema is BACKWARD compatible: the version bump alone is fine.
    repo.write({ 'specs/shop-order.yaml': shopOrder('1.1.0', false) });
    repo.commit('drop currency');
    const { code, diagnostics } = await check();
    expect(code).toBe(1);
    const atMapping = diagnostics.filter((d) => d.file === 'specs/map.yaml');
    expect(atMapping.length).toBeGreaterThan(0);
    // The rule `- { target: currency, from: currency }` is line 10 of map.yaml.
    expect(atMapping[0]!.range.start.line).toBe(10);
    expect(atMapping[0]!.message).toContain('currency');
    const atContract = diagnostics.filter((d) => d.code === 'contract-breaks-mapping');
    expect(atContract).toHaveLength(1);
    expect(atContract[0]!.file).toBe('specs/shop-order.yaml');
    expect(atContract[0]!.message).toContain('breaks Mapping/shop-order-to-order');
    expect(atContract[0]!.message).toContain('specs/map.yaml:10');
  });

  it('a contract change that keeps what the mapping reads passes', async () => {
    repo = new TempRepo().write({
      'specs/shop-order.yaml': shopOrder('1.0.0', true),
      'specs/order.yaml': order,
      'specs/map.yaml': mapping,
    });
    repo.commit('base');
    repo.write({
      'specs/shop-order.yaml': shopOrder('1.0.1', true).replace('total: { type: number }', 'total: { type: number, description: Gross. }'),
    });
    const { code, diagnostics } = await check();
    expect(diagnostics.filter((d) => d.severity !== 'warning')).toEqual([]);
    expect(code).toBe(0);
  });
});
