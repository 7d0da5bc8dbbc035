// Writes charts/interlace/crds/*.yaml from the spec kinds' JSON Schemas (generators/crds).
//   node scripts/generate-crds.ts          # write
//   node scripts/generate-crds.ts --check  # write nothing; exit 1 when a file is missing, stale or extra
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdFiles } from '../generators/crds/crds.ts';

const dir = fileURLToPath(new URL('../charts/interlace/crds/', import.meta.url));
const check = process.argv.includes('--check');
const files = crdFiles();
const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')) : [];
const problems: string[] = [];
for (const [name, text] of files) {
  const path = join(dir, name);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === text) continue;
  if (check) problems.push(`${current === undefined ? 'missing' : 'stale'}: charts/interlace/crds/${name}`);
  else {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote charts/interlace/crds/${name}`);
  }
}
for (const name of present) {
  if (files.has(name)) continue;
  if (check) problems.push(`extra: charts/interlace/crds/${name}`);
  else {
    rmSync(join(dir, name));
    console.log(`removed charts/interlace/crds/${name}`);
  }
}
if (problems.length > 0) {
  console.error(`${problems.join('\n')}\nRun \`node scripts/generate-crds.ts\` and commit the result.`);
  process.exit(1);
}
if (check) console.log(`charts/interlace/crds: ${files.size} CRDs up to date`);
