// Builds what the npm package ships: dist/ (the product layers compiled by tsc, with declarations) plus
// the files the compiled code reads at run time. docs/decisions/0008-publish-compiled-javascript.md.
//   node scripts/build-package.ts
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

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

// generators/support/*.ts is copied as TEXT into every generated estate (generators/bundles/support-sources.ts),
// so its sources ship next to their compiled form.
for (const name of readdirSync(`${root}generators/support`).filter((n) => n.endsWith('.ts'))) {
  cpSync(`${root}generators/support/${name}`, `${dist}generators/support/${name}`);
}
// The estate map's page (runtime/map/map-handler.ts reads it next to its compiled module).
cpSync(`${root}runtime/map/page`, `${dist}runtime/map/page`, { recursive: true });
// `interlace init` copies its templates (data files, not code).
cpSync(`${root}cli/init/templates`, `${dist}cli/init/templates`, { recursive: true });
console.error('build: dist/ written');
