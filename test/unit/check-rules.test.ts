import { describe, expect, it } from 'vitest';
import { checkEstate } from '../../governance/check-estate.ts';
import { BUILT_IN_RULES } from '../../governance/rules/catalog.ts';
import { estateOf } from '../helpers/estate.ts';
import { api, contract, HEADER, ORDER_SCHEMA_CLOSED, system } from '../helpers/specs.ts';

const TODAY = '2026-11-26';

function findings(files: Record<string, string>, rule: string, base?: Record<string, string>) {
  const report = checkEstate({ head: estateOf(files), base: base ? estateOf(base) : undefined, today: TODAY, all: true });
  return report.diagnostics.filter((d) => d.code === rule);
}

const goodApi = api(
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
    response: { contract: order@2 }`,
);
const order = contract('order', '2.0.0', ORDER_SCHEMA_CLOSED);

const route = (delivery: string, targetSystem = 'wms', mapping = '') => `${HEADER}
kind: EventRoute
metadata: { name: order-to-wms }
spec:
  owner: team-o2c
  source: { topic: orders.canonical, contract: order@2 }
  targets:
    - name: wms
      system: ${targetSystem}
${mapping}${delivery ? `      delivery:\n${delivery.replace(/^/gm, '        ')}\n` : ''}`;

describe('built-in rules: each with a passing and a failing example', () => {
  it('the catalog documents every rule: rationale, severity, examples', () => {
    for (const rule of BUILT_IN_RULES) {
      expect(rule.rationale.length, rule.id).toBeGreaterThan(40);
      expect(rule.example.pass && rule.example.fail, rule.id).toBeTruthy();
    }
    expect(new Set(BUILT_IN_RULES.map((r) => r.id)).size).toBe(BUILT_IN_RULES.length);
  });

  it('semver', () => {
    expect(findings({ 'o.yaml': order }, 'semver')).toEqual([]);
    expect(findings({ 'o.yaml': contract('order', '2.0.0-rc.1', ORDER_SCHEMA_CLOSED) }, 'semver')).toHaveLength(1);
  });

  it('owner-required', () => {
    expect(findings({ 'o.yaml': order }, 'owner-required')).toEqual([]);
    const [finding] = findings({ 'o.yaml': order.replace('  owner: team-o2c\n', '') }, 'owner-required');
    expect(finding).toMatchObject({
      message: 'DataContract/order@2 has no owner',
      file: 'o.yaml',
      range: { start: { line: 6, column: 3 } },
    });
  });

  it('auth-required and rate-limit-required', () => {
    const files = { 'o.yaml': order, 'a.yaml': goodApi };
    expect(findings(files, 'auth-required')).toEqual([]);
    expect(findings(files, 'rate-limit-required')).toEqual([]);
    const open = { ...files, 'a.yaml': goodApi.replace(/auth: .*\n/, 'auth: { type: none }\n').replace(/\n\s*rateLimit: .*/, '') };
    expect(findings(open, 'auth-required')).toHaveLength(1);
    expect(findings(open, 'rate-limit-required')).toHaveLength(1);
  });

  it('deprecation-needs-sunset: successor, sunset, and at least minDays away when announced', () => {
    const deprecated = (sunset: string) =>
      contract('order', '1.0.0', ORDER_SCHEMA_CLOSED, `  deprecation: { sunset: ${sunset}, successor: order@2 }\n`);
    expect(findings({ 'o.yaml': order, 'o1.yaml': deprecated('2027-06-30') }, 'deprecation-needs-sunset')).toEqual([]);
    const undeprecated = contract('order', '1.0.0', ORDER_SCHEMA_CLOSED);
    const [tooSoon] = findings({ 'o.yaml': order, 'o1.yaml': deprecated('2026-12-31') }, 'deprecation-needs-sunset', {
      'o.yaml': order,
      'o1.yaml': undeprecated,
    });
    expect(tooSoon!.message).toBe('the sunset 2026-12-31 is 35 days away; deprecations need at least 90');
    // Without a base nobody knows when it was announced: counting from the wall clock would reject an
    // estate that was fine when written (a date bomb), so the distance is measured only against a base.
    expect(findings({ 'o.yaml': order, 'o1.yaml': deprecated('2026-12-31') }, 'deprecation-needs-sunset')).toEqual([]);
    // Announced at the base already: the sunset approaching is not a finding.
    const both = { 'o.yaml': order, 'o1.yaml': deprecated('2026-12-31') };
    expect(findings(both, 'deprecation-needs-sunset', both)).toEqual([]);
    const missing = findings(
      { 'o.yaml': order, 'o1.yaml': contract('order', '1.0.0', ORDER_SCHEMA_CLOSED, '  deprecation: { reason: use v2 }\n') },
      'deprecation-needs-sunset',
    );
    expect(missing.map((d) => d.message).sort()).toEqual([
      'DataContract/order@1 is deprecated without a successor',
      'DataContract/order@1 is deprecated without a sunset date',
    ]);
  });

  it('pii-classified', () => {
    const withEmail = (extra: string) =>
      contract(
        'customer',
        '1.0.0',
        'type: object\nproperties:\n  customerId: { type: string }\n  contact:\n    type: object\n    properties:\n      email: { type: string, format: email }',
        extra,
      );
    expect(findings({ 'c.yaml': withEmail('  classification: { contact.email: pii }\n') }, 'pii-classified')).toEqual([]);
    const [finding] = findings({ 'c.yaml': withEmail('') }, 'pii-classified');
    expect(finding!.message).toBe('field `contact.email` looks like personal data but is not classified `pii`');
  });

  it('classified-data-flow: a route may not send pii to a system not allowed to hold it', () => {
    const customer = contract(
      'order',
      '2.0.0',
      'type: object\nproperties:\n  orderNumber: { type: string }\n  email: { type: string }',
      '  classification: { email: pii }\n',
    );
    const delivery = 'timeout: 5s\nretry: { maxAttempts: 3 }\ndeadLetter: { topic: dlq.orders }';
    const allowed = { 'o.yaml': customer, 's.yaml': system('wms', '  allowedClassifications: [pii]\n'), 'r.yaml': route(delivery) };
    expect(findings(allowed, 'classified-data-flow')).toEqual([]);
    const [leak] = findings({ ...allowed, 's.yaml': system('wms') }, 'classified-data-flow');
    expect(leak!.message).toContain('sends pii data (email of order@2) to system wms');
  });

  it('classified-data-flow: a mapping may not copy pii into an unclassified field', () => {
    const source = contract('order', '2.0.0', 'type: object\nproperties:\n  email: { type: string }', '  classification: { email: pii }\n');
    const target = (extra: string) => contract('shipment', '1.0.0', 'type: object\nproperties:\n  contact: { type: string }', extra);
    const mapping = `${HEADER}\nkind: Mapping\nmetadata: { name: order-to-shipment }\nspec:\n  owner: team-o2c\n  from: order@2\n  to: shipment@1\n  rules:\n    - { target: contact, from: email }\n`;
    expect(
      findings({ 'o.yaml': source, 's.yaml': target('  classification: { contact: pii }\n'), 'm.yaml': mapping }, 'classified-data-flow'),
    ).toEqual([]);
    const [laundered] = findings({ 'o.yaml': source, 's.yaml': target(''), 'm.yaml': mapping }, 'classified-data-flow');
    expect(laundered!.message).toContain('copies pii field `email`');
  });

  it('classified-data-flow follows every field an `expr:` reads, not only `from:`', () => {
    const source = contract(
      'order',
      '2.0.0',
      'type: object\nproperties:\n  customer:\n    type: object\n    properties:\n      email: { type: string }\n      id: { type: string }\n  lines:\n    type: array\n    items:\n      type: object\n      properties:\n        sku: { type: string }\n        buyerPhone: { type: string }',
      '  classification:\n    customer.email: pii\n    lines[].buyerPhone: pii\n',
    );
    const target = contract(
      'shipment',
      '1.0.0',
      'type: object\nproperties:\n  contact: { type: string }\n  ref: { type: string }\n  lines:\n    type: array\n    items:\n      type: object\n      properties:\n        note: { type: string }',
    );
    const mapping = (rules: string) =>
      `${HEADER}\nkind: Mapping\nmetadata: { name: order-to-shipment }\nspec:\n  owner: team-o2c\n  from: order@2\n  to: shipment@1\n  rules:\n${rules}`;
    const leaks = (rules: string) =>
      findings({ 'o.yaml': source, 's.yaml': target, 'm.yaml': mapping(rules) }, 'classified-data-flow').map((d) => d.message);
    // The issue's case: before, only `from:` rules were followed and this passed.
    expect(leaks('    - { target: contact, expr: "source.customer.email" }\n')).toEqual([
      'rule reads (in `expr`) pii field `customer.email` of order@2 into `contact`, which DataContract/shipment@1 does not classify as pii',
    ]);
    expect(leaks('    - { target: contact, expr: "\'mailto:\' + source.customer.email.lower()" }\n')).toHaveLength(1);
    expect(leaks(`    - { target: contact, expr: "source.lines.map(l, l.buyerPhone).join(',')" }\n`)).toHaveLength(1);
    expect(
      leaks(
        '    - target: lines\n      each: lines\n      rules:\n        - { target: note, expr: "item.sku + \' \' + item.buyerPhone" }\n',
      ),
    ).toHaveLength(1);
    // Reading an unclassified field, or only testing presence, takes nothing along.
    expect(leaks('    - { target: ref, expr: "source.customer.id", when: "has(source.customer.email)" }\n')).toEqual([]);
    // A comparison or a count passes none of the value on; only the choice it makes.
    expect(leaks("    - { target: ref, expr: \"source.customer.email.endsWith('.example') ? 'test' : 'real'\" }\n")).toEqual([]);
    expect(leaks('    - { target: ref, expr: "string(size(source.lines))" }\n')).toEqual([]);
    // A fan-out mapping (`spec.each`) maps one list item per message: its `from` and `item` are the item's.
    const fanOut = (rules: string) =>
      findings(
        { 'o.yaml': source, 's.yaml': target, 'm.yaml': mapping(rules).replace('  rules:\n', '  each: lines\n  rules:\n') },
        'classified-data-flow',
      ).map((d) => d.message);
    expect(fanOut('    - { target: contact, from: buyerPhone }\n')).toEqual([
      'rule copies pii field `lines[].buyerPhone` of order@2 into `contact`, which DataContract/shipment@1 does not classify as pii',
    ]);
    expect(fanOut('    - { target: contact, expr: "item.buyerPhone" }\n')).toHaveLength(1);
    expect(fanOut('    - { target: ref, from: sku }\n')).toEqual([]);
  });

  it('credentials-by-secret-ref', () => {
    expect(findings({ 's.yaml': system('wms') }, 'credentials-by-secret-ref')).toEqual([]);
    expect(findings({ 's.yaml': system('wms').replace(/ {2}auth: .*\n/, '') }, 'credentials-by-secret-ref')).toHaveLength(1);
  });

  it('route-delivery-bounded', () => {
    const files = { 'o.yaml': order, 's.yaml': system('wms') };
    expect(
      findings(
        { ...files, 'r.yaml': route('timeout: 5s\nretry: { maxAttempts: 3 }\ndeadLetter: { topic: dlq.orders }') },
        'route-delivery-bounded',
      ),
    ).toEqual([]);
    const missing = findings({ ...files, 'r.yaml': route('timeout: 5s') }, 'route-delivery-bounded');
    expect(missing.map((d) => d.message).sort()).toEqual(['target "wms" has no dead letter', 'target "wms" has no retry bound']);
  });

  it('mapping-required-fields, list items included', () => {
    const target = contract(
      'shipment',
      '1.0.0',
      'type: object\nrequired: [shipmentId, lines]\nproperties:\n  shipmentId: { type: string }\n  lines:\n    type: array\n    items:\n      type: object\n      required: [sku, quantity]\n      properties:\n        sku: { type: string }\n        quantity: { type: number }',
    );
    const source = contract(
      'order',
      '2.0.0',
      'type: object\nproperties:\n  orderNumber: { type: string }\n  items: { type: array, items: { type: object, properties: { material: { type: string }, qty: { type: number } } } }',
    );
    const mapping = (itemRules: string) =>
      `${HEADER}\nkind: Mapping\nmetadata: { name: order-to-shipment }\nspec:\n  owner: team-o2c\n  from: order@2\n  to: shipment@1\n  rules:\n    - { target: shipmentId, from: orderNumber }\n    - target: lines\n      each: items\n      rules:\n${itemRules}`;
    const files = { 'o.yaml': source, 's.yaml': target };
    expect(
      findings(
        { ...files, 'm.yaml': mapping('        - { target: sku, from: material }\n        - { target: quantity, from: qty }\n') },
        'mapping-required-fields',
      ),
    ).toEqual([]);
    const [missing] = findings({ ...files, 'm.yaml': mapping('        - { target: sku, from: material }\n') }, 'mapping-required-fields');
    expect(missing!.message).toBe('required field `lines[].quantity` of shipment@1 is not mapped');
  });

  it('naming-convention', () => {
    const files = { 'o.yaml': order, 's.yaml': system('wms') };
    const delivery = 'timeout: 5s\nretry: { maxAttempts: 3 }\ndeadLetter: { topic: dlq.orders }';
    expect(findings({ ...files, 'r.yaml': route(delivery) }, 'naming-convention')).toEqual([]);
    const [bad] = findings({ ...files, 'r.yaml': route(delivery.replace('dlq.orders', 'dlq')) }, 'naming-convention');
    expect(bad!.message).toContain('topic "dlq" does not follow the topic convention');
    expect(bad!.severity).toBe('warning');
  });

  it('version-bump, breaking-change-needs-major, removal-needs-sunset and sunset-never-earlier need a base', () => {
    const changed = contract('order', '2.0.0', `${ORDER_SCHEMA_CLOSED}\n  channel: { type: string }`);
    expect(findings({ 'o.yaml': changed }, 'version-bump')).toEqual([]);
    expect(findings({ 'o.yaml': changed }, 'version-bump', { 'o.yaml': order })).toHaveLength(1);
  });
});

describe('policies: configuration, custom CEL rules and waivers', () => {
  const policy = (body: string) =>
    `${HEADER}\nkind: Policy\nmetadata: { name: baseline }\nspec:\n  owner: team-governance\n${body.replace(/^/gm, '  ')}\n`;
  const noOwner = order.replace('  owner: team-o2c\n', '');

  it('a Policy turns a rule off, changes its severity, or scopes it', () => {
    expect(
      findings({ 'o.yaml': noOwner, 'p.yaml': policy('rules:\n  - { id: owner-required, severity: off }') }, 'owner-required'),
    ).toEqual([]);
    expect(
      findings({ 'o.yaml': noOwner, 'p.yaml': policy('rules:\n  - { id: owner-required, severity: warning }') }, 'owner-required')[0]!
        .severity,
    ).toBe('warning');
    expect(
      findings({ 'o.yaml': noOwner, 'p.yaml': policy('rules:\n  - { id: owner-required, scope: { kinds: [System] } }') }, 'owner-required'),
    ).toEqual([]);
    expect(
      findings({ 'o.yaml': noOwner, 'p.yaml': policy('rules:\n  - { id: owner-required, scope: { names: ["ord*"] } }') }, 'owner-required'),
    ).toHaveLength(1);
  });

  it('an unknown rule id is reported with a did-you-mean', () => {
    const [unknown] = findings({ 'o.yaml': order, 'p.yaml': policy('rules:\n  - { id: owner-requried }') }, 'policy-unknown-rule');
    expect(unknown!.message).toBe('no built-in rule "owner-requried"; did you mean "owner-required"?');
  });

  it('custom rules are CEL over the document, with a scope', () => {
    const files = {
      'o.yaml': order,
      's.yaml': system('wms'),
      'p.yaml': policy(
        'rules:\n  - id: systems-are-saas\n    expr: doc.spec.hosting == "saas"\n    scope: { kinds: [System] }\n    message: only SaaS systems are allowed',
      ),
    };
    const [finding] = findings(files, 'systems-are-saas');
    expect(finding).toMatchObject({ message: 'System/wms: only SaaS systems are allowed', severity: 'error', file: 's.yaml' });
    const broken = { ...files, 'p.yaml': policy('rules:\n  - id: bad\n    expr: doc.spec.nothing.deeper == 1') };
    expect(findings(broken, 'policy-rule-error').length).toBeGreaterThan(0);
  });

  it('a waiver suppresses the finding it names until it expires; an expired or unused waiver is reported', () => {
    const waiver = (expires: string, target = 'DataContract/order@2') =>
      policy(
        `waivers:\n  - rule: owner-required\n    target: ${target}\n    reason: Ownership moves to the new O2C team in January.\n    approver: jane.doe@example.com\n    expires: ${expires}`,
      );
    const report = checkEstate({ head: estateOf({ 'o.yaml': noOwner, 'p.yaml': waiver('2027-01-31') }), today: TODAY, all: true });
    expect(report.diagnostics.filter((d) => d.code === 'owner-required')).toEqual([]);
    expect(report.waiversUsed).toHaveLength(1);
    expect(report.waiversUsed[0]!.findings[0]!.code).toBe('owner-required');
    const expiredFiles = { 'o.yaml': noOwner, 'p.yaml': waiver('2026-11-01') };
    const expired = checkEstate({ head: estateOf(expiredFiles), base: estateOf(expiredFiles), today: TODAY, all: true });
    expect(expired.diagnostics.map((d) => `${d.code} ${d.severity}`).sort()).toEqual(['owner-required error', 'waiver-expired error']);
    // Without a base the clock alone decides nothing: the expired waiver is a warning and still covers.
    const treeOnly = checkEstate({ head: estateOf(expiredFiles), today: TODAY, all: true });
    expect(treeOnly.diagnostics.map((d) => `${d.code} ${d.severity}`)).toEqual(['waiver-expired warning']);
    const unused = checkEstate({ head: estateOf({ 'o.yaml': order, 'p.yaml': waiver('2027-01-31') }), today: TODAY, all: true });
    expect(unused.diagnostics.map((d) => d.code)).toEqual(['waiver-unused']);
  });

  it('fingerprints survive unrelated edits and moving the document to another file', () => {
    const before = checkEstate({ head: estateOf({ 'o.yaml': noOwner }), today: TODAY, all: true }).diagnostics.find(
      (d) => d.code === 'owner-required',
    )!;
    const edited = `# a comment\n\n${noOwner.replace('name: order', 'name: order\n  labels: { team: o2c }')}`;
    const after = checkEstate({ head: estateOf({ 'moved/order.yaml': edited }), today: TODAY, all: true }).diagnostics.find(
      (d) => d.code === 'owner-required',
    )!;
    expect(after.range.start.line).not.toBe(before.range.start.line);
    expect(after.fingerprint).toBe(before.fingerprint);
  });
});
