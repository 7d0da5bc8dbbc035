import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationSession } from '../../language/validation-session.ts';
import type { ValidationRun } from '../../language/validation-session.ts';
import type { KindName } from '../../language/kinds/registry.ts';
import type { SpecDocument } from '../../language/validate/estate-index.ts';
import { runCli } from '../helpers/cli.ts';

/** The repository root: the example estate is `specs/` below it. */
const root = fileURLToPath(new URL('../..', import.meta.url));

let run: ValidationRun;
const all = <K extends KindName>(kind: K): SpecDocument<K>[] =>
  run.result.documents.filter((doc) => doc.kind === kind) as SpecDocument<K>[];
const one = <K extends KindName>(kind: K, name: string, major?: number): SpecDocument<K> => {
  const found = all(kind).filter((doc) => doc.name === name && (major === undefined || doc.major === major));
  expect(found, `${kind}/${name}${major === undefined ? '' : `@${major}`}`).toHaveLength(1);
  return found[0]!;
};

beforeAll(() => {
  run = new ValidationSession().run(['specs'], { cwd: root });
});

describe('the example estate (specs/)', () => {
  it('validates clean through the CLI: exit 0, no diagnostics', async () => {
    const result = await runCli(['validate', 'specs', '--format', 'json'], root);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { diagnostics: unknown[]; summary: { documents: number } };
    expect(report.diagnostics).toEqual([]);
    expect(result.code).toBe(0);
    expect(report.summary.documents).toBe(92); // with nordic-erp and the replenishment and order-to-cash workflows
  });

  it('holds the expected documents, by kind', () => {
    expect(run.diagnostics).toEqual([]);
    const counts = Object.fromEntries(
      (['DataContract', 'System', 'Mapping', 'EventRoute', 'Api', 'Policy', 'Workflow'] as const).map((kind) => [kind, all(kind).length]),
    );
    expect(counts).toEqual({ DataContract: 28, System: 11, Mapping: 23, EventRoute: 23, Api: 4, Policy: 1, Workflow: 2 });
    const canonical = all('DataContract')
      .filter((doc) => doc.spec.system === undefined)
      .map((doc) => `${doc.name}@${doc.major}`);
    const native = all('DataContract')
      .filter((doc) => doc.spec.system !== undefined)
      .map((doc) => `${doc.name}@${doc.major}`);
    expect(canonical.sort()).toEqual([
      'availability@1',
      'availability@2',
      'finance-transaction@1',
      'inventory-level@1',
      'operational-exception@1',
      'order-status@1',
      'order-to-cash-state@1',
      'order@1',
      'order@2',
      'product@1',
      'purchase-order@1',
      'receipt@1',
      'replenishment-state@1',
      'replenishment@1',
      'shipment@1',
      'supplier-confirmation@1',
    ]);
    expect(native.sort()).toEqual([
      'bc-item-ledger-entry@1',
      'bc-item@1',
      'bc-purchase-order-create@1',
      'bc-purchase-order@1',
      'bc-sales-order@1',
      'sap-billing-document@1',
      'sap-credit-check@1',
      'sap-sales-order-create@1',
      'sap-sales-order@1',
      'wms-pick-order@1',
      'x12-850@1',
      'x12-856@1',
    ]);
    expect(
      all('System')
        .map((doc) => doc.name)
        .sort(),
    ).toEqual([
      'cloud-erp',
      'crm',
      'dealer-portal',
      'demand-planning',
      'edi-partner',
      'finance-feed',
      'legacy-erp',
      'nordic-erp',
      'operations',
      'tms',
      'wms',
    ]);
  });

  it('keeps order@2 current and order@1 deprecated toward it, with a 2027 sunset', () => {
    const v2 = one('DataContract', 'order', 2);
    expect(v2.version).toMatch(/^2\.\d+\.\d+$/);
    expect(v2.spec.deprecation).toBeUndefined();
    expect(v2.spec.identity).toEqual(['orderNumber']);
    expect(v2.spec.classification).toMatchObject({ 'customer.email': 'pii', 'lines[].netAmount': 'confidential' });
    const v1 = one('DataContract', 'order', 1);
    expect(v1.spec.deprecation).toMatchObject({ successor: 'order@2', sunset: expect.stringMatching(/^2027-/) });
    expect(one('Mapping', 'order-v2-to-order-v1').spec).toMatchObject({ from: 'order@2', to: 'order@1' });
  });

  it('models the systems of both scenarios', () => {
    expect(one('System', 'legacy-erp').spec).toMatchObject({
      type: 'erp',
      hosting: 'on-prem',
      endpoint: { protocol: 'http', format: 'odata-v2' },
      auth: { type: 'api-key', header: 'APIKey', secretRef: { name: expect.any(String) } },
    });
    expect(one('System', 'cloud-erp').spec.auth?.type).toBe('oauth2-client-credentials');
    expect(one('System', 'edi-partner').spec.endpoint).toMatchObject({
      protocol: 'edi-x12',
      format: 'x12',
      x12: { version: '004010VICS' },
    });
    for (const name of ['wms', 'edi-partner']) expect(one('System', name).spec.allowedClassifications).not.toContain('pii');
    for (const name of [
      'sap-sales-order',
      'sap-sales-order-create',
      'bc-sales-order',
      'bc-item',
      'bc-purchase-order',
      'bc-purchase-order-create',
      'x12-850',
      'x12-856',
    ]) {
      const contract = one('DataContract', name, 1);
      expect(one('System', contract.spec.system!).spec.contracts).toContain(`${name}@1`);
    }
  });

  it('routes every target with a timeout, bounded retries and a dead letter, and never loops through topics', () => {
    const consumed = new Set(
      all('EventRoute')
        .map((route) => route.spec.source.topic)
        .filter(Boolean),
    );
    for (const route of all('EventRoute')) {
      for (const target of route.spec.targets) {
        expect(target.delivery, `${route.name}/${target.name}`).toMatchObject({
          timeout: expect.any(String),
          retry: { maxAttempts: expect.any(Number) },
          deadLetter: { topic: expect.stringMatching(/^dlq\./) },
        });
        expect(target.delivery?.retry?.maxAttempts).toBeLessThanOrEqual(10);
      }
    }
    // orders.received is not among them: the order-to-cash workflow takes the dealer orders (below).
    expect(consumed).toEqual(
      new Set(['orders.confirmed', 'orders.status', 'inventory.levels', 'finance.transactions', 'purchase-orders.issued']),
    );
    const dispatched = one('EventRoute', 'shipment-dispatched').spec;
    expect(dispatched.source).toMatchObject({ system: 'tms', contract: 'shipment@1' });
    expect(dispatched.targets.map((t: { system?: string; topic?: string }) => t.system ?? t.topic)).toEqual([
      'legacy-erp',
      'cloud-erp',
      'crm',
      'dealer-portal',
      'shipments.dispatched',
      'orders.status',
    ]);
    expect(one('EventRoute', 'forecast-published').spec.source.system).toBe('demand-planning');
    // Proposals, supplier confirmations and goods receipts are the replenishment workflow's: no route
    // consumes them, the receipt is published for it, and it alone raises the shortfall exceptions.
    expect(one('EventRoute', 'goods-received').spec.targets.map((t: { system?: string; topic?: string }) => t.system ?? t.topic)).toEqual([
      'goods.receipts',
    ]);
    const replenishment = one('Workflow', 'replenishment').spec;
    expect(replenishment.trigger.event).toEqual({ topic: 'replenishment.proposals', contract: 'replenishment@1' });
    expect(
      replenishment.steps
        .filter((step: { wait?: { topic: string } }) => step.wait)
        .map((step: { wait?: { topic: string } }) => step.wait!.topic),
    ).toEqual(['supplier.confirmations', 'goods.receipts']);
    // Dealer orders are the order-to-cash workflow's: it creates the sales order (no route does), then
    // waits for the shipment that shipment-dispatched publishes for it.
    const orderToCash = one('Workflow', 'order-to-cash').spec;
    expect(orderToCash.trigger.event).toEqual({ topic: 'orders.received', contract: 'order@2' });
    expect(
      orderToCash.steps
        .filter((step: { wait?: { topic: string } }) => step.wait)
        .map((step: { wait?: { topic: string } }) => step.wait!.topic),
    ).toEqual(['shipments.dispatched']);
    expect(
      all('EventRoute').filter((route) => route.spec.targets.some((t: { operation?: string }) => t.operation?.includes('/A_SalesOrder'))),
    ).toEqual([]);
  });

  it('serves the business APIs with auth and rate limits, availability@1 deprecated for availability@2', () => {
    expect(
      all('Api')
        .map((api) => `${api.name}@${api.major}`)
        .sort(),
    ).toEqual(['availability@1', 'availability@2', 'order-status@1', 'shipment-milestones@1']);
    for (const api of all('Api')) {
      expect(api.spec.auth?.type, api.name).not.toBe('none');
      expect(api.spec.rateLimit, api.name).toMatchObject({ requests: expect.any(Number), per: expect.any(String) });
    }
    expect(one('Api', 'availability', 1).spec.deprecation).toMatchObject({
      successor: 'availability@2',
      sunset: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(one('Api', 'order-status', 1).spec.operations[0]).toMatchObject({
      method: 'GET',
      path: '/orders/{orderNumber}',
      backend: { view: { route: 'order-status-changed', key: ['orderNumber'] } },
    });
  });

  it('has a baseline policy with a custom CEL rule and a dated waiver', () => {
    const policy = one('Policy', 'baseline').spec;
    const ids = (policy.rules ?? []).map((rule) => rule.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'owner-required',
        'breaking-change-needs-major',
        'deprecation-needs-sunset',
        'pii-classified',
        'credentials-by-secret-ref',
        'route-delivery-bounded',
        'system-owner-required',
        'api-auth-oauth2',
      ]),
    );
    expect(policy.rules?.find((rule) => rule.id === 'deprecation-needs-sunset')?.params).toEqual({ minDays: 90 });
    expect(policy.rules?.find((rule) => rule.id === 'system-owner-required')?.expr).toContain('has(doc.spec.owner)');
    expect(policy.rules?.find((rule) => rule.id === 'api-auth-oauth2')?.expr).toBe("doc.spec.auth.type == 'oauth2'");
    expect(policy.waivers).toEqual([
      expect.objectContaining({ rule: 'api-auth-oauth2', target: 'Api/availability@1', expires: '2027-06-30' }),
    ]);
  });

  it('passes `interlace check --all`: exit 0, no findings, the availability@1 waiver used for its one finding', async () => {
    // The waiver's expiry is 2027-06-30: check as of a fixed day so the test does not expire with it.
    const result = await runCli(['check', 'specs', '--all', '--today', '2026-12-01', '--format', 'json'], root);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { diagnostics: unknown[]; summary: { errors: number; warnings: number } };
    expect(report.diagnostics).toEqual([]);
    expect(result.code).toBe(0);
    const markdown = await runCli(['check', 'specs', '--all', '--today', '2026-12-01', '--format', 'markdown'], root);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain('### Waivers used');
    expect(markdown.stdout).toMatch(/\| `api-auth-oauth2` \| `Api\/availability@1` \|.*\| 2027-06-30 \| 1 \|/);
  });

  it('passes `interlace check --all` on any day of the next five years: no rule counts from the wall clock without a base', async () => {
    // Before: from 2027-01-01 the availability@1 sunset (2027-03-31) was "89 days away" and
    // deprecation-needs-sunset rejected the unchanged estate; after 2027-06-30 the waiver expired too.
    for (const day of ['2027-01-01', '2027-04-01', '2027-07-01', '2028-02-29', '2029-09-15', '2031-11-30']) {
      const result = await runCli(['check', 'specs', '--all', '--today', day, '--format', 'json'], root);
      const report = JSON.parse(result.stdout) as { diagnostics: { code: string; severity: string }[] };
      expect(
        report.diagnostics.filter((d) => d.severity === 'error'),
        day,
      ).toEqual([]);
      expect(result.code, day).toBe(0);
    }
  });

  it('classifies personal data where it can occur and keeps company sites free of it', () => {
    const shipment = one('DataContract', 'shipment', 1).spec;
    // A contract's payload schema is free-form JSON Schema; this test knows its shape.
    const schema = shipment.schema as { properties: Record<string, unknown>; $defs: { site: { properties: object } } };
    expect(schema.properties.shipFrom).toEqual({ $ref: '#/$defs/site' });
    expect(Object.keys(schema.$defs.site.properties)).toEqual(['name', 'locationId', 'city', 'region', 'country']);
    expect(shipment.classification).toMatchObject({ 'shipTo.name': 'pii', 'shipTo.addressLine1': 'pii', 'shipTo.postalCode': 'pii' });
    expect(one('DataContract', 'purchase-order', 1).spec.classification).toMatchObject({
      'shipTo.name': 'pii',
      'shipTo.contactName': 'pii',
      'shipTo.addressLine1': 'pii',
      'shipTo.addressLine2': 'pii',
      'shipTo.postalCode': 'pii',
    });
  });

  it('tests every mapping against fixtures that exist and are listed in the NOTICE', () => {
    const fixtures = join(root, 'specs/fixtures/erp');
    const notice = readFileSync(join(fixtures, 'NOTICE.md'), 'utf8');
    for (const mapping of all('Mapping')) {
      expect(mapping.spec.tests?.length, mapping.name).toBeGreaterThan(0);
      for (const test of mapping.spec.tests ?? []) {
        if (typeof test.input.file !== 'string') continue;
        const path = join(root, dirname(mapping.source.file), test.input.file);
        expect(existsSync(path), `${mapping.name}: ${test.input.file}`).toBe(true);
        expect(notice).toContain(relative(fixtures, path).split('\\').join('/'));
      }
    }
    const copied = readdirSync(fixtures, { recursive: true, withFileTypes: true }).filter(
      (entry) => entry.isFile() && entry.name !== 'NOTICE.md',
    );
    for (const entry of copied) expect(notice, entry.name).toContain(entry.name);
    expect(one('Mapping', 'sap-sales-order-to-order-v2').spec.tests?.[0]?.input).toEqual({
      file: '../fixtures/erp/sap-s4hana/A_SalesOrder_expand_to_Item.wiremock.json',
      pointer: '/response/jsonBody/d/results/0',
    });
  });
});
