import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { api, contract, HEADER, ORDER_SCHEMA_CLOSED, system } from '../helpers/specs.ts';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

async function changes(args: string[] = []) {
  const result = await runCli(['check', 'specs', '--base', 'main', '--format', 'json', '--today', '2026-11-26', ...args], repo.root);
  if (result.code === 2) throw new Error(result.stderr);
  const report = JSON.parse(result.stdout) as { diagnostics: { code: string; message: string }[] };
  return report.diagnostics.filter((d) => d.code === 'breaking-change-needs-major').map((d) => d.message);
}

const ORDER_STATUS = `basePath: /order-status/v1
auth: { type: oauth2, jwksUrl: "https://login.example.com/jwks", scopes: [orders.read] }
rateLimit: { requests: 50, per: 1s }
operations:
  - id: getOrderStatus
    method: GET
    path: /orders/{orderNumber}
    parameters:
      - { name: orderNumber, in: path, required: true }
      - { name: lang, in: query, schema: { type: string, maxLength: 5 } }
    response: { contract: order@2 }
  - id: listOrders
    method: GET
    path: /orders
    response: { contract: order@2 }`;

function apiRepo(): TempRepo {
  const r = new TempRepo().write({
    'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED),
    'specs/api.yaml': api('order-status', '1.0.0', ORDER_STATUS),
  });
  r.commit('base');
  return r;
}

describe('check --base: APIs break their clients', () => {
  it.each([
    [
      'operation removed',
      (s: string) => s.replace(/ {2}- id: listOrders[\s\S]*$/, ''),
      /operation `listOrders` \(GET \/orders\) was removed/,
    ],
    [
      'operation moved',
      (s: string) => s.replace('path: /orders\n', 'path: /orders/search\n'),
      /moved from GET \/orders to GET \/orders\/search/,
    ],
    [
      'required parameter added',
      (s: string) => s.replace('{ name: lang, in: query,', '{ name: lang, in: query, required: true,'),
      /now requires query parameter `lang`/,
    ],
    ['parameter narrowed', (s: string) => s.replace('maxLength: 5', 'maxLength: 2'), /query parameter `lang` of `getOrderStatus`/],
    [
      'auth added scopes',
      (s: string) => s.replace('scopes: [orders.read]', 'scopes: [orders.read, orders.admin]'),
      /every operation now requires scope orders.admin/,
    ],
    [
      'rate limit lowered',
      (s: string) => s.replace('requests: 50, per: 1s', 'requests: 50, per: 1m'),
      /rate limit lowered from 50 per 1s to 50 per 1m/,
    ],
    [
      'response contract changed',
      (s: string) =>
        s.replace('response: { contract: order@2 }\n  - id: listOrders', 'response: { contract: order-v3@1 }\n  - id: listOrders'),
      /response of `getOrderStatus` changed from order@2 to order-v3@1/,
    ],
    [
      'success status changed',
      (s: string) =>
        s.replace(
          'response: { contract: order@2 }\n  - id: listOrders',
          'response: { contract: order@2, status: 202 }\n  - id: listOrders',
        ),
      /success status of `getOrderStatus` changed from 200 to 202/,
    ],
  ])('%s', async (_name, edit, expected) => {
    repo = apiRepo();
    repo.write({
      'specs/api.yaml': api('order-status', '1.1.0', edit(ORDER_STATUS)),
      'specs/order-v3.yaml': contract('order-v3', '1.0.0', ORDER_SCHEMA_CLOSED),
    });
    const messages = await changes();
    expect(messages.join('\n')).toMatch(expected);
  });

  it('adding an operation or an optional parameter is additive: a minor bump and no breaking change', async () => {
    repo = apiRepo();
    const added = ORDER_STATUS.replace('      - { name: lang,', '      - { name: region, in: query }\n      - { name: lang,');
    repo.write({ 'specs/api.yaml': api('order-status', '1.0.0', added) });
    const result = await runCli(['check', 'specs', '--base', 'main', '--format', 'json', '--today', '2026-11-26'], repo.root);
    const codes = JSON.parse(result.stdout).diagnostics.map((d: { code: string }) => d.code);
    expect(codes).toEqual(['version-bump']);
    repo.write({ 'specs/api.yaml': api('order-status', '1.1.0', added) });
    expect(await changes()).toEqual([]);
  });
});

const route = (filter: string, topic = 'orders.to-wms', key = '') => `${HEADER}
kind: EventRoute
metadata: { name: order-fanout }
spec:
  owner: team-o2c
  source: { topic: orders.canonical, contract: order@2 }
${filter ? `  filter: ${JSON.stringify(filter)}\n` : ''}${key}  targets:
    - name: wms
      system: wms
      delivery: { timeout: 5s, retry: { maxAttempts: 3 }, deadLetter: { topic: dlq.order-fanout } }
    - name: republish
      topic: ${topic}
      delivery: { timeout: 5s, retry: { maxAttempts: 3 }, deadLetter: { topic: dlq.order-fanout } }
`;

describe('check --base: event routes break their subscribers', () => {
  function routeRepo(): TempRepo {
    const r = new TempRepo().write({
      'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED),
      'specs/wms.yaml': system('wms'),
      'specs/route.yaml': route('event.orderNumber != ""'),
    });
    r.commit('base');
    return r;
  }

  it('a narrowed filter, a removed topic and a changed key are breaking; a widened filter is not', async () => {
    repo = routeRepo();
    repo.write({ 'specs/route.yaml': route('event.orderNumber != "" && has(event.notes)') });
    expect((await changes()).join('\n')).toMatch(/filter now lets fewer events through/);
    repo.write({ 'specs/route.yaml': route('') });
    expect(await changes()).toEqual([]);
    repo.write({ 'specs/route.yaml': route('event.orderNumber != ""', 'orders.wms') });
    expect((await changes()).join('\n')).toMatch(/no longer publishes to topic orders.to-wms/);
    repo.write({ 'specs/route.yaml': route('event.orderNumber != ""', 'orders.to-wms', '  key: [notes]\n') });
    expect((await changes()).join('\n')).toMatch(/event key changed/);
  });
});
