import { readFileSync, readdirSync } from 'node:fs';
import { estateOf } from './estate.ts';
import type { ValidationResult } from '../../language/validate/validate-estate.ts';
import type { SpecDocument } from '../../language/validate/estate-index.ts';

const FIXTURES = new URL('../fixtures/workflows/', import.meta.url);

/** The files of test/fixtures/workflows (contracts, systems, routes and the replenishment workflow), by name. */
export function workflowFixtureFiles(): Record<string, string> {
  return Object.fromEntries(readdirSync(FIXTURES).map((f) => [f, readFileSync(new URL(f, FIXTURES), 'utf8')]));
}

/** The validated fixture estate, with files replaced or added by `overrides`; fails the test when invalid. */
export function workflowEstate(overrides: Record<string, string> = {}): { result: ValidationResult; workflow: SpecDocument<'Workflow'> } {
  const result = estateOf({ ...workflowFixtureFiles(), ...overrides });
  const workflow = result.index.ofKind('Workflow')[0];
  if (!workflow) throw new Error('no Workflow in the estate');
  return { result, workflow };
}
