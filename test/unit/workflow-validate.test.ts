// Workflow validation: the example under test/fixtures/workflows is valid, and each mistake a person
// can make in a workflow comes back as a diagnostic with its code at the YAML line.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSources } from '../../language/load/load-sources.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';

const FIXTURES = new URL('../fixtures/workflows/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

/** The fixture estate with replenishment.yaml replaced by `workflow` (edited by the test). */
function diagnosticsOf(workflow: string) {
  const files = readdirSync(FIXTURES)
    .filter((f) => f !== 'replenishment.yaml')
    .map((f) => ({ path: f, text: fixture(f) }));
  const loaded = loadSources([...files, { path: 'replenishment.yaml', text: workflow }]);
  expect(loaded.diagnostics).toEqual([]);
  return validateEstate(loaded.documents).diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    file: d.file,
    line: d.range.start.line,
    message: d.message,
    hint: d.hint,
  }));
}

const EXAMPLE = fixture('replenishment.yaml');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('Workflow validation', () => {
  it('the example workflow is valid', () => {
    expect(diagnosticsOf(EXAMPLE)).toEqual([]);
  });

  it('a misspelt step field gets a did-you-mean at its line', () => {
    const text = EXAMPLE.replace('onTimeout: escalate\n        into: confirmation', 'onTimout: escalate\n        into: confirmation');
    const found = diagnosticsOf(text).filter((d) => d.code === 'schema-unknown-field');
    expect(found).toEqual([expect.objectContaining({ line: lineOf(text, 'onTimout') })]);
    expect(found[0]!.hint).toContain('onTimeout');
  });
});
