// One measurement of bench/validate.ts, in a fresh process: prints {ms, rssMb, documents, ...} as JSON.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ValidationSession } from '../language/validation-session.ts';
import type { KindName } from '../language/kinds/registry.ts';
import { kindValidators } from '../language/validate/schema-validators.ts';

const [mode, root] = process.argv.slice(2) as [string, string];

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : entry.name.endsWith('.yaml') ? [join(dir, entry.name)] : [],
  );
}

if (mode === 'floor') {
  const validators = kindValidators(); // compiled before the clock starts, like a precompiled validator
  const started = performance.now();
  let documents = 0;
  for (const file of listFiles(root)) {
    const value = parse(readFileSync(file, 'utf8')) as { kind: KindName };
    validators.get(value.kind)!(value);
    documents++;
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, rssMb: process.resourceUsage().maxRSS / 1024, documents }));
} else {
  const session = new ValidationSession();
  const started = performance.now();
  const result = session.run([root], { cwd: root });
  const ms = performance.now() - started;
  // --watch: one mapping changes; the session re-reads the tree and re-checks what changed.
  const changed = join(root, 'mappings', 'mapping-0.yaml');
  const original = readFileSync(changed, 'utf8');
  writeFileSync(changed, original.replace('owner: team-0', 'owner: team-changed'));
  const watchStarted = performance.now();
  session.update([changed]);
  const watchMs = performance.now() - watchStarted;
  writeFileSync(changed, original);
  process.stdout.write(
    JSON.stringify({
      ms,
      watchMs,
      rssMb: process.resourceUsage().maxRSS / 1024,
      documents: result.documentCount,
      diagnostics: result.diagnostics.length,
    }),
  );
}
