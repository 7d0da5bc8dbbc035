/**
 * Contract checks that hold up when run again and again, and read only what a message really has
 * (issue 10 #12, #13).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { loadSources } from '../../language/load/load-sources.ts';
import { readWorkingTree } from '../../language/source/read-working-tree.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';

const MiB = 1024 * 1024;

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('contract checks', () => {
  it('an optional property named like an Object.prototype member is absent from an example that lacks it', () => {
    const text = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: inherited-names }
spec:
  version: 1.0.0
  schema:
    type: object
    required: [id]
    properties:
      id: { type: string }
      toString: { type: string }
      valueOf: { type: number }
      hasOwnProperty: { type: boolean }
  examples:
    - id: a
    - { id: b, toString: text, valueOf: 3 }
`;
    const loaded = loadSources([{ path: 'inherited.yaml', text }]);
    expect(validateEstate(loaded.documents).diagnostics).toEqual([]);
  });

  it('validating the example estate 50 times keeps the heap flat: compiled schemas are reused', () => {
    const read = readWorkingTree(['specs']);
    const run = () => validateEstate(loadSources(read.files).documents);
    expect(run().diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 50; i++) run();
    collectGarbage();
    const grown = (process.memoryUsage().heapUsed - before) / MiB;
    console.log(`heap after 50 validations of specs/: ${grown >= 0 ? '+' : ''}${grown.toFixed(1)} MiB`);
    // Compiling every contract again grew the heap by about 2.3 MB per validation (115 MB for 50).
    expect(grown).toBeLessThan(15);
  }, 120_000);
});
