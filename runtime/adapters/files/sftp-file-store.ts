import { createHash } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { posix } from 'node:path';
import { Client } from 'ssh2';
import type { SFTPWrapper, Stats } from 'ssh2';
import { FileTooLarge, temporaryName } from './file-store.ts';
import type { FileEntry, FileStore } from './file-store.ts';

/** Where and how to log in. Credentials come from Secrets (file-location.ts reads them). */
export interface SftpOptions {
  host: string;
  port: number;
  username: string;
  privateKey?: string;
  passphrase?: string;
  password?: string;
  /**
   * The server's host key, pinned: an OpenSSH public key line (`ssh-ed25519 AAAA…`) or its fingerprint
   * as `ssh-keygen -l` prints it (`SHA256:…`). A server presenting another key is refused.
   */
  hostKey: string;
  /** Connect and handshake timeout (default 10 s). */
  readyTimeoutMs?: number;
}

/** OpenSSH's fingerprint form: `SHA256:` and the unpadded base64 of the key blob's SHA-256. */
export function hostKeyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The fingerprint a pinned `hostKey` (public key line or fingerprint) stands for. */
export function pinnedFingerprint(hostKey: string): string {
  const text = hostKey.trim();
  if (text.startsWith('SHA256:')) return text.replace(/=+$/, '');
  const blob = text.split(/\s+/)[1];
  if (!blob) throw new Error('the pinned SFTP host key is neither an OpenSSH public key line nor a SHA256: fingerprint');
  return hostKeyFingerprint(Buffer.from(blob, 'base64'));
}

const NO_SUCH_FILE = 2;
const CHUNK = 32 * 1024;
/** Write requests in flight at once: SFTP's round trips, not the disk, bound a single stream's speed. */
const WINDOW = 16;

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown }).code === NO_SUCH_FILE;
}

/** An ssh2 call whose callback carries only an error. */
function run(fn: (cb: (error?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((error) => (error ? reject(error) : resolve())));
}

function call<T>(fn: (cb: (error: Error | undefined | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
}

/**
 * FileStore over SFTP (ssh2, decision 0010). One SSH connection, opened on first use and opened again
 * after it drops. Writes go to a temporary name, are fsync'ed (`fsync@openssh.com`) and renamed over
 * the final name with `posix-rename@openssh.com`, so the partner never picks up half a file.
 */
export class SftpFileStore implements FileStore {
  readonly description: string;
  private readonly options: SftpOptions;
  private readonly fingerprint: string;
  private session: Promise<{ client: Client; sftp: SFTPWrapper }> | undefined;
  private socket: Socket | undefined;
  /** Operations in flight: the connection keeps the process alive only while there are some. */
  private inFlight = 0;

  constructor(options: SftpOptions) {
    this.options = options;
    this.fingerprint = pinnedFingerprint(options.hostKey);
    this.description = `sftp://${options.username}@${options.host}:${options.port}`;
  }

  /**
   * Runs one operation on the session. An idle connection does not hold the process open (its socket
   * is unref'ed), so a worker whose targets never close their stores still exits after its shutdown.
   */
  private async using<T>(operation: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    this.inFlight++;
    this.socket?.ref();
    try {
      return await operation(await this.sftp());
    } finally {
      if (--this.inFlight === 0) this.socket?.unref();
    }
  }

  private sftp(): Promise<SFTPWrapper> {
    this.session ??= this.connect().catch((error: unknown) => {
      this.session = undefined;
      throw error;
    });
    return this.session.then((s) => s.sftp);
  }

  private connect(): Promise<{ client: Client; sftp: SFTPWrapper }> {
    const client = new Client();
    let presented: string | undefined;
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void => {
        client.end();
        const why = presented && presented !== this.fingerprint ? ` (the server presented host key ${presented}, not the pinned one)` : '';
        reject(new Error(`${this.description}: ${error.message}${why}`));
      };
      client.once('error', fail);
      client.once('ready', () => {
        client.sftp((error, sftp) => {
          if (error) return fail(error);
          client.removeListener('error', fail);
          // A dropped connection is opened again by the next operation.
          const forget = (): void => {
            this.session = undefined;
            if (this.socket === socket) this.socket = undefined;
          };
          if (this.inFlight === 0) socket.unref();
          client.on('error', forget);
          client.on('close', forget);
          resolve({ client, sftp });
        });
      });
      // Our own socket: ssh2 does not expose its own, and the idle connection must not hold the process.
      const socket = connectTcp({ host: this.options.host, port: this.options.port });
      // Every SFTP request waits for its answer: Nagle's algorithm with delayed ACKs would add ~40 ms to
      // each round trip (4 files/s instead of hundreds).
      socket.setNoDelay(true);
      this.socket = socket;
      client.connect({
        sock: socket,
        host: this.options.host,
        port: this.options.port,
        username: this.options.username,
        ...(this.options.privateKey !== undefined ? { privateKey: this.options.privateKey } : {}),
        ...(this.options.passphrase !== undefined ? { passphrase: this.options.passphrase } : {}),
        ...(this.options.password !== undefined ? { password: this.options.password } : {}),
        readyTimeout: this.options.readyTimeoutMs ?? 10_000,
        hostVerifier: (key: Buffer) => {
          presented = hostKeyFingerprint(key);
          return presented === this.fingerprint;
        },
      });
    });
  }

  async list(directory: string): Promise<FileEntry[]> {
    return this.using(async (sftp) => {
      const entries = await call<{ filename: string; attrs: Stats }[]>((cb) => sftp.readdir(directory, cb));
      return entries
        .filter((entry) => entry.attrs.isFile())
        .map((entry) => ({ name: entry.filename, size: entry.attrs.size, mtimeMs: entry.attrs.mtime * 1000 }));
    });
  }

  async stat(path: string): Promise<FileEntry | undefined> {
    return this.using(async (sftp) => {
      try {
        const attrs = await call<Stats>((cb) => sftp.lstat(path, cb));
        if (!attrs.isFile()) return undefined;
        return { name: posix.basename(path), size: attrs.size, mtimeMs: attrs.mtime * 1000 };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    });
  }

  async read(path: string, maxBytes: number): Promise<Buffer> {
    return this.using(async (sftp) => {
      const attrs = await call<Stats>((cb) => sftp.lstat(path, cb));
      if (!attrs.isFile()) throw new Error(`${path} is not a regular file`);
      if (attrs.size > maxBytes) throw new FileTooLarge(path, attrs.size, maxBytes);
      const handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
      try {
        // Read at most maxBytes + 1, in parallel chunks: a file that grew after the stat is refused.
        const buffer = Buffer.alloc(Math.min(attrs.size, maxBytes) + 1);
        let length = 0;
        for (;;) {
          const reads: Promise<number>[] = [];
          for (let i = 0; i < WINDOW && length + i * CHUNK < buffer.length; i++) {
            const offset = length + i * CHUNK;
            const size = Math.min(CHUNK, buffer.length - offset);
            reads.push(
              new Promise((resolve, reject) =>
                sftp.read(handle, buffer, offset, size, offset, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))),
              ),
            );
          }
          if (reads.length === 0) break;
          const counts = await Promise.all(reads);
          let short = false;
          for (const count of counts) {
            length += count;
            if (count < CHUNK) {
              short = true;
              break;
            }
          }
          if (length > maxBytes) throw new FileTooLarge(path, length, maxBytes);
          if (short) break;
        }
        return buffer.subarray(0, length);
      } finally {
        await run((cb) => sftp.close(handle, cb)).catch(() => undefined);
      }
    });
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    return this.using(async (sftp) => {
      const temporary = posix.join(posix.dirname(path), temporaryName(posix.basename(path)));
      const handle = await call<Buffer>((cb) => sftp.open(temporary, 'wx', cb));
      const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      try {
        for (let start = 0; start < data.length; start += CHUNK * WINDOW) {
          const writes: Promise<unknown>[] = [];
          for (let offset = start; offset < Math.min(data.length, start + CHUNK * WINDOW); offset += CHUNK) {
            const size = Math.min(CHUNK, data.length - offset);
            writes.push(run((cb) => sftp.write(handle, data, offset, size, offset, cb)));
          }
          await Promise.all(writes);
        }
        await run((cb) => sftp.ext_openssh_fsync(handle, cb)).catch(() => undefined);
        await run((cb) => sftp.close(handle, cb));
      } catch (error) {
        await run((cb) => sftp.close(handle, cb)).catch(() => undefined);
        await run((cb) => sftp.unlink(temporary, cb)).catch(() => undefined);
        throw error;
      }
      await this.move(temporary, path);
    });
  }

  async move(from: string, to: string): Promise<void> {
    return this.using(async (sftp) => {
      const renamed = await new Promise<boolean>((resolve, reject) => {
        try {
          sftp.ext_openssh_rename(from, to, (error) => (error ? reject(error) : resolve(true)));
        } catch {
          // ssh2 throws at once when the server did not announce posix-rename@openssh.com (not OpenSSH).
          resolve(false);
        }
      });
      if (renamed) return;
      // SFTP v3's own rename does not replace an existing file: remove it first. A reader may find the
      // name missing for a moment, never half a file.
      try {
        await run((cb) => sftp.rename(from, to, cb));
      } catch (error) {
        if (!(await this.stat(to))) throw error;
        await this.remove(to);
        await run((cb) => sftp.rename(from, to, cb));
      }
    });
  }

  async remove(path: string): Promise<void> {
    return this.using(async (sftp) => {
      try {
        await run((cb) => sftp.unlink(path, cb));
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    });
  }

  async ensureDirectory(directory: string): Promise<void> {
    return this.using(async (sftp) => {
      const parts = posix.normalize(directory).split('/').filter(Boolean);
      let current = directory.startsWith('/') ? '' : '.';
      for (const part of parts) {
        current = `${current}/${part}`;
        try {
          const attrs = await call<Stats>((cb) => sftp.stat(current, cb));
          if (!attrs.isDirectory()) throw new Error(`${current} is not a directory`);
        } catch (error) {
          if (!isMissing(error)) throw error;
          await run((cb) => sftp.mkdir(current, cb)).catch(async (mkdirError: unknown) => {
            // Another writer made it in between.
            const attrs = await call<Stats>((cb) => sftp.stat(current, cb)).catch(() => undefined);
            if (!attrs?.isDirectory()) throw mkdirError;
          });
        }
      }
    });
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    const { client } = await session.catch(() => ({ client: undefined }));
    client?.end();
  }
}
