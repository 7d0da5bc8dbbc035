import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchAndValidate } from '../../cli/watch.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const system = (name: string, hosting: string) => `apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: ${name} }
spec:
  type: wms
  hosting: ${hosting}
  endpoint: { protocol: http, url: "https://${name}.example.com" }
`;

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('validate --watch', () => {
  it('prints only what changed: a new finding, then its fix', async () => {
    const tree = tempTree({ 'specs/wms.yaml': system('wms', 'cloud'), 'specs/tms.yaml': system('tms', 'saas') });
    let out = '';
    const abort = new AbortController();
    const done = watchAndValidate(
      new ValidationSession(),
      {
        paths: ['specs'],
        format: 'stylish',
        failSeverity: 'error',
        maxFileBytes: 1 << 20,
        summary: false,
        watch: true,
        color: false,
      },
      {
        cwd: tree.root,
        stdout: (t) => {
          out += t;
        },
        stderr: () => {},
        color: false,
        version: 'test',
      },
      abort.signal,
    );
    try {
      await until(() => out.includes('watching specs'), 'the first run');
      expect(out).toContain('no problems in 2 documents in 2 files');
      out = '';
      writeFileSync(join(tree.root, 'specs/wms.yaml'), system('wms', 'clowd'));
      await until(() => out.includes('1 new'), 'the new finding');
      expect(out).toContain('`spec.hosting` is string "clowd"; allowed: on-prem, cloud, saas. Did you mean cloud?');
      expect(out).not.toContain('tms.yaml');
      expect(out).toMatch(/1 new, 0 fixed, 1 error in all — \d+ ms/);
      out = '';
      writeFileSync(join(tree.root, 'specs/wms.yaml'), system('wms', 'cloud'));
      await until(() => out.includes('1 fixed'), 'the fix');
      expect(out).toContain('- fixed  specs/wms.yaml:6:12');
      expect(out).toMatch(/0 new, 1 fixed, 0 errors in all/);
    } finally {
      abort.abort();
      expect(await done).toBe(0);
      tree.cleanup();
    }
  });
});
