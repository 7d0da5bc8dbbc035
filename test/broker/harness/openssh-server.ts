// A real OpenSSH server for the SFTP tests: Debian's sshd (package openssh-server, installed by .ci/run),
// started per test file on a free loopback port as the current user, with a temporary host key, one
// authorized client key and the internal-sftp subsystem. Always torn down — by stop(), or by the
// process-exit hooks of test/cluster/harness/processes.ts if the run dies.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { logTail, onAbnormalExit, startComponent, stopComponents } from '../../cluster/harness/processes.ts';
import type { Component } from '../../cluster/harness/processes.ts';

const SSHD = '/usr/sbin/sshd';

export interface OpenSshServer {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** `sftp://user@127.0.0.1:port` */
  readonly url: string;
  /** The client's private key (OpenSSH format), authorized on the server. */
  readonly privateKey: string;
  /** The client's private key file (for the `sftp` command line tool). */
  readonly privateKeyFile: string;
  /** The server's host public key line (`ssh-ed25519 AAAA…`). */
  readonly hostPublicKey: string;
  /** A scratch directory the tests may use on the server (the server shares this machine's file system). */
  readonly root: string;
  stop(): Promise<void>;
}

/** The skip rule of the server-backed tiers: sshd is there, or a reason to skip (an error under INTERLACE_REQUIRE_ALL_TIERS=1). */
export function opensshOrSkipReason(): { skip: string } | undefined {
  if (existsSync(SSHD)) return undefined;
  const reason = `${SSHD} is missing (apt-get install openssh-server)`;
  if (process.env.INTERLACE_REQUIRE_ALL_TIERS === '1') throw new Error(reason);
  return { skip: `${reason}; set INTERLACE_REQUIRE_ALL_TIERS=1 to make this a failure` };
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => res(port));
    });
  });
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'interlace-test', '-f', file], { stdio: 'ignore' });
}

async function answersBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1').startsWith('SSH-2.0-'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function startOpenSshServer(): Promise<OpenSshServer> {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-sshd-'));
  let removed = false;
  const removeDir = (): void => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  const unhook = onAbnormalExit(removeDir);
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  keygen(hostKey);
  keygen(clientKey);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const root = join(dir, 'files');
  mkdirSync(root);
  // sshd's privilege separation needs its empty directory when it runs as root.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const username = userInfo().username;
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `AllowUsers ${username}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The temporary directory is not a home directory sshd would vouch for.
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      'MaxStartups 100:30:200',
      'MaxSessions 100',
      'LogLevel INFO',
      '',
    ].join('\n'),
  );
  const logFile = join(dir, 'sshd.log');
  const component: Component = startComponent('sshd', SSHD, ['-D', '-e', '-f', config], logFile);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (component.exitStatus !== undefined) throw new Error(`sshd exited (${component.exitStatus}) while starting:\n${logTail(component)}`);
    if (await answersBanner(port)) break;
    if (Date.now() > deadline) throw new Error(`sshd did not answer in 15 s:\n${logTail(component)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: '127.0.0.1',
    port,
    username,
    url: `sftp://${username}@127.0.0.1:${port}`,
    privateKey: readFileSync(clientKey, 'utf8'),
    privateKeyFile: clientKey,
    hostPublicKey: readFileSync(`${hostKey}.pub`, 'utf8').trim(),
    root,
    async stop() {
      await stopComponents([component], 3_000);
      unhook();
      removeDir();
    },
  };
}
