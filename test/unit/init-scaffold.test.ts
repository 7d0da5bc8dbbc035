// `interlace init` scaffolds a project whose generated code runs there: ES modules, and the run-time
// packages generated code imports (re2js) as direct dependencies at the range Interlace itself uses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scaffoldFiles } from '../../cli/init/scaffold.ts';

const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };

describe('interlace init scaffold', () => {
  it('depends directly on what generated code imports, as an ES module project', () => {
    const files = scaffoldFiles({ name: 'acme-estate', ci: 'github', interlaceVersion: '1.2.3', re2jsRange: own.dependencies.re2js! });
    const pkg = JSON.parse(files.get('package.json')!) as {
      type?: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies).toEqual({ re2js: own.dependencies.re2js });
    expect(pkg.devDependencies).toEqual({ interlace: '^1.2.3' });
    expect([...files.keys()].some((p) => p.includes('__'))).toBe(false);
    for (const text of files.values()) expect(text).not.toMatch(/__(NAME|INTERLACE_VERSION|RE2JS_RANGE)__/);
  });
});
