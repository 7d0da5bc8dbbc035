// kill -9 of the file pickup process in the middle of a file, twice, then a restart: every row of the
// file is stored on the backbone exactly once (counted in the stream, not in publish calls), and the
// file is archived only after the last row is stored. From a local directory and over SFTP from a real
// OpenSSH server.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openJetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import { natsServerOrSkipReason, startNatsServer } from '../harness/nats-server.ts';
import type { NatsServer } from '../harness/nats-server.ts';
import { opensshOrSkipReason, startOpenSshServer } from '../harness/openssh-server.ts';
import type { OpenSshServer } from '../harness/openssh-server.ts';
import { stored, waitFor } from './files-support.ts';

const nats = await natsServerOrSkipReason();
const sshSkip = opensshOrSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'files-kill-'));
let server: NatsServer | undefined;
let sshd: OpenSshServer | undefined;
let backbone: JetStreamBackbone;
const children: ChildProcess[] = [];
const TOPIC = 'partner.row.received';
const ROWS = 20_000;

beforeAll(async () => {
  if ('skip' in nats) return;
  server = await startNatsServer(nats.binary);
  backbone = await openJetStreamBackbone({ servers: server.url, name: 'files-kill-test' });
  if (!sshSkip) sshd = await startOpenSshServer();
}, 60_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await backbone?.close();
  await server?.stop();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A pickup of `directory`: local, or over SFTP on the OpenSSH server when `sftp` is set. */
async function startPickup(directory: string, sftp: boolean): Promise<ChildProcess> {
  const args = [join(import.meta.dirname, 'pickup-process.ts'), server!.url, directory, join(dir, sftp ? 'state-sftp' : 'state')];
  if (sftp) args.push(sshd!.url, sshd!.hostPublicKey);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...(sftp ? { PARTNER_SFTP_PRIVATE_KEY: sshd!.privateKey } : {}) },
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

/** Kills the pickup of `file` in `directory` twice mid-file, restarts it, and counts what was stored. */
async function killMidFile(directory: string, file: string, sftp: boolean): Promise<void> {
  mkdirSync(directory, { recursive: true });
  const before = await count();
  const rows = Array.from({ length: ROWS }, (_, i) => `${i},row ${i},"quoted, ${i}"`);
  writeFileSync(join(directory, file), `n,name,note\n${rows.join('\n')}\n`);
  for (const killAt of [ROWS * 0.2, ROWS * 0.55]) {
    const child = await startPickup(directory, sftp);
    await waitFor(`${killAt} rows stored`, async () => (await count()) - before >= killAt, 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(join(directory, file))).toBe(true);
    expect((await count()) - before).toBeLessThan(ROWS);
  }
  const last = await startPickup(directory, sftp);
  await waitFor('the file to be archived', () => existsSync(join(directory, 'archive', file)), 60_000);
  last.kill('SIGKILL');
  // The file's name is part of each row's message id: the rows of this file only.
  const messages = (await stored(backbone, TOPIC)).filter((m) => m.id.includes(`:${file}:`));
  expect(messages).toHaveLength(ROWS);
  expect(new Set(messages.map((m) => m.id)).size).toBe(ROWS);
  expect(new Set(messages.map((m) => m.payload.n)).size).toBe(ROWS);
  expect(messages.find((m) => m.payload.n === '1234')?.payload).toEqual({ n: '1234', name: 'row 1234', note: 'quoted, 1234' });
  expect(readdirSync(directory).filter((f) => f.endsWith('.csv'))).toEqual([]);
}

it.skipIf('skip' in nats)(
  'kill -9 mid-file twice: every row stored once, the file archived after the restart',
  () => killMidFile(join(dir, 'local'), 'rows.csv', false),
  180_000,
);

it.skipIf('skip' in nats || sshSkip !== undefined)(
  'over SFTP on a real OpenSSH server, kill -9 mid-file twice: every row stored once, the file archived after the restart',
  () => killMidFile(join(sshd?.root ?? dir, 'rows'), 'rows-sftp.csv', true),
  180_000,
);
