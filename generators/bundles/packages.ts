import { readFileSync } from 'node:fs';

/**
 * npm packages that generators/support imports by bare name. A bundle must run with no package
 * installed, so the linker links each package's ES module build in like any other module, and the
 * in-memory type check of generated code is given each package's declarations.
 * re2js: the linear-time regular expressions of generated validators (support/linear-regexp.ts).
 */
export const SUPPORT_PACKAGES = ['re2js'] as const;

let sources: Map<string, string> | undefined;
let declarations: Map<string, string> | undefined;

/** Bare name → the text of the package's ES module build (read once per process). */
export function supportPackages(): ReadonlyMap<string, string> {
  sources ??= new Map(SUPPORT_PACKAGES.map((name) => [name, readFileSync(new URL(import.meta.resolve(name)), 'utf8')]));
  return sources;
}

/** Bare name → the package's TypeScript declarations (the `.d.ts` next to its ES module build). */
export function supportPackageDeclarations(): ReadonlyMap<string, string> {
  declarations ??= new Map(
    SUPPORT_PACKAGES.map((name) => [name, readFileSync(new URL(import.meta.resolve(name).replace(/\.js$/, '.d.ts')), 'utf8')]),
  );
  return declarations;
}
