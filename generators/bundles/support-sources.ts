import { readdirSync, readFileSync } from 'node:fs';

/**
 * Reads the runtime support modules (generators/support/*.ts) that generated code imports.
 * The only I/O of the generate stage's callers besides specs; the stage itself receives the texts.
 */
export function readSupportSources(): Map<string, string> {
  const dir = new URL('../support/', import.meta.url);
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.ts'))
    .sort()) {
    out.set(name, readFileSync(new URL(name, dir), 'utf8'));
  }
  return out;
}
