/**
 * The SFTP section of `npm run bench -- adapters` (BENCH_ADAPTERS=sftp): files per second through the
 * file adapters' SFTP store against a real OpenSSH server on loopback (test/broker/harness), for 1 KB
 * and 1 MB files, each direction over one connection:
 *
 * - drop: FileSink.write (temporary name, fsync@openssh.com, posix-rename) — what a file target does;
 *   floor: OpenSSH's own `sftp -b` with one `put` per file over one connection (no rename, no fsync).
 * - pickup: FileStore list + read + move into archive/ — what the file source does per file, without
 *   publishing; floor: `sftp -b` with one `get` per file.
 *
 * Counts: BENCH_SFTP_SMALL (default 400 files of 1 KB), BENCH_SFTP_LARGE (default 40 files of 1 MB).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSinkFor, fileStoreFor } from '../runtime/adapters/files/file-location.ts';
import type { FileLocation } from '../runtime/adapters/files/file-location.ts';
import { startOpenSshServer } from '../test/broker/harness/openssh-server.ts';
import type { OpenSshServer } from '../test/broker/harness/openssh-server.ts';

const SMALL = Number(process.env.BENCH_SFTP_SMALL ?? 400);
const LARGE = Number(process.env.BENCH_SFTP_LARGE ?? 40);

function sftpBatch(server: OpenSshServer, commands: string[], scratch: string): number {
  const batch = join(scratch, `batch-${Math.random().toString(36).slice(2)}`);
  writeFileSync(batch, `${commands.join('\n')}\n`);
  const known = join(scratch, 'known_hosts');
  writeFileSync(known, `[${server.host}]:${server.port} ${server.hostPublicKey}\n`);
  const started = performance.now();
  execFileSync(
    'sftp',
    [
      '-q',
      '-b',
      batch,
      '-i',
      server.privateKeyFile,
      '-P',
      String(server.port),
      '-o',
      `UserKnownHostsFile=${known}`,
      '-o',
      'BatchMode=yes',
      `${server.username}@${server.host}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return performance.now() - started;
}

function line(label: string, files: number, bytes: number, ms: number, floorMs: number): void {
  const rate = files / (ms / 1000);
  const floorRate = files / (floorMs / 1000);
  const mbs = (files * bytes) / (1024 * 1024) / (ms / 1000);
  console.log(
    `  ${label.padEnd(34)} ${rate.toFixed(0).padStart(6)} files/s ${mbs.toFixed(1).padStart(7)} MB/s   floor ${floorRate.toFixed(0).padStart(6)} files/s   ratio ${(rate / floorRate).toFixed(2)}`,
  );
}

export async function sftpThroughput(): Promise<void> {
  const server = await startOpenSshServer();
  const scratch = mkdtempSync(join(tmpdir(), 'bench-sftp-'));
  try {
    const version = spawnSync('ssh', ['-V'], { encoding: 'utf8' });
    console.log(`sftp: ${(version.stderr || version.stdout).trim()} on loopback, one connection per run`);
    const env = { BENCH_SFTP_PRIVATE_KEY: server.privateKey };
    for (const [size, count] of [
      [1024, SMALL],
      [1024 * 1024, LARGE],
    ] as const) {
      const label = size === 1024 ? '1 KB' : '1 MB';
      const payload = Buffer.alloc(size, 0x61);
      const local = join(scratch, `payload-${size}`);
      writeFileSync(local, payload);

      const dropDir = join(server.root, `drop-${size}`);
      const location: FileLocation = {
        directory: dropDir,
        url: server.url,
        sftp: { secretRef: { name: 'bench-sftp' }, hostKey: server.hostPublicKey },
      };
      const sink = fileSinkFor(location, env, 'bench');
      await sink.write('warm-up', payload); // connection and directory, not measured
      let started = performance.now();
      for (let i = 0; i < count; i++) await sink.write(`file-${i}.dat`, payload);
      const dropMs = performance.now() - started;
      await sink.close();
      const floorDir = join(server.root, `floor-${size}`);
      mkdirSync(floorDir);
      const putMs = sftpBatch(
        server,
        Array.from({ length: count }, (_, i) => `put ${local} ${floorDir}/file-${i}.dat`),
        scratch,
      );
      line(`drop ${label} (FileSink.write)`, count, size, dropMs, putMs);

      const store = fileStoreFor(location, env, 'bench');
      await store.ensureDirectory(join(dropDir, 'archive'));
      started = performance.now();
      const listed = (await store.list(dropDir)).filter((f) => f.name.startsWith('file-'));
      for (const file of listed) {
        await store.read(join(dropDir, file.name), 10 * 1024 * 1024);
        await store.move(join(dropDir, file.name), join(dropDir, 'archive', file.name));
      }
      const pickupMs = performance.now() - started;
      await store.close();
      const getDir = join(scratch, `get-${size}`);
      mkdirSync(getDir);
      const getMs = sftpBatch(
        server,
        Array.from({ length: count }, (_, i) => `get ${floorDir}/file-${i}.dat ${getDir}/file-${i}.dat`),
        scratch,
      );
      line(`pickup ${label} (list, read, archive)`, listed.length, size, pickupMs, getMs);
    }
  } finally {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
