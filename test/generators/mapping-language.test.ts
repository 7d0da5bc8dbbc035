import { describe, expect, it } from 'vitest';
import { ValidationSession } from '../../language/validation-session.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { runMappingTests, testBundle } from '../../generators/testing/run-tests.ts';
import { tempTree } from '../helpers/temp-tree.ts';

/**
 * The mapping language a real onboarding needs (issue 14): the position of an item inside `each`,
 * string and date functions, one rule for null, and rules that do not apply writing nothing. Each
 * case compiles a real mapping, type-checks it against real contracts and runs its tests.
 */
const CONTRACTS = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: src }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    required: [id, label]
    properties:
      id: { type: string }
      label: { type: [string, "null"] }
      createdAt: { type: string, format: date-time }
      stamp: { type: string }
      name: { type: [string, "null"] }
      note: { type: [string, "null"] }
      carrierCode: { type: string }
      street: { type: integer }
      items: { type: array, items: { type: object, required: [sku], properties: { sku: { type: string } } } }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: dst }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    additionalProperties: false
    required: [id]
    properties:
      id: { type: string }
      ref: { type: string }
      orderDate: { type: string, format: date }
      placedAt: { type: string, format: date-time }
      edi: { type: string }
      code: { type: string }
      name: { type: string }
      memo: { type: string }
      nickname: { type: [string, "null"] }
      tags: { type: string }
      carrier:
        type: object
        additionalProperties: false
        properties: { code: { type: string }, name: { type: string } }
      shipTo:
        type: object
        additionalProperties: false
        required: [name]
        properties: { name: { type: string }, street: { type: string } }
      lines:
        type: array
        items:
          type: object
          additionalProperties: false
          required: [lineNumber]
          properties: { lineNumber: { type: integer }, sku: { type: string }, first: { type: boolean }, last: { type: boolean } }
`;

function mapping(rules: string, tests = ''): Record<string, string> {
  return {
    'specs/contracts.yaml': CONTRACTS,
    'specs/m.yaml': `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: m }
spec:
  from: src@1
  to: dst@1
  rules:
    - { target: id, from: id }
${rules}
  tests:
${tests || `    - { name: t, input: { id: "1", label: x }, expected: { id: "1" } }`}
`,
  };
}

async function generateTree(files: Record<string, string>) {
  const tree = tempTree(files);
  try {
    const run = new ValidationSession().run(['specs'], { cwd: tree.root });
    expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return await new Generator().generate({
      documents: run.result.documents,
      index: run.result.index,
      support: readSupportSources(),
      bundles: false,
    });
  } finally {
    tree.cleanup();
  }
}

/** Generates, expects no diagnostics, and runs the mapping's tests: [name, passed, error]. */
async function runTests(files: Record<string, string>) {
  const result = await generateTree(files);
  expect(result.diagnostics.map((d) => `${d.range.start.line}: ${d.message}`)).toEqual([]);
  const module = await import(`data:text/javascript;base64,${Buffer.from(testBundle(result.files, result.mappings)).toString('base64')}`);
  return runMappingTests(result.mappings, module, () => ({ ok: false, message: 'unused' })).map((r) => [r.name, r.passed, r.error]);
}

async function diagnostics(files: Record<string, string>) {
  const result = await generateTree(files);
  return result.diagnostics.map((d) => [d.code, d.range.start.line, d.message, d.hint]);
}

describe('the mapping language (issue 14)', () => {
  it('gives each item its index, first and last (line numbers no longer ranked from ids)', async () => {
    expect(
      await runTests(
        mapping(
          `    - target: lines
      each: items
      rules:
        - { target: lineNumber, expr: "(index + 1) * 10" }
        - { target: sku, from: sku }
        - { target: first, expr: first }
        - { target: last, expr: last }`,
          `    - name: ids not ascending
      input: { id: "1", label: x, items: [{ sku: Z }, { sku: A }, { sku: M }] }
      expected:
        id: "1"
        lines:
          - { lineNumber: 10, sku: Z, first: true, last: false }
          - { lineNumber: 20, sku: A, first: false, last: false }
          - { lineNumber: 30, sku: M, first: false, last: true }`,
        ),
      ),
    ).toEqual([['ids not ascending', true, undefined]]);
  });

  it('runs the string functions and explicit date patterns with IANA time zones', async () => {
    expect(
      await runTests(
        mapping(
          `    - { target: ref, expr: "source.id.split('-')[1].substring(0, 2).padStart(6, '0')" }
    - { target: code, expr: "source.id.extract('^([A-Z]+)-').lower()" }
    - { target: name, expr: "source.name.trim().replace('  ', ' ').upper()" }
    - { target: tags, expr: "source.items.map(i, i.sku.padEnd(3, '.')).join(',')" }
    - { target: orderDate, expr: "formatDate(source.createdAt, 'iso-date', 'America/New_York')" }
    - { target: placedAt, expr: "parseDate(source.stamp, 'YYYYMMDDhhmmss', 'America/New_York')" }
    - { target: edi, expr: "formatDate(parseDate(source.stamp, 'CCYYMMDDHHmmss'), 'DD.MM.YYYY HHMM', 'Europe/Berlin')" }`,
          `    - name: a 21:00 New York order
      input: { id: "AB-17/x", label: x, name: " Ångström  Ltd ", createdAt: "2026-11-26T02:00:00Z", stamp: "20261125210000", items: [{ sku: Z }, { sku: A }] }
      expected:
        id: AB-17/x
        ref: "000017"
        code: ab
        name: ÅNGSTRÖM LTD
        tags: Z..,A..
        orderDate: "2026-11-25"
        placedAt: "2026-11-26T02:00:00.000Z"
        edi: 25.11.2026 2200`,
        ),
      ),
    ).toEqual([['a 21:00 New York order', true, undefined]]);
  });

  it('fails a message whose text does not fit the pattern, naming the field', async () => {
    const [[, passed, error]] = (await runTests(
      mapping(
        `    - { target: placedAt, expr: "parseDate(source.stamp, 'YYYYMMDDhhmmss')" }`,
        `    - { name: bad, input: { id: "1", label: x, stamp: "2026-11-25" }, expected: { id: "1" } }`,
      ),
    )) as [[string, boolean, string]];
    expect([passed, error]).toEqual([
      false,
      `the mapping failed: placedAt: parseDate(): "2026-11-25" does not match the pattern 'YYYYMMDDhhmmss'`,
    ]);
  });

  it('refuses an unknown pattern token and an unknown time zone at build time, at the rule', async () => {
    const found = await diagnostics(
      mapping(`    - { target: edi, expr: "formatDate(source.createdAt, 'YYYYMMDDQ')" }
    - { target: placedAt, expr: "parseDate(source.stamp, 'YYYYMMDD', 'America/Nowhere')" }`),
    );
    expect(found.map((d) => [d[0], d[1]])).toEqual([
      ['mapping-unsupported', 9],
      ['mapping-unsupported', 10],
    ]);
    expect(String(found[0]![2])).toContain('`Q` at position 9 is neither a token');
    expect(String(found[1]![2])).toContain("'America/Nowhere' is not one");
  });

  it('maps null to absent into an optional target that has no null, and keeps it where null is allowed', async () => {
    expect(
      await runTests(
        mapping(
          `    - { target: memo, from: note }
    - { target: name, from: name, convert: { trim: true } }
    - { target: nickname, from: note }
    - { target: code, expr: source.label }`,
          `    - name: nulls
      input: { id: "1", label: null, name: null, note: null }
      expected: { id: "1", nickname: null }
    - name: values
      input: { id: "1", label: L, name: " n ", note: m }
      expected: { id: "1", memo: m, name: n, nickname: m, code: L }`,
        ),
      ),
    ).toEqual([
      ['nulls', true, undefined],
      ['values', true, undefined],
    ]);
  });

  it('says null (not "convert the value") when a value that may be null meets a required target or a string operator', async () => {
    const files = mapping(`    - { target: edi, expr: "'at ' + source.label" }`);
    files['specs/contracts.yaml'] = CONTRACTS.replace('required: [id]', 'required: [id, ref]');
    files['specs/m.yaml'] = files['specs/m.yaml']!.replace(
      '    - { target: id, from: id }',
      '    - { target: id, from: id }\n    - { target: ref, from: label }',
    );
    const found = await diagnostics(files);
    expect(found).toEqual([
      [
        'mapping-type-error',
        9,
        'ref: the value may be null, but dst@1 requires `ref` to be string',
        expect.stringMatching(/`default:`.*`when: has\(x\) && x != null`/),
      ],
      ['mapping-type-error', 10, 'edi: `+` on a value that may be null', expect.stringMatching(/!= null/)],
    ]);
    for (const d of found) expect(String(d[3])).not.toMatch(/int\(\)|Convert the value/);
  });

  it('writes nothing for an optional object whose when-guarded rules do not apply (no `carrier: {}`)', async () => {
    expect(
      await runTests(
        mapping(
          `    - { target: carrier.code, when: has(source.carrierCode), from: carrierCode }
    - { target: carrier.name, when: has(source.carrierCode), value: Carrier }`,
          `    - { name: no carrier, input: { id: "1", label: x }, expected: { id: "1" } }
    - { name: carrier, input: { id: "1", label: x, carrierCode: UPS }, expected: { id: "1", carrier: { code: UPS, name: Carrier } } }`,
        ),
      ),
    ).toEqual([
      ['no carrier', true, undefined],
      ['carrier', true, undefined],
    ]);
  });

  it('reports a wrong field of an optional object at its own rule and path (not `shipTo.name.street`)', async () => {
    const found = await diagnostics(
      mapping(`    - { target: shipTo.name, from: id }
    - { target: shipTo.street, from: street }`),
    );
    expect(found).toEqual([
      [
        'mapping-type-error',
        10,
        'shipTo.street: the value is number | undefined but dst@1 wants string | undefined',
        'Use `expr: string(...)` to turn it into text.',
      ],
    ]);
  });
});
