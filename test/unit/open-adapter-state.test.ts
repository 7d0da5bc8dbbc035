// openAdapterState on the embedded backbone (runtime/adapters/open-adapter-state.ts): a route assembled
// again (a hot reload under interlace run) gets the same node:sqlite connection for its file target's
// state, not one more open database per reload; another scope gets its own, in the same file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openAdapterState } from '../../runtime/adapters/open-adapter-state.ts';
import type { Backbone } from '../../runtime/backbone/backbone.ts';

const dir = mkdtempSync(join(tmpdir(), 'open-adapter-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('reuses one connection per state file and scope', async () => {
  const embedded = {} as Backbone;
  const first = await openAdapterState(embedded, dir, 'files/finance');
  const again = await openAdapterState(embedded, dir, 'files/finance');
  const other = await openAdapterState(embedded, dir, 'files/ledger');
  expect(again).toBe(first);
  expect(other).not.toBe(first);
  await first.put('k', 'v');
  expect(await again.get('k')).toBe('v');
  expect(await other.get('k')).toBeUndefined();
  await expect(openAdapterState(embedded, undefined, 'files/x')).rejects.toThrow(/needs a state directory/);
});
