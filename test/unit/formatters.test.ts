import { readFileSync } from 'node:fs';
import AjvDraft04Module from 'ajv-draft-04';

// ajv-draft-04 is CommonJS; under ESM its class may sit on `.default`.
const AjvDraft04 = ((AjvDraft04Module as unknown as { default?: unknown }).default ?? AjvDraft04Module) as typeof AjvDraft04Module.default;
import { describe, expect, it } from 'vitest';
import { FORMATTERS } from '../../cli/format/index.ts';
import type { FormatInput } from '../../cli/format/index.ts';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';

const text = 'apiVersion: interlace.dev/v1alpha1\nkind: DataContract\nmetadata:\n  name: order\nspec:\n  idenity: [x]\n';
const diagnostics: Diagnostic[] = [
  {
    code: 'schema-unknown-field',
    severity: 'error',
    file: 'specs/a b,c:d.yaml',
    path: ['spec', 'idenity'],
    range: { start: { line: 6, column: 3 }, end: { line: 6, column: 10 } },
    message: 'unknown field `spec.idenity`; did you mean `identity`?',
    hint: 'Rename it to `identity`.',
  },
  {
    code: 'yaml-warning',
    severity: 'warning',
    file: 'specs/a b,c:d.yaml',
    path: [],
    range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    message: '100% odd\nsecond line',
  },
];
const input: FormatInput = {
  diagnostics,
  sources: new Map([['specs/a b,c:d.yaml', text]]),
  fileCount: 1,
  documentCount: 1,
  color: false,
  toolVersion: '1.2.3',
};

describe('formatters', () => {
  it('stylish shows the offending line with a caret under the range, the hint and a count', () => {
    const out = FORMATTERS.stylish!(input);
    expect(out).toContain('  6:3     error  unknown field `spec.idenity`; did you mean `identity`?  schema-unknown-field');
    expect(out).toContain('    > 6 |   idenity: [x]\n        |   ^^^^^^^\n');
    expect(out).toContain('hint: Rename it to `identity`.');
    expect(out).toContain('✖ 2 problems (1 error, 1 warning) in 1 document in 1 file');
  });

  it('sarif is valid SARIF 2.1.0 with rules, regions and stable fingerprints', () => {
    const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8'));
    const ajv = new AjvDraft04({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    const log = JSON.parse(FORMATTERS.sarif!(input));
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const [first, second] = log.runs[0].results;
    expect(first.ruleId).toBe('schema-unknown-field');
    expect(log.runs[0].tool.driver.rules[first.ruleIndex].id).toBe('schema-unknown-field');
    expect(first.locations[0].physicalLocation.region).toEqual({ startLine: 6, startColumn: 3, endLine: 6, endColumn: 10 });
    expect(first.locations[0].physicalLocation.artifactLocation.uri).toBe('specs/a%20b,c:d.yaml');
    expect(second.level).toBe('warning');
    // The fingerprint ignores the line, so it survives edits above the finding.
    const moved = JSON.parse(
      FORMATTERS.sarif!({
        ...input,
        diagnostics: [{ ...diagnostics[0]!, range: { start: { line: 9, column: 3 }, end: { line: 9, column: 10 } } }],
      }),
    );
    expect(moved.runs[0].results[0].partialFingerprints).toEqual(first.partialFingerprints);
  });

  it('github annotations escape newlines, percent signs and property separators', () => {
    const lines = FORMATTERS.github!(input).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      '::error file=specs/a b%2Cc%3Ad.yaml,line=6,col=3,endLine=6,endColumn=10,title=interlace schema-unknown-field::unknown field `spec.idenity`; did you mean `identity`?%0Ahint: Rename it to `identity`.',
    );
    expect(lines[1]).toBe(
      '::warning file=specs/a b%2Cc%3Ad.yaml,line=1,col=1,endLine=1,endColumn=1,title=interlace yaml-warning::100%25 odd%0Asecond line',
    );
  });

  it('json carries every field, a fingerprint and counts', () => {
    const report = JSON.parse(FORMATTERS.json!(input));
    expect(report.summary).toEqual({ files: 1, documents: 1, errors: 1, warnings: 1, infos: 0, hints: 0 });
    expect(report.diagnostics[0]).toMatchObject({ ...diagnostics[0], fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });
});
