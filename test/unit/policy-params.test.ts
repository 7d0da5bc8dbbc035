/**
 * Built-in rules declare a JSON Schema for each parameter; a Policy value that breaks it (or a
 * parameter the rule does not take) is a diagnostic at its line in the Policy, and the rule runs with
 * the default. It used to be silently ignored (a bad regex) or to misbehave (`maxAttempts: "abc"`
 * made every bound pass, because `n > NaN` is false).
 */
import { describe, expect, it } from 'vitest';
import { checkEstate } from '../../governance/check-estate.ts';
import { BUILT_IN_RULES } from '../../governance/rules/catalog.ts';
import { estateOf } from '../helpers/estate.ts';
import { contract, HEADER } from '../helpers/specs.ts';

const TODAY = '2026-11-26';

const policy = (rules: string) => `${HEADER}
kind: Policy
metadata: { name: baseline }
spec:
  owner: team-governance
  rules:
${rules.replace(/^/gm, '    ')}
`;

const order = contract('order', '2.0.0', 'type: object\nproperties:\n  orderNumber: { type: string }');

const route = (maxAttempts: number) => `${HEADER}
kind: EventRoute
metadata: { name: order-to-wms }
spec:
  owner: team-o2c
  source: { topic: orders.canonical, contract: order@2 }
  targets:
    - name: wms
      topic: orders.wms
      delivery:
        timeout: 5s
        retry: { maxAttempts: ${maxAttempts} }
        deadLetter: { topic: dlq.orders }
`;

function check(files: Record<string, string>) {
  return checkEstate({ head: estateOf(files), today: TODAY, all: true }).diagnostics;
}

describe('Policy params are checked against the rule’s schema', () => {
  it('maxAttempts: "abc" is reported at its line, and the default bound (20) still applies', () => {
    const diagnostics = check({
      'p.yaml': policy('- id: route-delivery-bounded\n  params: { maxAttempts: "abc" }'),
      'r.yaml': route(25),
      'o.yaml': order,
    });
    const bad = diagnostics.filter((d) => d.code === 'policy-param-invalid');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({
      file: 'p.yaml',
      severity: 'error',
      path: ['spec', 'rules', 0, 'params', 'maxAttempts'],
      range: { start: { line: 8, column: 30 } },
    });
    expect(bad[0]!.message).toContain('maxAttempts');
    expect(bad[0]!.message).toContain('must be integer');
    expect(diagnostics.filter((d) => d.code === 'route-delivery-bounded').map((d) => d.message)).toEqual([
      'target "wms" retries up to 25 times; the limit is 20',
    ]);
  });

  it('a valid param still takes effect', () => {
    const diagnostics = check({
      'p.yaml': policy('- id: route-delivery-bounded\n  params: { maxAttempts: 30 }'),
      'r.yaml': route(25),
      'o.yaml': order,
    });
    expect(diagnostics.filter((d) => d.code === 'policy-param-invalid' || d.code === 'route-delivery-bounded')).toEqual([]);
  });

  it('a regular expression that does not compile is reported, and the default pattern is used', () => {
    const withEmail = contract('customer', '1.0.0', 'type: object\nproperties:\n  email: { type: string }');
    const diagnostics = check({ 'p.yaml': policy('- id: pii-classified\n  params:\n    fieldPattern: "(unclosed"'), 'c.yaml': withEmail });
    const bad = diagnostics.filter((d) => d.code === 'policy-param-invalid');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ path: ['spec', 'rules', 0, 'params', 'fieldPattern'], range: { start: { line: 9 } } });
    expect(bad[0]!.message).toContain('is not a regular expression RE2 can run (missing closing )');
    expect(diagnostics.filter((d) => d.code === 'pii-classified')).toHaveLength(1);
  });

  it('a Policy pattern runs in linear time: a catastrophic-backtracking pattern cannot stall check', () => {
    // On JavaScript's backtracking engine `^(a+)+$` takes tens of seconds on 30 characters that fail at the end.
    const name = `${'a'.repeat(30)}!`;
    const contract1 = contract('customer', '1.0.0', `type: object\nproperties:\n  "${name}": { type: string }`);
    const started = performance.now();
    const diagnostics = check({ 'p.yaml': policy('- id: pii-classified\n  params:\n    fieldPattern: "^(a+)+$"'), 'c.yaml': contract1 });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(diagnostics.filter((d) => d.code === 'policy-param-invalid' || d.code === 'pii-classified')).toEqual([]);
  });

  it('a pattern RE2 cannot run (lookbehind) is reported rather than run on a backtracking engine', () => {
    const diagnostics = check({ 'p.yaml': policy('- id: naming-convention\n  params: { topics: "(?<=x)y" }') });
    expect(diagnostics.filter((d) => d.code === 'policy-param-invalid').map((d) => d.path.slice(4))).toEqual([['topics']]);
  });

  it('a bad pattern or an unknown kind inside an object param points at its own key', () => {
    const diagnostics = check({
      'p.yaml': policy('- id: naming-convention\n  params:\n    names:\n      Mapping: "[a-z"\n      Gadget: "^x$"'),
    });
    const bad = diagnostics.filter((d) => d.code === 'policy-param-invalid');
    expect(bad.map((d) => [d.path.slice(4).join('.'), d.range.start.line])).toEqual([
      ['names.Mapping', 10],
      ['names.Gadget', 11],
    ]);
    expect(bad[1]!.message).toContain('must be one of DataContract, System');
  });

  it('a parameter the rule does not take is reported with a suggestion', () => {
    const diagnostics = check({ 'p.yaml': policy('- id: route-delivery-bounded\n  params: { maxAttempt: 5 }') });
    const bad = diagnostics.filter((d) => d.code === 'policy-param-invalid');
    expect(bad).toHaveLength(1);
    expect(bad[0]!.message).toBe('rule route-delivery-bounded has no parameter "maxAttempt"; did you mean "maxAttempts"?');
  });

  it('every default passes its own schema, and every rule declares the kinds it looks at', () => {
    for (const rule of BUILT_IN_RULES) {
      expect(rule.kinds.length, rule.id).toBeGreaterThan(0);
    }
    const diagnostics = check({
      'p.yaml': policy(
        BUILT_IN_RULES.filter((rule) => rule.params)
          .map(
            (rule) =>
              `- id: ${rule.id}\n  params: ${JSON.stringify(Object.fromEntries(Object.entries(rule.params!).map(([k, p]) => [k, p.default])))}`,
          )
          .join('\n'),
      ),
    });
    expect(diagnostics.filter((d) => d.code === 'policy-param-invalid')).toEqual([]);
  });
});
