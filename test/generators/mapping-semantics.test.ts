import { describe, expect, it } from 'vitest';
import { ValidationSession } from '../../language/validation-session.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { runMappingTests, testBundle } from '../../generators/testing/run-tests.ts';
import { tempTree } from '../helpers/temp-tree.ts';

/**
 * What a mapping means when values are missing (docs/mapping-language.md, "Missing values"): an
 * optional source into a required target is a build error that says so; `when` rules that all fail
 * leave an optional field out and fail the message for a required one; an optional object is made
 * only with its required fields; an optional list stays absent when its source list is.
 */
const CONTRACTS = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: src }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    required: [id]
    properties:
      id: { type: string }
      code: { type: string }
      place: { type: string }
      day: { type: string, format: date }
      items: { type: array, items: { type: object, required: [n], properties: { n: { type: integer } } } }
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
    required: [id, ref]
    properties:
      id: { type: string }
      ref: { type: string }
      edi: { type: string }
      terms:
        type: object
        additionalProperties: false
        required: [code]
        properties: { code: { type: string }, place: { type: string } }
      lines: { type: array, minItems: 1, items: { type: object, required: [n], properties: { n: { type: integer } } } }
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
${rules}
  tests:
${tests || `    - { name: t, input: { id: "1" }, expected: { id: "1" } }`}
`,
  };
}

async function generateTree(files: Record<string, string>) {
  const tree = tempTree(files);
  try {
    const run = new ValidationSession().run(['specs'], { cwd: tree.root });
    expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const result = await new Generator().generate({
      documents: run.result.documents,
      index: run.result.index,
      support: readSupportSources(),
      bundles: false,
    });
    return result;
  } finally {
    tree.cleanup();
  }
}

describe('mapping semantics for missing values', () => {
  it('reports an optional source into a required target as such, at the rule, naming the source field', async () => {
    const result = await generateTree(
      mapping(`    - { target: id, from: id }
    - { target: ref, from: code }`),
    );
    expect(result.diagnostics.map((d) => [d.code, d.range.start.line, d.message, d.hint])).toEqual([
      [
        'mapping-type-error',
        9,
        'ref: optional source into required target: the value may be missing (`code` is optional in src@1), but dst@1 requires `ref`',
        expect.stringMatching(/`default:`.*`when:`.*required in its contract/),
      ],
    ]);
  });

  it('refuses `+` on a value that may be missing (it would write "at undefined")', async () => {
    const result = await generateTree(
      mapping(`    - { target: id, from: id }
    - { target: ref, value: x }
    - { target: edi, expr: "'at ' + source.place" }`),
    );
    expect(result.diagnostics.map((d) => [d.code, d.range.start.line, d.message])).toEqual([
      ['mapping-type-error', 10, 'edi: `+` on a value that may be missing (it is optional in the source contract)'],
    ]);
  });

  it('runs when-chains, optional objects, optional lists and formatDate as documented', async () => {
    const result = await generateTree(
      mapping(
        `    - { target: id, from: id }
    - { target: ref, when: has(source.code), from: code }
    - { target: ref, when: has(source.place), expr: "'at ' + source.place" }
    - { target: edi, expr: "formatDate(source.day, 'yyyymmdd')" }
    - { target: terms.code, from: code }
    - { target: terms.place, from: place }
    - target: lines
      each: items
      rules:
        - { target: n, from: n }`,
        `    - name: everything present
      input: { id: "1", code: EXW, place: Walldorf, day: "2026-11-27", items: [{ n: 1 }] }
      expected: { id: "1", ref: EXW, edi: "20261127", terms: { code: EXW, place: Walldorf }, lines: [{ n: 1 }] }
    - name: the second rule applies; no code, so no terms; no items, so no lines
      input: { id: "2", place: Walldorf }
      expected: { id: "2", ref: at Walldorf }
    - name: no rule for the required ref applies
      input: { id: "3" }
      expected: { id: "3" }`,
      ),
    );
    expect(result.diagnostics).toEqual([]);
    const module = await import(`data:text/javascript;base64,${Buffer.from(testBundle(result.files, result.mappings)).toString('base64')}`);
    const results = runMappingTests(result.mappings, module, () => ({ ok: false, message: 'unused' }));
    expect(results.map((r) => [r.name, r.passed, r.error])).toEqual([
      ['everything present', true, undefined],
      ['the second rule applies; no code, so no terms; no items, so no lines', true, undefined],
      [
        'no rule for the required ref applies',
        false,
        "the mapping failed: ref: no rule applies (every rule's `when` is false), and dst@1 requires the field",
      ],
    ]);
  });
});
