import { existsSync, readFileSync } from 'node:fs';

/** The fields of Interlace's own package.json that the CLI reports or passes on. */
export interface InterlacePackage {
  version: string;
  dependencies: Record<string, string>;
}

/**
 * Interlace's own package.json: one folder up from cli/ in this repository, two up from dist/cli/ in
 * the installed package (the file that asks passes its own import.meta.url).
 */
export function interlacePackage(from: string | URL): InterlacePackage {
  for (const relative of ['../package.json', '../../package.json', '../../../package.json']) {
    const url = new URL(relative, from);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string; dependencies?: Record<string, string> };
    if (pkg.name === 'interlace' && pkg.version) return { version: pkg.version, dependencies: pkg.dependencies ?? {} };
  }
  return { version: 'unknown', dependencies: {} };
}
