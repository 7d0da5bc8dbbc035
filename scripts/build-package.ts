// Builds what the npm package ships: dist/ (the product layers compiled by tsc, with declarations) plus
// the files the compiled code reads at run time. docs/decisions/0008-publish-compiled-javascript.md.
//   node scripts/build-package.ts
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUPPORT_SOURCES } from '../generators/bundles/support-sources.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist/`;

// A fresh dist/: a module deleted from the sources must not linger in the package.
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], {
  // All of the build's output goes to stderr: `npm pack --json` runs this (prepare) and its stdout must stay JSON.
  stdio: ['ignore', process.stderr, process.stderr],
});
// tsc exits 2 when it found type errors but wrote every file: `npm run typecheck` (in `npm test`) fails on
// those, so they must not also break `npm ci` (whose prepare script runs this build).
if (compiled.status === 2) console.warn('build: tsc reported type errors (see `npm run typecheck`); dist/ written anyway');
else if (compiled.status !== 0) {
  console.error('build: tsc failed; dist/ is incomplete');
  process.exit(1);
}

// Declarations only for what a user can import: the `types` of package.json's exports and the declarations
// they reach. The exports map blocks every other path, so the rest (the CLI's, the controller's, the
// runtime's internals: most of the declarations) would be shipped for nobody.
const RELATIVE_SPECIFIER = /((?:from|import\()\s*)'(\.{1,2}\/[^']+)'/g;
const reachable = new Set<string>();
const queue = exportedDeclarations();
while (queue.length > 0) {
  const file = queue.pop() as string;
  if (reachable.has(file) || !existsSync(file)) continue;
  reachable.add(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(RELATIVE_SPECIFIER))
    queue.push(`${join(dirname(file), match[2] as string).replace(/\.[cm]?[jt]s$/, '')}.d.ts`);
  // tsc keeps `./x.ts` in declarations; a user's `"module": "nodenext"` refuses that (TS5097), `./x.js` finds x.d.ts.
  writeFileSync(
    file,
    text.replace(RELATIVE_SPECIFIER, (_all, head: string, path: string) => `${head}'${path.replace(/\.ts$/, '.js')}'`),
  );
}
let pruned = 0;
for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  const file = join(dist, entry);
  if (file.endsWith('.d.ts') && !reachable.has(file)) {
    rmSync(file);
    pruned++;
  }
}
console.error(`build: kept ${reachable.size} declarations reachable from the package's exports, removed ${pruned}`);

function exportedDeclarations(): string[] {
  const { exports } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, unknown> };
  const types: string[] = [];
  for (const target of Object.values(exports))
    if (target !== null && typeof target === 'object' && typeof (target as { types?: unknown }).types === 'string')
      types.push(join(root, (target as { types: string }).types));
  if (types.length === 0)
    throw new Error(`build: no "types" in package.json's exports (${relative(root, dist)} would ship no declarations)`);
  return types;
}

// generators/support/*.ts is copied as TEXT into every generated estate (generators/bundles/support-sources.ts),
// so its sources ship as data in their own folder: next to the declarations, a user's type check would
// read them instead of the .d.ts and refuse their `./x.ts` imports.
for (const name of readdirSync(`${root}generators/support`).filter((n) => n.endsWith('.ts'))) {
  cpSync(`${root}generators/support/${name}`, `${dist}${SUPPORT_SOURCES}/${name}`);
}
// The estate map's page (runtime/map/map-handler.ts reads it next to its compiled module).
cpSync(`${root}runtime/map/page`, `${dist}runtime/map/page`, { recursive: true });
// `interlace init` copies its templates (data files, not code).
cpSync(`${root}cli/init/templates`, `${dist}cli/init/templates`, { recursive: true });
console.error('build: dist/ written');
