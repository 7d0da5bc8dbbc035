// kill -9 of the file pickup process in the middle of a file, twice, then a restart: every row of the
// file is stored on the backbone exactly once (counted in the stream, not in publish calls), and the
// file is archived only after the last row is stored.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openJetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import { natsServerOrSkipReason, startNatsServer } from '../harness/nats-server.ts';
import type { NatsServer } from '../harness/nats-server.ts';
import { stored, waitFor } from './files-support.ts';

const nats = await natsServerOrSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'files-kill-'));
let server: NatsServer | undefined;
let backbone: JetStreamBackbone;
const children: ChildProcess[] = [];
const TOPIC = 'partner.row.received';
const ROWS = 20_000;

beforeAll(async () => {
  if ('skip' in nats) return;
  server = await startNatsServer(nats.binary);
  backbone = await openJetStreamBackbone({ servers: server.url, name: 'files-kill-test' });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await backbone?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startPickup(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'pickup-process.ts'), server!.url, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  await waitFor('the pickup to start', () => out.includes('started') || child.exitCode !== null);
  return child;
}

async function count(): Promise<number> {
  try {
    // A consumer that does not exist counts every stored message: cheap, unlike reading them.
    return await backbone.pending(TOPIC, 'nobody');
  } catch {
    return 0;
  }
}

it.skipIf('skip' in nats)(
  'kill -9 mid-file twice: every row stored once, the file archived after the restart',
  async () => {
    const rows = Array.from({ length: ROWS }, (_, i) => `${i},row ${i},"quoted, ${i}"`);
    writeFileSync(join(dir, 'rows.csv'), `n,name,note\n${rows.join('\n')}\n`);
    for (const killAt of [ROWS * 0.2, ROWS * 0.55]) {
      const child = await startPickup();
      await waitFor(`${killAt} rows stored`, async () => (await count()) >= killAt, 60_000);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(existsSync(join(dir, 'rows.csv'))).toBe(true);
      expect(await count()).toBeLessThan(ROWS);
    }
    await startPickup();
    await waitFor('the file to be archived', () => existsSync(join(dir, 'archive', 'rows.csv')), 60_000);
    const messages = await stored(backbone, TOPIC);
    expect(messages).toHaveLength(ROWS);
    expect(new Set(messages.map((m) => m.id)).size).toBe(ROWS);
    expect(new Set(messages.map((m) => m.payload.n)).size).toBe(ROWS);
    expect(messages.find((m) => m.payload.n === '1234')?.payload).toEqual({ n: '1234', name: 'row 1234', note: 'quoted, 1234' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
  },
  180_000,
);
