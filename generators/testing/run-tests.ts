import { applyMergePatch } from '../../lib/json-merge-patch.ts';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import { locate } from '../../language/diagnostics/locate.ts';
import type { MappingUnit } from '../generate.ts';
import { link } from '../bundles/link.ts';
import { validatorName } from '../shared/naming.ts';
import { didYouMean } from '../../lib/did-you-mean.ts';
import { fixtureRef, loadFixture } from './fixtures.ts';
import type { LoadedFixture } from './fixtures.ts';
import { describeDifference, diffJson } from './json-diff.ts';
import type { JsonDifference } from './json-diff.ts';

/** What `interlace test` reports for one test case. */
export interface TestResult {
  mapping: string;
  name: string;
  file: string;
  passed: boolean;
  differences: JsonDifference[];
  /** Why the test could not compare outputs (fixture unreadable, mapping threw, contract violated). */
  error?: string;
  diagnostics: Diagnostic[];
}

/** The compiled code the tests call: message functions and validators, by name. */
export type TestModule = Record<string, unknown>;

/** Reads a fixture file next to a spec; the only I/O, injected by the CLI. */
export type ReadFixture = (specFile: string, relativePath: string) => { ok: true; text: string } | { ok: false; message: string };

/** One ES module with every mapping (its message function) and validator, for `interlace test`. */
export function testBundle(files: ReadonlyMap<string, string>, units: readonly MappingUnit[]): string {
  const mappings = units.filter((u) => u.ok).map((u) => u.path);
  const validators = [
    ...new Set(
      units
        .filter((u) => u.ok)
        .flatMap((u) => [u.source.validatorPath, u.target.validatorPath, ...[...u.enrich.values()].map((c) => c.validatorPath)]),
    ),
  ]
    .filter((p) => files.has(p))
    .sort();
  return link({ modules: files, entries: [...mappings, ...validators] });
}

type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

/**
 * Runs every test of every mapping: input fixture → compiled mapping → compare with the expected
 * fixture, by JSON path. Inputs and outputs are also checked against their contracts, as the
 * runtime would. Pure apart from `read` and the compiled code it is given.
 */
export function runMappingTests(units: readonly MappingUnit[], module: TestModule, read: ReadFixture): TestResult[] {
  const results: TestResult[] = [];
  for (const unit of units) {
    const tests = unit.doc.spec.tests ?? [];
    for (const [i, test] of tests.entries()) {
      const file = unit.doc.source.file;
      const base = ['spec', 'tests', i];
      const fail = (error: string, at: (string | number)[], differences: JsonDifference[] = []): TestResult => ({
        mapping: unit.doc.name,
        name: test.name,
        file,
        passed: false,
        differences,
        error,
        diagnostics: [
          {
            code:
              differences.length > 0 ? 'mapping-test-failed' : error.startsWith('fixture') ? 'mapping-test-fixture' : 'mapping-test-failed',
            severity: 'error',
            file,
            path: at,
            range: locate(unit.doc.source, at),
            message: `test "${test.name}": ${error}${differences.length > 0 ? `\n${differences.map((d) => `  ${describeDifference(d)}`).join('\n')}` : ''}`,
            hint:
              differences.length > 0
                ? 'Fix the mapping rules, or the expected output if the mapping is right.'
                : 'See the message; fix the fixture or the mapping.',
          },
        ],
      });
      if (!unit.ok) {
        results.push(fail('not run: the mapping has errors (see above)', base));
        continue;
      }
      const input = load(test.input, file, read);
      if (!input.ok) {
        results.push(fail(`fixture input: ${input.message}`, [...base, 'input']));
        continue;
      }
      // The runtime validates every message against the source contract before mapping it, so a test
      // input the contract rejects would never reach the mapping in production.
      const sourceValidator = module[validatorName(unit.source.name, unit.source.major)] as Validate | undefined;
      const inputValid = sourceValidator ? sourceValidator(input.value) : true;
      if (test.expectRejected === true) {
        if (test.expected !== undefined) {
          results.push(fail('a test with expectRejected: true has no expected output; remove `expected`', [...base, 'expected']));
        } else if (inputValid) {
          results.push(
            fail(`the input satisfies ${unit.source.reference}, but the test says expectRejected: true`, [...base, 'expectRejected']),
          );
        } else {
          results.push({ mapping: unit.doc.name, name: test.name, file, passed: true, differences: [], diagnostics: [] });
        }
        continue;
      }
      if (!inputValid) {
        const e = sourceValidator?.errors?.[0];
        results.push(
          fail(
            `the input does not satisfy ${unit.source.reference}: ${e ? `${e.instancePath || '(root)'} ${e.message}` : 'invalid'}; the runtime would dead-letter it before mapping (fix the fixture, or say expectRejected: true)`,
            [...base, 'input'],
          ),
        );
        continue;
      }
      if (test.expected === undefined) {
        results.push(fail('no expected output: give `expected`, or say expectRejected: true', base));
        continue;
      }
      const expected = load(test.expected, file, read);
      if (!expected.ok) {
        results.push(fail(`fixture expected: ${expected.message}`, [...base, 'expected']));
        continue;
      }
      const stubs = enrichStubs(unit, test.enrich, file, read, module);
      if (!stubs.ok) {
        results.push(fail(stubs.message, [...base, ...stubs.at]));
        continue;
      }
      const map = module[unit.compiled.messageFunctionName] as ((message: unknown, enriched?: unknown) => unknown) | undefined;
      if (typeof map !== 'function') {
        results.push(fail('the compiled mapping is missing from the test bundle', base));
        continue;
      }
      let output: unknown;
      try {
        output = JSON.parse(JSON.stringify(stubs.enriched === undefined ? map(input.value) : map(input.value, stubs.enriched)));
      } catch (error) {
        results.push(fail(`the mapping failed: ${(error as Error).message}`, [...base, 'input']));
        continue;
      }
      // A fan-out mapping makes a list of messages: `expected` lists them, and each is checked on its own.
      if (unit.compiled.fanOut && !Array.isArray(expected.value)) {
        results.push(fail('the mapping fans out (`spec.each`): `expected` is the list of its output messages', [...base, 'expected']));
        continue;
      }
      const differences = diffJson(expected.value, output);
      if (differences.length > 0) {
        results.push(
          fail(
            `output differs from expected in ${differences.length} place${differences.length === 1 ? '' : 's'}`,
            [...base, 'expected'],
            differences,
          ),
        );
        continue;
      }
      const targetValidator = module[validatorName(unit.target.name, unit.target.major)] as Validate | undefined;
      const outputs = unit.compiled.fanOut ? (output as unknown[]) : [output];
      const invalid = targetValidator ? outputs.findIndex((o) => !targetValidator(o)) : -1;
      if (targetValidator && invalid >= 0) {
        const e = targetValidator.errors?.[0];
        const which = unit.compiled.fanOut ? `output ${invalid}` : 'the output';
        results.push(
          fail(`${which} does not satisfy ${unit.target.reference}: ${e ? `${e.instancePath || '(root)'} ${e.message}` : 'invalid'}`, [
            ...base,
            'expected',
          ]),
        );
        continue;
      }
      results.push({ mapping: unit.doc.name, name: test.name, file, passed: true, differences: [], diagnostics: [] });
    }
  }
  return results;
}

/**
 * The answers a test gives for the mapping's `spec.enrich` calls (`tests[].enrich.<name>`: the
 * entity the mapping reads as `enriched.<name>`, after `unwrap`), each checked against its contract
 * as the worker checks a real answer. A required call without a stub is an error; an optional one
 * without a stub is a 404 (absent). Undefined `enriched` when the mapping does not enrich.
 */
function enrichStubs(
  unit: MappingUnit,
  stubs: Record<string, unknown> | undefined,
  file: string,
  read: ReadFixture,
  module: TestModule,
): { ok: true; enriched: Record<string, unknown> | undefined } | { ok: false; message: string; at: (string | number)[] } {
  const declared = unit.doc.spec.enrich ?? {};
  const names = Object.keys(declared);
  for (const name of Object.keys(stubs ?? {})) {
    if (!Object.hasOwn(declared, name)) {
      const near = didYouMean(name, names);
      return {
        ok: false,
        message: `enrich.${name}: the mapping has no enrichment "${name}"${near ? `; did you mean "${near}"?` : ''} (it has: ${names.join(', ') || 'none'})`,
        at: ['enrich', name],
      };
    }
  }
  if (names.length === 0) return { ok: true, enriched: undefined };
  const enriched: Record<string, unknown> = {};
  for (const name of names) {
    const lookup = declared[name]!;
    if (stubs === undefined || !Object.hasOwn(stubs, name)) {
      if (lookup.optional === true) continue;
      return {
        ok: false,
        message: `the mapping enriches "${name}" (${lookup.system} ${lookup.operation}); give its answer as \`enrich: { ${name}: … }\` (inline, or { file, pointer })`,
        at: stubs === undefined ? [] : ['enrich'],
      };
    }
    const answer = load(stubs[name], file, read);
    if (!answer.ok) return { ok: false, message: `fixture enrich.${name}: ${answer.message}`, at: ['enrich', name] };
    const contract = unit.enrich.get(name);
    const validate = contract ? (module[validatorName(contract.name, contract.major)] as Validate | undefined) : undefined;
    if (validate && !validate(answer.value)) {
      const e = validate.errors?.[0];
      return {
        ok: false,
        message: `enrich.${name} does not satisfy ${contract!.reference}: ${e ? `${e.instancePath || '(root)'} ${e.message}` : 'invalid'}; the worker would refuse that answer`,
        at: ['enrich', name],
      };
    }
    enriched[name] = answer.value;
  }
  return { ok: true, enriched };
}

function load(fixture: unknown, specFile: string, read: ReadFixture): LoadedFixture {
  const ref = fixtureRef(fixture);
  if (ref.kind === 'inline') return { ok: true, value: ref.value };
  const text = read(specFile, ref.file);
  if (!text.ok) return { ok: false, message: `cannot read ${ref.file}: ${text.message}` };
  const loaded = loadFixture(ref.file, text.text, ref.pointer);
  if (!loaded.ok && loaded.line !== undefined)
    return { ...loaded, message: `${ref.file}:${loaded.line}:${loaded.column}: ${loaded.message}` };
  if (!loaded.ok || ref.merge === undefined) return loaded;
  const merged = applyMergePatch(loaded.value, ref.merge);
  return merged.ok ? { ok: true, value: merged.value } : { ok: false, message: merged.message };
}
