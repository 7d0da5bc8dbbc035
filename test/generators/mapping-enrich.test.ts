// Enrichment (issue 14, item 3): a mapping declares `spec.enrich` — a GET by key on a System whose
// answer has a contract — and its rules read the answer as `enriched.<name>`, type-checked like any
// source field. Mistakes are errors at their YAML line; `interlace test` stubs each call.
import { describe, expect, it } from 'vitest';
import { estateDiagnostics, generateEstate, runEstateTests } from '../helpers/mapping-estate.ts';

const CONTRACTS = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: stock-key }
spec:
  version: 1.0.0
  owner: t
  identity: [sku]
  schema:
    type: object
    required: [sku, quantity]
    properties:
      sku: { type: string }
      quantity: { type: integer }
      site: { type: object, properties: { plant: { type: string } } }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: erp-item }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    required: [number, displayName]
    properties:
      number: { type: string }
      displayName: { type: string }
      baseUnitOfMeasure: { type: string }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: stock-level }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    additionalProperties: false
    required: [sku, description, quantity]
    properties:
      sku: { type: string }
      description: { type: string }
      unit: { type: string }
      quantity: { type: integer }
---
apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: cloud-erp }
spec:
  type: erp
  hosting: cloud
  owner: t
  endpoint: { protocol: http, url: "https://erp.example.com", format: json }
`;

/** A mapping with one enrichment; `enrich`, `rules` and `tests` are YAML blocks indented for spec. */
function estate(enrich: string, rules: string, tests = '') {
  return {
    'specs/contracts.yaml': CONTRACTS,
    'specs/m.yaml': `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: stock-key-to-stock-level }
spec:
  from: stock-key@1
  to: stock-level@1
  enrich:
${enrich}
  rules:
${rules}
${tests}`,
    'specs/fixtures/item.json': JSON.stringify({ value: [{ number: 'TG-1', displayName: 'Table lamp', baseUnitOfMeasure: 'PCS' }] }),
  };
}

const ITEM = `    item:
      system: cloud-erp
      operation: GET /items('{sku}')
      contract: erp-item@1`;
const RULES = `    - { target: sku, from: sku }
    - { target: description, expr: enriched.item.displayName }
    - { target: unit, expr: enriched.item.baseUnitOfMeasure }
    - { target: quantity, from: quantity }`;

describe('enrichment: compile-time checks', () => {
  it('compiles a mapping that reads an enrichment, with a typed `enriched` argument and a keys function', async () => {
    const result = await generateEstate(estate(ITEM, RULES));
    expect(result.diagnostics).toEqual([]);
    const text = result.files.get('mappings/stock-key-to-stock-level.ts')!;
    expect(text).toContain('export interface MapStockKeyToStockLevelEnriched {');
    expect(text).toContain('item: ErpItemV1;');
    expect(text).toContain(
      'export function mapStockKeyToStockLevel(source: StockKeyV1, enriched: MapStockKeyToStockLevelEnriched): StockLevelV1',
    );
    expect(text).toContain('export function mapStockKeyToStockLevelEnrichKeys(message: unknown)');
    expect(result.mappings[0]!.compiled.enrichKeysFunctionName).toBe('mapStockKeyToStockLevelEnrichKeys');
  });

  it('a mapping without enrich has no second argument (no overhead)', async () => {
    const result = await generateEstate({
      'specs/contracts.yaml': CONTRACTS,
      'specs/m.yaml': `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: plain }
spec:
  from: stock-key@1
  to: stock-level@1
  rules:
    - { target: sku, from: sku }
    - { target: description, from: sku }
    - { target: quantity, from: quantity }
`,
    });
    const text = result.files.get('mappings/plain.ts')!;
    expect(text).toContain('export function mapPlain(source: StockKeyV1): StockLevelV1');
    expect(text).not.toContain('enriched');
  });

  it('an unknown System is an error at the `system` line, with did-you-mean', async () => {
    const result = await generateEstate(estate(ITEM.replace('system: cloud-erp', 'system: cloud-erq'), RULES), { allowInvalid: true });
    expect(result.validation.map((d) => [d.code, d.range.start.line, d.message])).toEqual([
      ['ref-unresolved', 9, expect.stringContaining('cloud-erq')],
    ]);
    expect(result.validation[0]!.hint).toContain('cloud-erp');
  });

  it('a placeholder that is no source field is an error at the `operation` line, with did-you-mean', async () => {
    const diagnostics = await estateDiagnostics(estate(ITEM.replace("'{sku}'", "'{skuu}'"), RULES));
    expect(diagnostics).toEqual([
      ['mapping-field-unknown', 10, "enrich item: placeholder {skuu}: skuu: StockKeyV1 has no property 'skuu'; did you mean 'sku'?"],
    ]);
  });

  it('a System parameter placeholder is allowed when the enrichment lists it under `parameters`', async () => {
    const operation = "GET /companies({companyId})/items('{sku}')";
    const refused = await estateDiagnostics(estate(ITEM.replace("GET /items('{sku}')", operation), RULES));
    expect(refused.map(([code, line, message]) => [code, line, String(message).split(':').slice(0, 2).join(':')])).toEqual([
      ['mapping-field-unknown', 10, 'enrich item: placeholder {companyId}'],
    ]);
    const listed = await generateEstate(estate(ITEM.replace("GET /items('{sku}')", `${operation}\n      parameters: [companyId]`), RULES));
    expect(listed.diagnostics).toEqual([]);
    expect(listed.files.get('mappings/stock-key-to-stock-level.ts')).toContain('item: { "sku": source?.sku }');
  });

  it('a dotted placeholder reads a nested source field', async () => {
    const result = await generateEstate(estate(ITEM.replace("'{sku}'", "'{sku}')?plant={site.plant}"), RULES));
    expect(result.diagnostics).toEqual([]);
    expect(result.files.get('mappings/stock-key-to-stock-level.ts')).toContain('"site.plant": source?.site?.plant');
  });

  it('a missing response contract is an error at the enrichment', async () => {
    const result = await generateEstate(estate(ITEM.replace(/\n {6}contract: erp-item@1/, ''), RULES), { allowInvalid: true });
    expect(result.validation.map((d) => [d.code, d.range.start.line])).toEqual([['schema-required', 9]]);
    expect(result.validation[0]!.message).toContain('contract');
  });

  it('an unknown response contract is an error at the `contract` line', async () => {
    const result = await generateEstate(estate(ITEM.replace('erp-item@1', 'erp-itme@1'), RULES), { allowInvalid: true });
    expect(result.validation.map((d) => [d.code, d.range.start.line])).toEqual([['ref-unresolved', 11]]);
  });

  it("a rule reading a field the answer contract does not have is a type error at the rule's line", async () => {
    const diagnostics = await estateDiagnostics(estate(ITEM, RULES.replace('enriched.item.displayName', 'enriched.item.displayNam')));
    expect(diagnostics.map(([code, line]) => [code, line])).toEqual([['mapping-type-error', 14]]);
    expect(String(diagnostics[0]![2])).toContain('displayNam');
  });

  it('an optional enrichment read into a required field is a type error at the rule; with a default it compiles', async () => {
    const optional = `${ITEM}\n      optional: true`;
    const diagnostics = await estateDiagnostics(estate(optional, RULES));
    expect(diagnostics.map(([, line]) => line)).toEqual([15]);
    const fixed = await estateDiagnostics(
      estate(optional, RULES.replace('expr: enriched.item.displayName', 'expr: enriched.item.displayName, default: "(unknown)"')),
    );
    expect(fixed).toEqual([]);
  });

  it('an enrichment that is not a GET is an error', async () => {
    const result = await generateEstate(estate(ITEM.replace('GET /items', 'POST /items'), RULES), { allowInvalid: true });
    expect(result.validation.map((d) => [d.code, d.range.start.line])).toEqual([['schema-pattern', 10]]);
  });
});

describe('enrichment: where an enriching mapping cannot go', () => {
  it('refuses it as a chain step, an API backend mapping and a view feed, at their lines', async () => {
    const files = {
      ...estate(ITEM, RULES),
      'specs/more.yaml': `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: copy }
spec:
  from: stock-level@1
  to: stock-level@1
  rules:
    - { target: sku, from: sku }
    - { target: description, from: description }
    - { target: quantity, from: quantity }
---
apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: chained }
spec:
  from: stock-key@1
  to: stock-level@1
  steps: [stock-key-to-stock-level, copy]
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: stock }
spec:
  owner: t
  source: { topic: stock.in, contract: stock-key@1 }
  targets:
    - { name: out, topic: stock.out, mapping: stock-key-to-stock-level }
---
apiVersion: interlace.dev/v1alpha1
kind: Api
metadata: { name: stock }
spec:
  version: 1.0.0
  owner: t
  basePath: /stock/v1
  auth: { type: api-key, header: X-API-Key, keysSecretRef: { name: stock-keys } }
  operations:
    - id: preview
      method: POST
      path: /previews
      request: stock-key@1
      response: { contract: stock-level@1 }
      backend: { system: cloud-erp, operation: "POST /previews", mapping: stock-key-to-stock-level }
    - id: get
      method: GET
      path: /stock/{sku}
      response: { contract: stock-level@1 }
      backend:
        view: { route: stock, key: [sku] }
`,
    };
    const result = await generateEstate(files, { allowInvalid: true });
    expect(result.validation.map((d) => [d.code, d.range.start.line, d.message])).toEqual([
      ['mapping-rule-invalid', 18, expect.stringContaining('step "stock-key-to-stock-level" enriches')],
      ['mapping-mismatch', 43, expect.stringContaining('mapping "stock-key-to-stock-level" enriches')],
      ['mapping-mismatch', 49, expect.stringContaining('which enriches (`spec.enrich`); a view is fed without System calls')],
    ]);
  });
});

describe('enrichment: interlace test stubs each call', () => {
  const tests = (enrich: string) => `  tests:
    - name: a key-only event becomes a full stock level
      input: { sku: TG-1, quantity: 4 }
${enrich}
      expected: { sku: TG-1, description: Table lamp, unit: PCS, quantity: 4 }
`;

  it('from a fixture file and pointer, or inline', async () => {
    expect(
      await runEstateTests(estate(ITEM, RULES, tests('      enrich: { item: { file: fixtures/item.json, pointer: /value/0 } }'))),
    ).toEqual([['a key-only event becomes a full stock level', true, undefined]]);
    expect(
      await runEstateTests(
        estate(ITEM, RULES, tests('      enrich: { item: { number: TG-1, displayName: Table lamp, baseUnitOfMeasure: PCS } }')),
      ),
    ).toEqual([['a key-only event becomes a full stock level', true, undefined]]);
  });

  it('a test without the stub of a required call fails and says which call', async () => {
    const [[, passed, error]] = (await runEstateTests(estate(ITEM, RULES, tests('')))) as [[string, boolean, string]];
    expect(passed).toBe(false);
    expect(error).toContain('the mapping enriches "item" (cloud-erp GET');
  });

  it('a stub its contract refuses fails, as the worker would refuse the answer', async () => {
    const [[, passed, error]] = (await runEstateTests(estate(ITEM, RULES, tests('      enrich: { item: { number: TG-1 } }')))) as [
      [string, boolean, string],
    ];
    expect(passed).toBe(false);
    expect(error).toContain('enrich.item does not satisfy erp-item@1');
  });

  it('a stub for an enrichment the mapping does not have fails with did-you-mean', async () => {
    const [[, passed, error]] = (await runEstateTests(
      estate(ITEM, RULES, tests('      enrich: { item: { number: TG-1, displayName: L }, iten: {} }')),
    )) as [[string, boolean, string]];
    expect(passed).toBe(false);
    expect(error).toContain('did you mean "item"');
  });
});
