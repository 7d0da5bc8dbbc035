// The layer picture in docs/architecture.md and the import rules in .dependency-cruiser.cjs say the
// same thing: this test reads both and fails when one changes without the other. It also cruises a
// small tree with an upward import, so the rules are shown to reject what they should.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { tempTree } from '../helpers/temp-tree.ts';

const root = new URL('../../', import.meta.url).pathname;

interface PathCondition {
  path?: string;
  pathNot?: string;
  circular?: boolean;
  couldNotResolve?: boolean;
}
interface Rule {
  name: string;
  severity: string;
  from: PathCondition;
  to: PathCondition;
}
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as { forbidden: Rule[] };

/** Layers from the picture between the layers:begin/end markers, top first; each layer is a list of sibling folders. */
function layersInArchitectureDoc(): string[][] {
  const text = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const picture = /<!-- layers:begin[^>]*-->([\s\S]*?)<!-- layers:end -->/.exec(text)?.[1];
  if (picture === undefined) throw new Error('docs/architecture.md has no layers:begin/layers:end picture');
  return picture
    .split('\n')
    .filter((line) => line.trim().startsWith('│'))
    .map((line) =>
      line
        .split('│')
        .map((cell) => cell.trim())
        .filter(Boolean),
    );
}

const matches = (condition: PathCondition, path: string): boolean =>
  (condition.path === undefined || new RegExp(condition.path).test(path)) &&
  (condition.pathNot === undefined || !new RegExp(condition.pathNot).test(path));

/** True when no path rule of the configuration forbids a module in `from/` importing one in `to/`. */
function rulesAllow(from: string, to: string): boolean {
  return !config.forbidden.some(
    (rule) =>
      rule.severity === 'error' &&
      !rule.to.circular &&
      !rule.to.couldNotResolve &&
      matches(rule.from, `${from}/module.ts`) &&
      matches(rule.to, `${to}/module.ts`),
  );
}

describe('architecture: the layer picture and the import rules', () => {
  const layers = layersInArchitectureDoc();
  const folders = layers.flat();

  it('the picture names every product folder once, and each exists', () => {
    expect(folders).toEqual(['cli', 'controller', 'runtime', 'governance', 'generators', 'language', 'lib']);
    for (const folder of folders) expect(existsSync(join(root, folder)), folder).toBe(true);
  });

  it('a folder may import exactly itself and the layers drawn below it', () => {
    const levelOf = new Map(layers.flatMap((layer, level) => layer.map((folder) => [folder, level] as const)));
    const differences: string[] = [];
    for (const from of folders) {
      for (const to of folders) {
        const pictured = from === to || levelOf.get(to)! > levelOf.get(from)!;
        if (rulesAllow(from, to) !== pictured) {
          differences.push(`${from} → ${to}: picture says ${pictured ? 'allowed' : 'forbidden'}, rules say the opposite`);
        }
      }
    }
    expect(differences).toEqual([]);
  });

  it('only bin/, test/, bench/ and scripts/ import the CLI, and product code never imports them', () => {
    for (const driver of ['bin', 'test', 'bench', 'scripts']) {
      expect(rulesAllow(driver, 'cli'), driver).toBe(true);
      for (const folder of folders) expect(rulesAllow(folder, driver), `${folder} → ${driver}`).toBe(false);
    }
  });

  it('dependency-cruiser with these rules rejects an upward import and a cycle across folders', async () => {
    const tree = tempTree({
      'lib/helper.ts': "import { run } from '../runtime/worker.ts';\nexport const helper = run;\n",
      'runtime/worker.ts': "import { helper } from '../lib/helper.ts';\nexport const run = (): unknown => helper;\n",
      'language/kinds.ts': 'export const kinds = 1;\n',
    });
    try {
      const result = await cruise(['lib', 'runtime', 'language'], {
        baseDir: tree.root,
        validate: true,
        ruleSet: { forbidden: config.forbidden } as never,
        tsPreCompilationDeps: true,
      });
      const output = result.output as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
      const found = output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
      expect(found).toEqual([
        'lib-imports-only-down: lib/helper.ts → runtime/worker.ts',
        'no-circular-between-folders: lib/helper.ts → runtime/worker.ts',
      ]);
    } finally {
      tree.cleanup();
    }
  });
});
