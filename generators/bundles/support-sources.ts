import { readdirSync, readFileSync } from 'node:fs';

/**
 * Reads the runtime support modules (generators/support/*.ts) that generated code imports.
 * The only I/O of the generate stage's callers besides specs; the stage itself receives the texts.
 * In the installed package the folder also holds the compiled `.js` and `.d.ts` of each module
 * (scripts/build-package.ts ships the sources next to them); only the `.ts` sources are support.
 */
export function readSupportSources(): Map<string, string> {
  const dir = new URL('../support/', import.meta.url);
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts'))
    .sort()) {
    out.set(name, readFileSync(new URL(name, dir), 'utf8'));
  }
  return out;
}
