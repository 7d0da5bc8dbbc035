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

describe('check --base type-checks the workflows that call with a reached mapping', () => {
  const withChannel = (version: string, channel: boolean) =>
    contract(
      'order',
      version,
      `type: object\nrequired: [orderNumber, currency]\nproperties:\n  orderNumber: { type: string }\n  currency: { type: string }\n  total: { type: number }${channel ? '\n  channel: { type: string }' : ''}`,
    );
  const erp = `${HEADER}
kind: System
metadata: { name: erp }
spec:
  type: erp
  hosting: saas
  owner: team-erp
  endpoint: { protocol: http, url: "https://erp.example.com", format: json }
`;
  // The workflow sends the mapping's order with a channel of its own on top.
  const workflow = `${HEADER}
kind: Workflow
metadata: { name: shop-orders }
spec:
  version: 1.0.0
  owner: team-o2c
  trigger: { event: { topic: shop.orders, contract: shop-order@1 } }
  key: input.id
  steps:
    - id: create
      call:
        system: erp
        method: POST
        path: /orders
        mapping: { name: shop-order-to-order, merge: "{'channel': 'shop'}" }
    - id: done
      end: { status: completed }
`;

  it("a field the workflow's merge sets, removed from the mapping's target: reported at the workflow and the contract", async () => {
    repo = new TempRepo().write({
      'specs/shop-order.yaml': shopOrder('1.0.0', true),
      'specs/order.yaml': withChannel('2.0.0', true),
      'specs/map.yaml': mapping,
      'specs/erp.yaml': erp,
      'specs/workflow.yaml': workflow,
    });
    repo.commit('base');
    repo.git('checkout', '-q', '-b', 'pr');
    // Removing a property from an open schema is BACKWARD compatible, and the mapping never wrote it.
    repo.write({ 'specs/order.yaml': withChannel('2.1.0', false) });
    repo.commit('drop channel');
    const { code, diagnostics } = await check();
    expect(code).toBe(1);
    expect(diagnostics.filter((d) => d.file === 'specs/map.yaml')).toEqual([]);
    const atWorkflow = diagnostics.filter((d) => d.file === 'specs/workflow.yaml' && d.severity === 'error');
    // `mapping: { …, merge: … }` is line 15 of workflow.yaml.
    expect(atWorkflow).toEqual([
      expect.objectContaining({
        code: 'workflow-type-error',
        range: expect.objectContaining({ start: expect.objectContaining({ line: 15 }) }),
      }),
    ]);
    expect(atWorkflow[0]!.message).toContain('channel');
    const atContract = diagnostics.filter((d) => d.code === 'contract-breaks-mapping');
    expect(atContract).toHaveLength(1);
    expect(atContract[0]!.file).toBe('specs/order.yaml');
    expect(atContract[0]!.message).toContain('breaks Workflow/shop-orders@1, which calls with Mapping/shop-order-to-order');
    expect(atContract[0]!.message).toContain('specs/workflow.yaml:15');
  });
});
