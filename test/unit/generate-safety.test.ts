import { describe, expect, it } from 'vitest';
import { ValidationSession } from '../../language/validation-session.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { GeneratedProgram } from '../../generators/mappings/typecheck.ts';
import { runMappingTests, testBundle } from '../../generators/testing/run-tests.ts';
import { tempTree } from '../helpers/temp-tree.ts';

/**
 * Spec text never becomes code: hostile field names, lookup keys, constants and expressions either
 * are rejected with a diagnostic, or compile and behave as data (and nothing runs that the spec wrote).
 */
const HOSTILE = [
  '"); process.exit(1); //',
  '`; process.exit(1); `${1}',
  '*/ process.exit(1); /*',
  "'); globalThis.pwned = 1; ('",
  '\u2028process.exit(1)',
  'о́rder', // Cyrillic look-alike with a combining mark
  '${process.exit(1)}',
  '</script><script>',
];

const yamlString = (s: string) => JSON.stringify(s);

function estate(): Record<string, string> {
  const props = HOSTILE.map((name) => `      ${yamlString(name)}: { type: string }`).join('\n');
  const rules = HOSTILE.map(
    (name) => `    - { target: ${yamlString(`["${name.replace(/"/g, '')}"]`)}, from: ${yamlString(`["${name.replace(/"/g, '')}"]`)} }`,
  );
  const cleanProps = HOSTILE.map((name) => `      ${yamlString(name.replace(/"/g, ''))}: { type: string }`).join('\n');
  void props;
  void rules;
  return {
    'specs/c.yaml': `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: weird }
spec:
  version: 1.0.0
  owner: t
  description: ${yamlString('*/ export const x = process.exit(1); /*')}
  schema:
    type: object
    properties:
${cleanProps}
      code: { type: string, description: ${yamlString('*/ process.exit(1) /*')} }
---
apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: hostile }
spec:
  from: weird@1
  to: weird@1
  lookups:
    t: { ${yamlString('"); process.exit(1); //')}: ${yamlString('`${process.exit(1)}`')}, "x": "y" }
  rules:
${HOSTILE.map((name) => `    - { target: ${yamlString(`["${name.replace(/"/g, '')}"]`)}, from: ${yamlString(`["${name.replace(/"/g, '')}"]`)} }`).join('\n')}
    - { target: code, lookup: { table: t, from: code } }
  tests:
    - name: hostile data stays data
      input: { code: ${yamlString('"); process.exit(1); //')}, ${yamlString("'); globalThis.pwned = 1; ('")}: "v" }
      expected: { code: ${yamlString('`${process.exit(1)}`')}, ${yamlString("'); globalThis.pwned = 1; ('")}: "v" }
`,
  };
}

async function generateTree(files: Record<string, string>) {
  const tree = tempTree(files);
  try {
    const run = new ValidationSession().run(['specs'], { cwd: tree.root });
    const result = await new Generator().generate({
      documents: run.result.documents,
      index: run.result.index,
      support: readSupportSources(),
    });
    return { run, result };
  } finally {
    tree.cleanup();
  }
}

describe('generation safety', () => {
  it('compiles hostile field names, descriptions and lookup entries into code that treats them as data', async () => {
    const { run, result } = await generateTree(estate());
    expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.diagnostics).toEqual([]);
    const program = new GeneratedProgram();
    const ts = new Map([...result.files].filter(([p]) => p.endsWith('.ts')));
    program.update(ts);
    expect(program.check([...ts.keys()])).toEqual([]);
    const module = await import(`data:text/javascript;base64,${Buffer.from(testBundle(result.files, result.mappings)).toString('base64')}`);
    const results = runMappingTests(result.mappings, module, () => ({ ok: false, message: 'unused' }));
    expect(results.map((r) => r.error ?? 'passed')).toEqual(['passed']);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
    // Hostile text appears only inside string literals and comments that cannot close.
    const mapping = result.files.get('mappings/hostile.ts')!;
    expect(mapping).not.toMatch(/^\s*process\.exit/m);
    expect(result.files.get('types.ts')!).not.toContain('*/ export const x');
  });

  it('rejects reserved names and unsupported expressions with positioned diagnostics', async () => {
    const { result } = await generateTree({
      'specs/c.yaml': `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: a }
spec:
  version: 1.0.0
  owner: t
  schema: { type: object, properties: { x: { type: string } } }
---
apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: m }
spec:
  from: a@1
  to: a@1
  rules:
    - { target: x, from: __proto__ }
    - { target: x, expr: 'source.constructor', when: 'true' }
    - { target: x, expr: 'string(size(source.x)) + "\\"); process.exit(1); //"', when: 'false' }
    - { target: x, expr: 'string(duration(source.x))', when: 'source.x == ""' }
`,
    });
    const found = result.diagnostics.map((d) => [d.code, d.range.start.line, d.message]);
    expect(found).toEqual([
      ['mapping-field-unknown', 16, expect.stringMatching(/"__proto__" is reserved/)],
      ['mapping-unsupported', 17, expect.stringMatching(/"constructor" is reserved/)],
      ['mapping-unsupported', 19, expect.stringMatching(/`duration` is not supported/)],
    ]);
  });
});
