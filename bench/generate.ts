/**
 * `npm run bench -- generate`: full generation of an estate of 500 contracts and 500 mappings
 * (types, validators, compiled and type-checked mappings), then an incremental rebuild after one
 * mapping changes (target ≤ 1 s). Specs are written to a temp folder and loaded and validated the
 * way the CLI does; the timings cover the generate stage only.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationSession } from '../language/validation-session.ts';
import { readSupportSources } from '../generators/bundles/support-sources.ts';
import { Generator } from '../generators/generate.ts';

const COUNT = 500;

function contract(i: number): string {
  const fields = Array.from(
    { length: 12 },
    (_, f) => `      f${f}: { type: ${f % 3 === 0 ? 'number' : 'string'}, description: Field ${f} of entity ${i}. }`,
  ).join('\n');
  return `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: entity-${i} }
spec:
  version: 1.0.0
  owner: team-${i % 9}
  schema:
    type: object
    required: [f0, f1]
    properties:
${fields}
      lines: { type: array, items: { type: object, required: [sku], properties: { sku: { type: string }, qty: { type: string } } } }
`;
}

function mapping(i: number, variant = ''): string {
  return `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: map-${i} }
spec:
  from: entity-${i}@1
  to: entity-${(i + 1) % COUNT}@1
  owner: team-${i % 9}
  rules:
    - { target: f0, from: f0 }
    - { target: f1, from: f1, convert: { trimLeadingZeros: true } }
    - { target: f2, expr: 'has(source.f2) ? source.f2 + "${variant}" : "none"' }
    - { target: f3, from: f3, default: 0 }
    - { target: f4, from: f4, convert: { case: upper } }
    - target: lines
      each: lines
      rules:
        - { target: sku, from: sku }
        - { target: qty, from: qty }
`;
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'interlace-bench-generate-'));
  try {
    mkdirSync(join(root, 'specs', 'contracts'), { recursive: true });
    mkdirSync(join(root, 'specs', 'mappings'), { recursive: true });
    for (let i = 0; i < COUNT; i++) {
      writeFileSync(join(root, 'specs', 'contracts', `entity-${i}.yaml`), contract(i));
      writeFileSync(join(root, 'specs', 'mappings', `map-${i}.yaml`), mapping(i));
    }
    const support = readSupportSources();
    const session = new ValidationSession();
    let validation = session.run(['specs'], { cwd: root });
    if (validation.diagnostics.some((d) => d.severity === 'error'))
      throw new Error(`synthetic estate does not validate: ${validation.diagnostics[0]!.message}`);
    const generator = new Generator();
    let start = performance.now();
    const full = await generator.generate({ documents: validation.result.documents, index: validation.result.index, support });
    const fullMs = performance.now() - start;
    if (full.diagnostics.length > 0) throw new Error(`generation reported: ${full.diagnostics[0]!.message}`);

    writeFileSync(join(root, 'specs', 'mappings', 'map-7.yaml'), mapping(7, '!'));
    validation = session.run(['specs'], { cwd: root });
    start = performance.now();
    const incremental = await generator.generate({ documents: validation.result.documents, index: validation.result.index, support });
    const incrementalMs = performance.now() - start;
    if (incremental.diagnostics.length > 0) throw new Error(`incremental generation reported: ${incremental.diagnostics[0]!.message}`);

    console.log(`generate: ${COUNT} contracts + ${COUNT} mappings → ${full.files.size} files, Node ${process.version}`);
    console.log(`  full generation (types, validators, mappings, type check)   ${(fullMs / 1000).toFixed(2)} s`);
    console.log(
      `  incremental, one mapping changed (rebuilt: ${incremental.rebuilt.join(', ')})   ${(incrementalMs / 1000).toFixed(2)} s   target ≤ 1 s`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
