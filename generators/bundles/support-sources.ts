import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ts } from 'ts-morph';

/** Where the installed package keeps generators/support's sources, relative to `dist/`. */
export const SUPPORT_SOURCES = 'generators/support-sources';

/**
 * Reads the runtime support modules (generators/support/*.ts) that generated code imports, as they
 * are written to `generated/support/`: their relative imports end in `.js` (see jsSpecifiers).
 * The only I/O of the generate stage's callers besides specs; the stage itself receives the texts.
 * In the installed package the sources are data in `dist/<SUPPORT_SOURCES>/` (scripts/build-package.ts),
 * apart from the compiled modules and their declarations in `dist/generators/support/`.
 */
export function readSupportSources(): Map<string, string> {
  const packaged = new URL(`../../${SUPPORT_SOURCES}/`, import.meta.url);
  const dir = existsSync(packaged) ? packaged : new URL('../support/', import.meta.url);
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts'))
    .sort()) {
    out.set(name, jsSpecifiers(readFileSync(new URL(name, dir), 'utf8')));
  }
  return out;
}

/**
 * The source with each relative import or re-export specifier ending in `.ts` rewritten to `.js`.
 * The repository runs generators/support with Node's type stripping, which needs `./x.ts`; generated
 * code is compiled in the user's project, where `"module": "nodenext"` refuses `.ts` specifiers
 * (TS5097) and maps `./x.js` to `./x.ts`.
 */
function jsSpecifiers(source: string): string {
  const edits = ts
    .preProcessFile(source, true, false)
    .importedFiles.filter((f) => f.fileName.startsWith('.') && f.fileName.endsWith('.ts') && !f.fileName.endsWith('.d.ts'));
  let out = source;
  for (const file of edits.sort((a, b) => b.pos - a.pos)) {
    // `pos` is at (or just before) the specifier's text, depending on the TypeScript version.
    const start = out.indexOf(file.fileName, file.pos);
    out = `${out.slice(0, start)}${file.fileName.slice(0, -'.ts'.length)}.js${out.slice(start + file.fileName.length)}`;
  }
  return out;
}
