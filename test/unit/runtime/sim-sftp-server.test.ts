// The simulated partner SFTP server of `interlace run` (runtime/simulate/sftp-server.ts) with the
// estate's own SFTP client (SftpFileStore): only the authorized key logs in, the host key is pinned,
// files land in the mounted local folder, nothing outside a mount is reachable (not with `..` either),
// and a FileSink write over an existing name replaces it although the server, like any SFTP server
// without OpenSSH's posix-rename, refuses a rename onto an existing name.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SftpFileStore } from '../../../runtime/adapters/files/sftp-file-store.ts';
import { newSftpLogin, SimSftpServer } from '../../../runtime/simulate/sftp-server.ts';

const { utils } = ssh2;
const dir = mkdtempSync(join(tmpdir(), 'sim-sftp-'));
const server = new SimSftpServer('partner');
const login = newSftpLogin();
const stores: SftpFileStore[] = [];

function store(privateKey: string, hostKey = server.hostPublicKey, username = 'acme'): SftpFileStore {
  const s = new SftpFileStore({ host: '127.0.0.1', port: server.port, username, privateKey, hostKey, readyTimeoutMs: 5_000 });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  server.mount('/inbound', join(dir, 'inbound'));
  server.authorize('acme', login.publicKey);
  await server.start();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('writes atomically into the mounted folder; a second write of a name replaces it', async () => {
  const sftp = store(login.privateKey);
  await sftp.ensureDirectory('/inbound/850');
  await sftp.write('/inbound/850/po-1.x12', Buffer.from('first'));
  await sftp.write('/inbound/850/po-1.x12', Buffer.from('second'));
  expect(readdirSync(join(dir, 'inbound/850'))).toEqual(['po-1.x12']);
  expect(readFileSync(join(dir, 'inbound/850/po-1.x12'), 'utf8')).toBe('second');
  expect(await sftp.list('/inbound/850')).toMatchObject([{ name: 'po-1.x12', size: 6 }]);
  expect((await sftp.read('/inbound/850/po-1.x12', 100)).toString()).toBe('second');
  await sftp.move('/inbound/850/po-1.x12', '/inbound/po-1.x12');
  expect(await sftp.stat('/inbound/po-1.x12')).toMatchObject({ size: 6 });
  expect(server.traffic.written).toBe(2);
});

it('refuses paths outside its mounts, with or without ..', async () => {
  const sftp = store(login.privateKey);
  await expect(sftp.list('/etc')).rejects.toThrow(/outside the partner's folders/);
  await expect(sftp.read('/inbound/../../etc/passwd', 10_000)).rejects.toThrow(/outside the partner's folders/);
  await expect(sftp.write('/outbound/x', Buffer.from('x'))).rejects.toThrow(/outside the partner's folders/);
});

it('logs in only the authorized key and user, and is refused when its host key is not the pinned one', async () => {
  await expect(store(newSftpLogin().privateKey).list('/inbound')).rejects.toThrow(/authentication/i);
  await expect(store(login.privateKey, server.hostPublicKey, 'someone-else').list('/inbound')).rejects.toThrow(/authentication/i);
  await expect(store(login.privateKey, newSftpLogin().publicKey).list('/inbound')).rejects.toThrow(/not the pinned one/);
});

it('makes key pairs ssh2 can read (its generator writes an unreadable ed25519 key about 3 times in 1,000)', () => {
  for (let i = 0; i < 1_000; i++) {
    const pair = newSftpLogin();
    expect(utils.parseKey(pair.privateKey)).not.toBeInstanceOf(Error);
    expect(utils.parseKey(pair.publicKey)).not.toBeInstanceOf(Error);
  }
});
