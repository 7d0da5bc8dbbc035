// Registry fields (issue 14, item 9): a canonical contract's `source.system` declared as
// `x-interlace-registry: System` holds the name of any System of the estate, so onboarding a new
// channel adds a System and a mapping and leaves the canonical contract (another team's) alone. The
// generated validator accepts exactly the estate's System names; a mapping constant that names no
// System is an error at its value with did-you-mean; a malformed registry field is refused.
import { describe, expect, it } from 'vitest';
import { expandRegistries } from '../../language/schema/registry.ts';
import { runMappingTests, testBundle } from '../../generators/testing/run-tests.ts';
import { generateEstate } from '../helpers/mapping-estate.ts';

const system = (name: string) => `apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: ${name} }
spec: { type: erp, hosting: saas, endpoint: { protocol: http, url: "https://${name}.example.com" } }
`;

const canonical = (field = '{ type: string, x-interlace-registry: System }') => `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: order }
spec:
  version: 2.0.0
  owner: team-order-to-cash
  schema:
    type: object
    required: [id, source]
    properties:
      id: { type: string }
      source: { type: object, required: [system], properties: { system: ${field} } }
`;

const native = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: shop-order }
spec:
  version: 1.0.0
  owner: team-shop
  schema: { type: object, required: [no], properties: { no: { type: string } } }
`;

const mapping = (value: string) => `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: shop-order-to-order }
spec:
  from: shop-order@1
  to: order@2
  rules:
    - { target: id, from: no }
    - { target: source.system, value: ${value} }
  tests:
    - { name: new channel, input: { no: "7" }, expected: { id: "7", source: { system: ${value} } } }
`;

describe('registry fields', () => {
  it('expandRegistries closes the field to the sorted names and changes nothing else', () => {
    const schema = { type: 'object', properties: { system: { type: 'string', 'x-interlace-registry': 'System' }, other: { enum: ['a'] } } };
    const expanded = expandRegistries(schema, { System: ['wms', 'erp', 'wms'] });
    expect(expanded.properties.system).toEqual({ type: 'string', 'x-interlace-registry': 'System', enum: ['erp', 'wms'] });
    expect(expanded.properties.other).toEqual({ enum: ['a'] });
    expect(schema.properties.system).not.toHaveProperty('enum');
    const plain = { type: 'string' };
    expect(expandRegistries(plain, { System: ['x'] })).toBe(plain);
    expect(expandRegistries({ 'x-interlace-registry': 'System' }, { System: [] })).toEqual({ 'x-interlace-registry': 'System', enum: [] });
  });

  it('a new channel is a new System and a mapping: the canonical contract is unchanged, the validator knows the new name', async () => {
    const files = {
      'specs/order.yaml': canonical(),
      'specs/shop-order.yaml': native,
      'specs/systems.yaml': `${system('legacy-erp')}---\n${system('web-shop')}`,
      'specs/m.yaml': mapping('web-shop'),
    };
    const result = await generateEstate(files);
    expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    const module = await import(`data:text/javascript;base64,${Buffer.from(testBundle(result.files, result.mappings)).toString('base64')}`);
    expect(
      runMappingTests(result.mappings, module, () => ({ ok: false, message: 'unused' })).map((r) => [r.name, r.passed, r.error]),
    ).toEqual([['new channel', true, undefined]]);
    const validate = module.validateOrderV2 as (value: unknown) => boolean;
    expect(typeof validate).toBe('function');
    expect(validate({ id: '1', source: { system: 'web-shop' } })).toBe(true);
    expect(validate({ id: '1', source: { system: 'legacy-erp' } })).toBe(true);
    expect(validate({ id: '1', source: { system: 'not-a-system' } })).toBe(false);
    expect(result.files.get('types.ts')).toMatch(/system: \("legacy-erp" \| "web-shop"\)/);
  });

  it('a constant that names no System is an error at the value, with did-you-mean and the way to add one', async () => {
    const result = await generateEstate({
      'specs/order.yaml': canonical(),
      'specs/shop-order.yaml': native,
      'specs/systems.yaml': system('web-shop'),
      'specs/m.yaml': mapping('web-sohp'),
    });
    const problem = result.diagnostics.find((d) => d.code === 'mapping-value-unregistered');
    expect(problem?.message).toBe('source.system: "web-sohp" is not a System of the estate; did you mean `web-shop`?');
    expect(problem?.range.start.line).toBe(9);
    expect(problem?.hint).toMatch(/add the System document for a new one: the contract itself needs no change/);
  });

  it('refuses a registry that does not exist (did-you-mean), and a registry field that lists values or is not a string', async () => {
    for (const [field, message] of [
      ['{ type: string, x-interlace-registry: Sytem }', /`x-interlace-registry: "Sytem"` names no registry; did you mean `System`\?/],
      ['{ type: string, enum: [a], x-interlace-registry: System }', /lists no values itself \(it has `enum`\)/],
      ['{ type: integer, x-interlace-registry: System }', /a registry field is a string/],
    ] as const) {
      const result = await generateEstate(
        { 'specs/order.yaml': canonical(field), 'specs/systems.yaml': system('web-shop') },
        { allowInvalid: true },
      );
      expect(result.validation.map((d) => [d.code, d.range.start.line, d.message])).toEqual([
        ['contract-registry-invalid', 12, expect.stringMatching(message)],
      ]);
    }
  });
});
