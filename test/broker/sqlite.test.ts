// The embedded backbone: the shared contract, plus what only a file-backed store has to show — a
// kill -9 of the process loses nothing it acknowledged, and a full disk is a clear error with nothing
// acknowledged that was not stored.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackboneStorageFullError } from '../../runtime/backbone/errors.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { describeBackbone, enc, freshTopic, text, waitFor } from './backbone-contract.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-sqlite-backbone-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describeBackbone('sqlite (embedded)', async () => {
  const path = join(tempDir(), 'backbone.db');
  return {
    open: () => openSqliteBackbone({ path, pollIntervalMs: 50 }),
    restart: async (current) => {
      await current.close();
      return openSqliteBackbone({ path, pollIntervalMs: 50 });
    },
    close: async () => {},
  };
});

const REPO = resolve(import.meta.dirname, '../..');
const NODE = process.execPath;

describe('sqlite backbone: process crash and full disk', () => {
  it('a kill -9 mid-stream loses no publish that resolved and no ack that resolved', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const path = join(dir, 'crash.db');
    const script = join(dir, 'child.ts');
    // The child publishes as fast as it can and prints each sequence once publish resolved; it also
    // consumes and prints each sequence once ack resolved. We kill -9 it mid-way.
    writeFileSync(
      script,
      `
      import { openSqliteBackbone } from ${JSON.stringify(join(REPO, 'runtime/backbone/sqlite-backbone.ts'))};
      const bb = await openSqliteBackbone({ path: ${JSON.stringify(path)} });
      await bb.ensureTopic('crash.test');
      await bb.subscribe('crash.test', 'c', async (d) => { await d.ack(); process.stdout.write('A' + d.sequence + '\\n'); }, { maxInFlight: 16, ackWaitMs: 1000 });
      process.stdout.write('ready\\n');
      for (let i = 1; ; i++) {
        const batch = [];
        for (let j = 0; j < 20; j++) batch.push(bb.publish('crash.test', new TextEncoder().encode('m'), { messageId: 'id' + i + '-' + j }));
        for (const r of await Promise.all(batch)) process.stdout.write('P' + r.sequence + '\\n');
      }
    `,
    );
    const child = spawn(NODE, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    await waitFor('child publishing', () => (out.match(/^P/gm)?.length ?? 0) > 2_000, 30_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const lines = out.split('\n').slice(0, -1); // the last line may be cut
    const published = lines.filter((l) => l.startsWith('P')).map((l) => Number(l.slice(1)));
    const acked = new Set(lines.filter((l) => l.startsWith('A')).map((l) => Number(l.slice(1))));
    expect(published.length).toBeGreaterThan(2_000);

    const bb = await openSqliteBackbone({ path });
    try {
      const stored = await bb.read('crash.test', 1, 1_000_000);
      const storedSeqs = new Set(stored.map((m) => m.sequence));
      for (const seq of published) expect(storedSeqs.has(seq)).toBe(true);
      // sequences have no gaps: a rolled-back batch does not burn numbers
      expect(stored.map((m) => m.sequence)).toEqual(stored.map((_, i) => i + 1));
      // every message not acked before the crash is still pending; acked ones are never delivered again
      const again = new Set<number>();
      await bb.subscribe('crash.test', 'c', async (d) => {
        again.add(d.sequence);
        await d.ack();
      });
      await waitFor('backlog drained', async () => (await bb.pending('crash.test', 'c')) === 0, 20_000);
      for (const seq of again) expect(acked.has(seq)).toBe(false);
      // an ack that committed just before the kill may not have been printed: at most maxInFlight (16)
      expect(again.size + acked.size).toBeLessThanOrEqual(stored.length);
      expect(again.size + acked.size).toBeGreaterThanOrEqual(stored.length - 16);
    } finally {
      await bb.close();
    }
  });

  /** Mounts a 1 MiB tmpfs when we may (root in a sandbox that allows it); undefined otherwise. */
  function smallTmpfs(): string | undefined {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
    const dir = join(tempDir(), 'tmpfs');
    mkdirSync(dir);
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' });
    if (r.status !== 0) return undefined;
    return dir;
  }

  async function fillUntilFull(path: string, maxBytes?: number) {
    const bb = await openSqliteBackbone(maxBytes === undefined ? { path } : { path, maxBytes });
    await bb.ensureTopic('disk.full');
    const confirmed: number[] = [];
    let error: unknown;
    const payload = new Uint8Array(4_000).fill(7);
    for (let i = 0; i < 10_000 && error === undefined; i++) {
      // concurrent publishes share a commit: when it fails, every one of them must fail
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => bb.publish('disk.full', payload)));
      for (const r of results) {
        if (r.status === 'fulfilled') confirmed.push(r.value.sequence);
        else error = r.reason;
      }
    }
    return { bb, confirmed, error };
  }

  async function checkFullDisk(path: string, maxBytes?: number): Promise<void> {
    const { bb, confirmed, error } = await fillUntilFull(path, maxBytes);
    try {
      expect(error).toBeInstanceOf(BackboneStorageFullError);
      expect((error as Error).message).toMatch(/full.*not stored/);
      expect(confirmed.length).toBeGreaterThan(10);
      // it stays full and says so (no hang, no silent success); reading still works
      await expect(bb.publish('disk.full', new Uint8Array(200_000))).rejects.toBeInstanceOf(BackboneStorageFullError);
      expect((await bb.read('disk.full', 1, 5)).length).toBe(5);
    } finally {
      await bb.close();
    }
    // After reopening: exactly the confirmed messages exist — nothing acknowledged was lost, nothing
    // unacknowledged appears, and the sequences have no holes.
    const reopened = await openSqliteBackbone({ path });
    try {
      const stored = await reopened.read('disk.full', 1, 1_000_000);
      expect(stored.map((m) => m.sequence)).toEqual(confirmed.sort((a, b) => a - b));
      expect(stored.map((m) => m.sequence)).toEqual(stored.map((_, i) => i + 1));
    } finally {
      await reopened.close();
    }
  }

  it('a full disk (1 MiB tmpfs) makes publish fail with BackboneStorageFullError; nothing unstored is acknowledged', {
    timeout: 60_000,
  }, async (ctx) => {
    const dir = smallTmpfs();
    if (!dir) {
      ctx.skip('cannot mount a tmpfs here (needs root on Linux); the maxBytes test below covers the same path');
      return;
    }
    try {
      await checkFullDisk(join(dir, 'full.db'));
    } finally {
      // a failed test may leave the file open: fall back to a lazy unmount so no mount outlives the run
      if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    }
  });

  it('a store at its size cap (maxBytes, SQLite max_page_count) fails the same way', { timeout: 60_000 }, async () => {
    await checkFullDisk(join(tempDir(), 'capped.db'), 512 * 1024);
  });

  it('keeps a dedupe window: an id is a duplicate inside it and new after it', async () => {
    const path = join(tempDir(), 'window.db');
    const bb = await openSqliteBackbone({ path, dedupeWindowMs: 300 });
    try {
      const topic = freshTopic('window');
      await bb.ensureTopic(topic);
      expect((await bb.publish(topic, enc.encode('a'), { messageId: 'x' })).duplicate).toBe(false);
      expect((await bb.publish(topic, enc.encode('b'), { messageId: 'x' })).duplicate).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      const later = await bb.publish(topic, enc.encode('c'), { messageId: 'x' });
      expect(later).toEqual({ sequence: 2, duplicate: false });
      expect((await bb.read(topic, 1, 10)).map(text)).toEqual(['a', 'c']);
    } finally {
      await bb.close();
    }
  });
});
