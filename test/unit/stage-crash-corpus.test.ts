/**
 * The stage-crash corpus (test/corpus/stage-crashes/): each case is an overlay on the example estate
 * that once crashed a stage after `validate`. Whatever `validate` accepts, `check`, `generate`,
 * `test` and `plan --offline` must accept too (exit 0 or 1, never a failure of the tool); a case
 * with an `expect:` line must instead be rejected by `validate` with that diagnostic.
 */
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = join(REPO, 'test/corpus/stage-crashes');
/** Five commands, three of them generating code: a cold first case takes about 15 s on a loaded machine. */
const CASE_TIMEOUT = 90_000;

const STAGES: string[][] = [
  ['validate'],
  ['check'],
  ['generate', '--out', 'generated'],
  ['test'],
  ['plan', '--offline', '--nats', 'nats://nats:4222'],
];

interface CorpusCase {
  name: string;
  folder: string;
  expect?: { code: string; file: string };
}

function cases(): CorpusCase[] {
  return readdirSync(CORPUS)
    .filter((entry) => statSync(join(CORPUS, entry)).isDirectory())
    .sort()
    .map((name) => {
      const folder = join(CORPUS, name);
      const line = readFileSync(join(folder, 'case.txt'), 'utf8')
        .split('\n')
        .find((l) => l.startsWith('expect:'));
      const match = line ? /^expect:\s*([a-z0-9-]+)\s+in\s+(\S+)\s*$/.exec(line) : undefined;
      if (line && !match) throw new Error(`${name}/case.txt: write \`expect: <code> in <file>\``);
      return { name, folder, expect: match ? { code: match[1]!, file: match[2]! } : undefined };
    });
}

describe('stage-crash corpus', () => {
  const all = cases();

  it('has the cases of issue 10, finding 10', () => {
    expect(all.map((c) => c.name)).toEqual(
      expect.arrayContaining(['contract-example-circular-alias', 'contract-property-has-own-property', 'mapping-test-circular-alias']),
    );
  });

  for (const testCase of all) {
    it(
      `${testCase.name}: no stage fails`,
      async () => {
        const tree = tempTree({});
        try {
          cpSync(join(REPO, 'specs'), join(tree.root, 'specs'), { recursive: true });
          cpSync(testCase.folder, join(tree.root, 'specs'), { recursive: true, filter: (src) => !src.endsWith('case.txt') });
          const outcomes: string[] = [];
          for (const argv of STAGES) {
            const result = await runCli([...argv, '--verbose'], tree.root);
            if (argv[0] === 'validate' && testCase.expect) {
              expect(result.code, result.stdout).toBe(1);
              expect(result.stdout).toContain(testCase.expect.code);
              expect(result.stdout).toContain(`specs/${testCase.expect.file}`);
            }
            outcomes.push(`${argv[0]} → ${result.code}${result.code > 1 ? `: ${result.stderr.slice(0, 400)}` : ''}`);
          }
          expect(outcomes.filter((o) => !/→ [01]$/.test(o))).toEqual([]);
        } finally {
          tree.cleanup();
        }
      },
      CASE_TIMEOUT,
    );
  }
});
