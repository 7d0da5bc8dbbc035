import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';

/** Which CI system the scaffold gets a pipeline for. */
export type CiChoice = 'github' | 'gitlab' | 'none';
export const CI_CHOICES: readonly CiChoice[] = ['github', 'gitlab', 'none'];

/** What `interlace init` fills into its templates. */
export interface ScaffoldOptions {
  /** npm package name of the estate repository. */
  name: string;
  ci: CiChoice;
  /** Interlace's own version: the estate depends on `^version`. */
  interlaceVersion: string;
  /** The re2js range Interlace depends on: generated validators import it (linear-time patterns). */
  re2jsRange: string;
}

/** Template paths that belong to one CI system; every other template is always written. */
const CI_FILES: Record<string, CiChoice> = {
  '.github/workflows/interlace.yml': 'github',
  '.gitlab-ci.yml': 'gitlab',
};

const TEMPLATES = new URL('./templates/', import.meta.url);

/**
 * The files of a new estate repository: relative posix path → content. The templates are data files
 * under cli/init/templates/ (shipped in the package). A path segment `dot-x` is written as `.x`,
 * because npm leaves files such as `.gitignore` out of packages.
 */
export function scaffoldFiles(options: ScaffoldOptions): Map<string, string> {
  const files = new Map<string, string>();
  for (const template of listTemplates(TEMPLATES, '')) {
    const path = template
      .split('/')
      .map((segment) => (segment.startsWith('dot-') ? `.${segment.slice(4)}` : segment))
      .join('/');
    const onlyFor = CI_FILES[path];
    if (onlyFor !== undefined && onlyFor !== options.ci) continue;
    const text = readFileSync(new URL(template, TEMPLATES), 'utf8');
    // Plain placeholders, not `{{ }}`: the GitHub workflow has its own `${{ … }}` expressions.
    files.set(
      path,
      text
        .replaceAll('__NAME__', options.name)
        .replaceAll('__INTERLACE_VERSION__', options.interlaceVersion)
        .replaceAll('__RE2JS_RANGE__', options.re2jsRange),
    );
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function listTemplates(root: URL, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(new URL(prefix, root), { withFileTypes: true })) {
    const relative = posix.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...listTemplates(root, `${relative}/`));
    else if (entry.isFile()) out.push(relative);
  }
  return out;
}

/** npm's rules for a package name (lower case, URL-safe, at most 214 characters, optional scope). */
export function isValidPackageName(name: string): boolean {
  return name.length <= 214 && /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name);
}

/** A package name derived from a folder name: `My Estate` → `my-estate`. */
export function packageNameFrom(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9-._~]+/g, '-')
    .replace(/^[-._]+|-+$/g, '');
  return name === '' ? 'integration-estate' : name.slice(0, 214);
}
