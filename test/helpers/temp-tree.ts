import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A temporary folder filled with the given files; `cleanup()` removes it. */
export function tempTree(files: Record<string, string | Uint8Array>): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'interlace-test-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
