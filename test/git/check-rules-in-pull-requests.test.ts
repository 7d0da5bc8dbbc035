/**
 * Every built-in rule in a real pull request: a base commit with a clean estate, then a commit that
 * breaks the rule (it must be reported, at the file the pull request touched) and one that complies
 * (it must not be). `check --base` reads the base from git, so this is the path CI takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_RULES } from '../../governance/rules/catalog.ts';
import { runCli } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { api, contract, HEADER, ORDER_SCHEMA_CLOSED, system } from '../helpers/specs.ts';

const DELIVERY = 'delivery: { timeout: 5s, retry: { maxAttempts: 3 }, deadLetter: { topic: dlq.order-to-wms } }';
const route = (target: string) => `${HEADER}
kind: EventRoute
metadata: { name: order-to-wms }
spec:
  owner: team-o2c
  source: { topic: orders.canonical, contract: order@2 }
  targets:
    - name: wms
${target.replace(/^/gm, '      ')}
`;
const goodApi = (extra = '') =>
  api(
    'order-status',
    '1.0.0',
    `basePath: /order-status/v1
auth: { type: oauth2, jwksUrl: "https://login.example.com/jwks", scopes: [orders.read] }
rateLimit: { requests: 50, per: 1s }
operations:
  - id: getOrderStatus
    method: GET
    path: /orders/{orderNumber}
    parameters: [{ name: orderNumber, in: path, required: true }]
    response: { contract: order@2 }${extra}`,
  );
const customer = (classification: string, version = '1.0.0') =>
  contract(
    'customer',
    version,
    'type: object\nadditionalProperties: false\nproperties:\n  customerId: { type: string }\n  email: { type: string }',
    classification,
  );
const shipment = `${HEADER}\nkind: DataContract\nmetadata: { name: shipment }\nspec:\n  version: 1.0.0\n  owner: team-tms\n  schema:\n    type: object\n    additionalProperties: false\n    required: [shipmentId, orderNumber]\n    properties:\n      shipmentId: { type: string }\n      orderNumber: { type: string }\n`;
const mapping = (rules: string) =>
  `${HEADER}\nkind: Mapping\nmetadata: { name: order-to-shipment }\nspec:\n  owner: team-o2c\n  from: order@2\n  to: shipment@1\n  rules:\n${rules}`;

const BASE: Record<string, string> = {
  'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED),
  'specs/order-v1.yaml': contract('order', '1.4.0', ORDER_SCHEMA_CLOSED, '  deprecation: { sunset: 2027-06-30, successor: order@2 }\n'),
  'specs/wms.yaml': system('wms'),
  'specs/route.yaml': route(`system: wms\n${DELIVERY}`),
  'specs/api.yaml': goodApi(),
  'specs/customer.yaml': customer('  classification: { email: pii }\n'),
  'specs/shipment.yaml': shipment,
  'specs/mapping.yaml': mapping('    - { target: shipmentId, from: orderNumber }\n    - { target: orderNumber, from: orderNumber }\n'),
};

const SLO_POLICY = `${HEADER}
kind: Policy
metadata: { name: service-levels }
spec:
  owner: team-integration-platform
  rules:
    - id: slo-required
      severity: error
      params: { systemTypes: [wms] }
`;

/** A workflow on the orders topic whose one step is `step` (a wait or a human task), then an end. */
const workflow = (step: string) => `${HEADER}
kind: Workflow
metadata: { name: order-approval }
spec:
  version: 1.0.0
  owner: team-o2c
  trigger:
    event: { topic: orders.canonical, contract: order@2 }
  key: input.orderNumber
  steps:
    - id: decide
${step.replace(/^/gm, '      ')}
    - id: done
      end: { status: completed }
`;
const humanTask = (assignee: string) =>
  `humanTask: { title: "'Approve ' + input.orderNumber", assignee: "${assignee}", due: 24h, onApprove: done, onReject: done, onTimeout: done }`;
const wait = (timeout: string) =>
  `wait: { topic: orders.canonical, contract: order@2, correlate: event.orderNumber, timeout: ${timeout}, onTimeout: done }`;

interface Case {
  rule: string;
  breaks: Record<string, string | null>;
  complies: Record<string, string | null>;
}

const CASES: Case[] = [
  {
    rule: 'semver',
    breaks: { 'specs/order.yaml': contract('order', '2.1.0-rc.1', `${ORDER_SCHEMA_CLOSED}\n  channel: { type: string }`) },
    complies: { 'specs/order.yaml': contract('order', '2.1.0', `${ORDER_SCHEMA_CLOSED}\n  channel: { type: string }`) },
  },
  {
    rule: 'version-bump',
    breaks: { 'specs/order.yaml': contract('order', '2.0.0', `${ORDER_SCHEMA_CLOSED}\n  channel: { type: string }`) },
    complies: { 'specs/order.yaml': contract('order', '2.1.0', `${ORDER_SCHEMA_CLOSED}\n  channel: { type: string }`) },
  },
  {
    rule: 'breaking-change-needs-major',
    breaks: { 'specs/order.yaml': contract('order', '2.1.0', ORDER_SCHEMA_CLOSED.replace('maxLength: 10', 'maxLength: 8')) },
    complies: { 'specs/order.yaml': contract('order', '2.1.0', ORDER_SCHEMA_CLOSED.replace('maxLength: 10', 'maxLength: 12')) },
  },
  {
    rule: 'removal-needs-sunset',
    breaks: { 'specs/customer.yaml': null },
    complies: {
      'specs/customer.yaml': customer(
        '  classification: { email: pii }\n  deprecation: { sunset: 2027-06-30, successor: customer@2 }\n',
        '1.0.1',
      ),
      'specs/customer-v2.yaml': customer('  classification: { email: pii }\n', '2.0.0'),
    },
  },
  {
    rule: 'sunset-never-earlier',
    breaks: {
      'specs/order-v1.yaml': contract('order', '1.4.1', ORDER_SCHEMA_CLOSED, '  deprecation: { sunset: 2027-03-31, successor: order@2 }\n'),
    },
    complies: {
      'specs/order-v1.yaml': contract('order', '1.4.1', ORDER_SCHEMA_CLOSED, '  deprecation: { sunset: 2027-09-30, successor: order@2 }\n'),
    },
  },
  {
    rule: 'deprecation-needs-sunset',
    breaks: {
      'specs/customer.yaml': customer(
        '  classification: { email: pii }\n  deprecation: { sunset: 2026-12-15, successor: customer@2 }\n',
        '1.0.1',
      ),
      'specs/customer-v2.yaml': customer('  classification: { email: pii }\n', '2.0.0'),
    },
    complies: {
      'specs/customer.yaml': customer(
        '  classification: { email: pii }\n  deprecation: { sunset: 2027-06-30, successor: customer@2 }\n',
        '1.0.1',
      ),
      'specs/customer-v2.yaml': customer('  classification: { email: pii }\n', '2.0.0'),
    },
  },
  {
    rule: 'owner-required',
    breaks: { 'specs/shipment.yaml': shipment.replace('  owner: team-tms\n', '') },
    complies: { 'specs/shipment.yaml': shipment.replace('team-tms', 'team-transport') },
  },
  {
    rule: 'auth-required',
    breaks: {
      'specs/api.yaml': goodApi()
        .replace(/auth: .*\n/, 'auth: { type: none }\n')
        .replace('1.0.0', '1.1.0'),
    },
    complies: { 'specs/api.yaml': goodApi().replace('1.0.0', '1.0.1').replace('owner: team-api', 'owner: team-apis') },
  },
  {
    rule: 'rate-limit-required',
    breaks: {
      'specs/api.yaml': goodApi()
        .replace(/\n\s*rateLimit: .*/, '')
        .replace('1.0.0', '1.1.0'),
    },
    complies: { 'specs/api.yaml': goodApi().replace('requests: 50', 'requests: 80').replace('1.0.0', '1.1.0') },
  },
  {
    rule: 'pii-classified',
    breaks: { 'specs/customer.yaml': customer('', '1.0.1') },
    complies: { 'specs/customer.yaml': customer('  classification: { email: pii, customerId: internal }\n', '1.1.0') },
  },
  {
    rule: 'classified-data-flow',
    breaks: {
      'specs/route-customers.yaml': route(`system: wms\n${DELIVERY}`)
        .replace('order-to-wms }', 'customers-to-wms }')
        .replace('orders.canonical, contract: order@2', 'customers.canonical, contract: customer@1')
        .replace('dlq.order-to-wms', 'dlq.customers-to-wms'),
    },
    complies: {
      'specs/wms.yaml': system('wms', '  allowedClassifications: [pii]\n'),
      'specs/route-customers.yaml': route(`system: wms\n${DELIVERY}`)
        .replace('order-to-wms }', 'customers-to-wms }')
        .replace('orders.canonical, contract: order@2', 'customers.canonical, contract: customer@1')
        .replace('dlq.order-to-wms', 'dlq.customers-to-wms'),
    },
  },
  {
    rule: 'credentials-by-secret-ref',
    breaks: { 'specs/wms.yaml': system('wms').replace(/ {2}auth: .*\n/, '') },
    complies: { 'specs/wms.yaml': system('wms').replace('header: APIKey', 'header: X-Api-Key') },
  },
  {
    rule: 'route-delivery-bounded',
    breaks: { 'specs/route.yaml': route('system: wms\ndelivery: { timeout: 5s }') },
    complies: { 'specs/route.yaml': route(`system: wms\n${DELIVERY.replace('maxAttempts: 3', 'maxAttempts: 5')}`) },
  },
  {
    rule: 'mapping-required-fields',
    breaks: { 'specs/mapping.yaml': mapping('    - { target: shipmentId, from: orderNumber }\n') },
    complies: {
      'specs/mapping.yaml': mapping(
        '    - { target: shipmentId, from: orderNumber }\n    - { target: orderNumber, from: orderNumber, convert: { trim: true } }\n',
      ),
    },
  },
  {
    // Off by default: a Policy turns it on (here for routes that touch a System of type wms).
    rule: 'slo-required',
    breaks: {
      'specs/policy.yaml': SLO_POLICY,
      'specs/route.yaml': route(`system: wms
${DELIVERY.replace('maxAttempts: 3', 'maxAttempts: 5')}`),
    },
    complies: {
      'specs/policy.yaml': SLO_POLICY,
      'specs/route.yaml': route(`system: wms\n${DELIVERY}`).replace(
        '  targets:',
        '  slo:\n    latency: { threshold: 5m, objective: 99% }\n  targets:',
      ),
    },
  },
  {
    rule: 'workflow-wait-timeout',
    breaks: { 'specs/workflow.yaml': workflow(wait('99999h')) },
    complies: { 'specs/workflow.yaml': workflow(wait('72h')) },
  },
  {
    rule: 'human-task-owner',
    breaks: { 'specs/workflow.yaml': workflow(humanTask(' ')) },
    complies: { 'specs/workflow.yaml': workflow(humanTask('team-buyers')) },
  },
  {
    rule: 'naming-convention',
    breaks: { 'specs/route.yaml': route(`system: wms\n${DELIVERY.replace('dlq.order-to-wms', 'dlq')}`) },
    complies: { 'specs/route.yaml': route(`system: wms\n${DELIVERY.replace('dlq.order-to-wms', 'dlq.orders.wms')}`) },
  },
];

let repo: TempRepo;
beforeAll(() => {
  repo = new TempRepo().write(BASE);
  repo.commit('base');
});
afterAll(() => repo.cleanup());

async function findingsAfter(files: Record<string, string | null>): Promise<{ code: string; file: string }[]> {
  repo.git('checkout', '-q', '-f', 'main');
  repo.git('clean', '-q', '-fd');
  for (const [path, text] of Object.entries(files)) {
    if (text === null) repo.remove(path);
    else repo.write({ [path]: text });
  }
  const result = await runCli(['check', 'specs', '--base', 'main', '--format', 'json', '--today', '2026-11-26'], repo.root);
  if (result.code === 2) throw new Error(result.stderr);
  return JSON.parse(result.stdout).diagnostics;
}

describe('every built-in rule, in a pull request against a real base commit', () => {
  it('the base estate is clean and every built-in rule has a case', async () => {
    expect(await findingsAfter({})).toEqual([]);
    expect(CASES.map((c) => c.rule).sort()).toEqual(BUILT_IN_RULES.map((r) => r.id).sort());
  });

  it.each(CASES)('$rule: reported when the pull request breaks it, silent when it complies', async ({ rule, breaks, complies }) => {
    const broken = await findingsAfter(breaks);
    expect(
      broken.map((d) => d.code),
      JSON.stringify(broken),
    ).toContain(rule);
    const fine = await findingsAfter(complies);
    expect(
      fine.filter((d) => d.code === rule),
      JSON.stringify(fine),
    ).toEqual([]);
  });
});
