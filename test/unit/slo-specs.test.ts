// spec.slo on EventRoutes and Apis: diagnostics at the line for objectives that cannot be measured and
// names that do not exist; the slo-required rule a Policy can turn on for routes touching an ERP.
import { describe, expect, it } from 'vitest';
import { checkEstate } from '../../governance/check-estate.ts';
import { estateOf } from '../helpers/estate.ts';
import { HEADER, ORDER_SCHEMA_OPEN, api, contract, system } from '../helpers/specs.ts';

const route = (slo: string, source = 'portal') => `${HEADER}
kind: EventRoute
metadata:
  name: order-fulfilment
spec:
  owner: team-logistics
  source: { system: ${source}, event: Order.Confirmed, contract: order@1 }
  targets:
    - name: wms
      system: wms
      operation: POST /orders
${slo ? `  slo:\n${slo.replace(/^/gm, '    ')}\n` : ''}`;

const base = {
  'order.yaml': contract('order', '1.0.0', ORDER_SCHEMA_OPEN),
  'portal.yaml': system('portal'),
  'wms.yaml': system('wms'),
};

function problems(files: Record<string, string>) {
  return estateOf({ ...base, ...files }, { allowInvalid: true }).diagnostics.map((d) => ({
    code: d.code,
    line: d.range.start.line,
    message: d.message,
    hint: d.hint,
  }));
}

describe('spec.slo validation', () => {
  it('accepts a measurable route SLO and API SLO', () => {
    expect(
      problems({ 'r.yaml': route('latency: { threshold: 5m, objective: 99% }\ndeadLetters: { objective: 99.9% }\ntargets: [wms]') }),
    ).toEqual([]);
    const orderApi = api(
      'order-status',
      '1.0.0',
      `basePath: /order-status/v1
auth: { type: oauth2, jwksUrl: "https://login.example.com/jwks", scopes: [orders.read] }
operations:
  - id: getOrderStatus
    method: GET
    path: /orders/{orderNumber}
    parameters: [{ name: orderNumber, in: path, required: true }]
    response: { contract: order@1 }
slo:
  availability: { objective: 99.95% }
  latency: { threshold: 250ms, objective: 99% }
  operations: [getOrderStaus]`,
    );
    expect(problems({ 'a.yaml': orderApi })).toEqual([
      {
        code: 'slo-unknown-reference',
        line: 19,
        message: 'slo.operations names "getOrderStaus", which is not an operation of this API',
        hint: 'Did you mean "getOrderStatus"? The operations are: getOrderStatus.',
      },
    ]);
  });

  it('objectives above 100%, at 100% and at 0% are errors at their line', () => {
    const found = problems({
      'r.yaml': route('latency: { threshold: 5m, objective: 150% }\ndeadLetters: { objective: 100% }'),
    });
    expect(found).toEqual([
      expect.objectContaining({
        code: 'slo-invalid',
        line: 13,
        message: expect.stringContaining('objective 150% leaves no error budget (more than every event)'),
      }),
      expect.objectContaining({
        code: 'slo-invalid',
        line: 14,
        message: 'objective 100% leaves no error budget: no burn rate can be computed',
      }),
    ]);
    expect(problems({ 'r.yaml': route('deadLetters: { objective: 0% }') })).toEqual([
      expect.objectContaining({ code: 'slo-invalid', line: 13, message: 'objective 0% asks for no good events at all' }),
    ]);
  });

  it('a window not longer than the evaluation interval, an interval past 5m and a threshold between buckets are errors', () => {
    expect(problems({ 'r.yaml': route('latency: { threshold: 5m, objective: 99% }\nwindow: 1m\ninterval: 2m') })).toEqual([
      expect.objectContaining({
        code: 'slo-invalid',
        line: 14,
        message: expect.stringContaining('the SLO window (1m) is not longer than the evaluation interval (2m)'),
      }),
    ]);
    expect(problems({ 'r.yaml': route('latency: { threshold: 5m, objective: 99% }\ninterval: 10m') })).toEqual([
      expect.objectContaining({
        code: 'slo-invalid',
        line: 14,
        message: expect.stringContaining("longer than the fastest alert's 5m window"),
      }),
    ]);
    expect(problems({ 'r.yaml': route('latency: { threshold: 4m, objective: 99% }') })).toEqual([
      expect.objectContaining({ code: 'slo-invalid', line: 13, hint: expect.stringMatching(/^Use a bucket boundary, e\.g\. 5m;/) }),
    ]);
  });

  it('a target the route does not have is an error with did-you-mean', () => {
    expect(problems({ 'r.yaml': route('deadLetters: { objective: 99% }\ntargets: [wmss]') })).toEqual([
      {
        code: 'slo-unknown-reference',
        line: 14,
        message: 'slo.targets names "wmss", which is not a target of this route',
        hint: 'Did you mean "wms"? The targets are: wms.',
      },
    ]);
  });
});

describe('slo-required (governance)', () => {
  // test/helpers/specs.ts makes every System a wms; this one is the ERP.
  const erp = system('legacy-erp').replace('type: wms', 'type: erp');
  const policy = (body: string) =>
    `${HEADER}\nkind: Policy\nmetadata: { name: baseline }\nspec:\n  owner: team-governance\n${body.replace(/^/gm, '  ')}\n`;
  const findings = (files: Record<string, string>) =>
    checkEstate({ head: estateOf({ ...base, 'erp.yaml': erp, ...files }), today: '2026-12-04', all: true }).diagnostics.filter(
      (d) => d.code === 'slo-required',
    );
  const on = policy('rules:\n  - { id: slo-required, severity: error }');

  it('is off until a Policy turns it on', () => {
    expect(findings({ 'r.yaml': route('', 'legacy-erp') })).toEqual([]);
  });

  it('on: a route from an ERP without an SLO is an error at its spec; one with an SLO, or touching no ERP, passes', () => {
    const [finding, ...rest] = findings({ 'r.yaml': route('', 'legacy-erp'), 'p.yaml': on });
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      severity: 'error',
      message: 'route order-fulfilment touches legacy-erp (erp) but declares no SLO',
      file: 'r.yaml',
      range: { start: { line: 6 } },
    });
    expect(findings({ 'r.yaml': route('deadLetters: { objective: 99% }', 'legacy-erp'), 'p.yaml': on })).toEqual([]);
    expect(findings({ 'r.yaml': route(''), 'p.yaml': on })).toEqual([]);
  });

  it('params.systemTypes widens it to other System types', () => {
    const wider = policy('rules:\n  - { id: slo-required, severity: warning, params: { systemTypes: [erp, wms] } }');
    expect(findings({ 'r.yaml': route(''), 'p.yaml': wider }).map((d) => [d.severity, d.message])).toEqual([
      ['warning', 'route order-fulfilment touches portal, wms (erp/wms) but declares no SLO'],
    ]);
  });
});
