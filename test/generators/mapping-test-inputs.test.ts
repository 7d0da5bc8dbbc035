// Mapping tests' inputs (issue 14, item 4): a fixture file combined with a JSON merge patch
// (`input: { file, pointer, merge }`), so a real document that lacks one part needs a few lines, not
// the whole document pasted inline; and inputs checked against the source contract as the runtime
// checks every message — an input production would reject is a test error at its line, unless the
// test says `expectRejected: true`.
import { describe, expect, it } from 'vitest';
import { runMappingTests, testBundle } from '../../generators/testing/run-tests.ts';
import { generateEstate } from '../helpers/mapping-estate.ts';

const CONTRACTS = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: src }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    required: [id, customer]
    properties:
      id: { type: string }
      currency: { type: string, enum: [USD, EUR] }
      customer:
        type: object
        required: [name]
        properties: { name: { type: string }, email: { type: string } }
      lines: { type: array, items: { type: object, required: [sku], properties: { sku: { type: string } } } }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: dst }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    required: [id]
    properties:
      id: { type: string }
      currency: { type: string }
      email: { type: string }
      skus: { type: array, items: { type: string } }
`;

const DOCUMENT = JSON.stringify({
  response: {
    order: { id: 'SO-1', currency: 'USD', customer: { name: 'Acme', email: 'ap@acme.test' }, lines: [{ sku: 'A' }, { sku: 'B' }] },
  },
});

async function run(tests: string) {
  const files = {
    'specs/contracts.yaml': CONTRACTS,
    'specs/m.yaml': `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: m }
spec:
  from: src@1
  to: dst@1
  rules:
    - { target: id, from: id }
    - { target: currency, from: currency }
    - { target: email, from: customer.email }
    - { target: skus, expr: "has(source.lines) ? source.lines.map(l, l.sku) : []" }
  tests:
${tests}
`,
  };
  const result = await generateEstate(files);
  expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  const module = await import(`data:text/javascript;base64,${Buffer.from(testBundle(result.files, result.mappings)).toString('base64')}`);
  return runMappingTests(result.mappings, module, (_spec, path) =>
    path === 'order.json' ? { ok: true, text: DOCUMENT } : { ok: false, message: 'no such file' },
  ).map((r) => ({ name: r.name, passed: r.passed, error: r.error, line: r.diagnostics[0]?.range.start.line }));
}

describe('mapping test inputs', () => {
  it('applies a JSON merge patch to a fixture file: change, remove, replace a list', async () => {
    const results = await run(`    - name: merged
      input:
        file: order.json
        pointer: /response/order
        merge: { currency: EUR, customer: { email: null }, lines: [{ sku: C }] }
      expected: { id: SO-1, currency: EUR, skus: [C] }
    - name: plain
      input: { file: order.json, pointer: /response/order }
      expected: { id: SO-1, currency: USD, email: ap@acme.test, skus: [A, B] }`);
    expect(results).toEqual([
      { name: 'merged', passed: true, error: undefined, line: undefined },
      { name: 'plain', passed: true, error: undefined, line: undefined },
    ]);
  });

  it('an input the source contract rejects is a test error at the input, naming the field and the way out', async () => {
    const results = await run(`    - name: bad currency
      input: { file: order.json, pointer: /response/order, merge: { currency: GBP } }
      expected: { id: SO-1, currency: GBP, email: ap@acme.test, skus: [A, B] }
    - name: inline without customer
      input: { id: SO-2 }
      expected: { id: SO-2, skus: [] }`);
    expect(results[0]).toMatchObject({ name: 'bad currency', passed: false, line: 14 });
    expect(results[0]!.error).toMatch(/the input does not satisfy src@1: \/currency must be equal to one of the allowed values/);
    expect(results[0]!.error).toMatch(/expectRejected: true/);
    expect(results[1]).toMatchObject({ name: 'inline without customer', passed: false });
    expect(results[1]!.error).toMatch(/must have required property 'customer'/);
  });

  it('expectRejected passes when the contract rejects the input, and fails when it does not', async () => {
    const results = await run(`    - name: rejected as it should be
      input: { id: SO-3 }
      expectRejected: true
    - name: not rejected
      input: { file: order.json, pointer: /response/order }
      expectRejected: true`);
    expect(results).toEqual([
      { name: 'rejected as it should be', passed: true, error: undefined, line: undefined },
      expect.objectContaining({
        name: 'not rejected',
        passed: false,
        error: expect.stringMatching(/satisfies src@1, but the test says expectRejected/),
      }),
    ]);
  });

  it('expectRejected with an expected output, and a test with neither, are test errors at their lines', async () => {
    const results = await run(`    - { name: both, input: { id: x }, expectRejected: true, expected: { id: x } }
    - { name: neither, input: { id: x, customer: { name: n } }, expectRejected: false }`);
    expect(results).toEqual([
      { name: 'both', passed: false, error: expect.stringMatching(/has no expected output; remove `expected`/), line: 13 },
      { name: 'neither', passed: false, error: expect.stringMatching(/give `expected`, or say expectRejected: true/), line: 14 },
    ]);
  });

  it('validation refuses a test with neither expected nor expectRejected', async () => {
    const result = await generateEstate(
      {
        'specs/contracts.yaml': CONTRACTS,
        'specs/m.yaml': `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: m }
spec:
  from: src@1
  to: dst@1
  rules:
    - { target: id, from: id }
  tests:
    - { name: neither, input: { id: x, customer: { name: n } } }
`,
      },
      { allowInvalid: true },
    );
    expect(result.validation.map((d) => d.range.start.line)).toEqual([10]);
  });
});
