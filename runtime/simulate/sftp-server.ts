/**
 * A partner's SFTP server for `interlace run` (ssh2's Server with its SFTP subsystem), so the example
 * estate's file exchanges go over SFTP on a machine without OpenSSH. Loopback only, a host key made at
 * start, public-key logins only (the keys `authorize` registers). The server has no file system of
 * its own: each `mount` maps a path as the spec names it (`/inbound`) onto a local folder of the run,
 * where the simulated partner reads and writes; anything outside a mount is refused (permission
 * denied), and `..` cannot leave one (paths are normalised before they are mapped).
 *
 * It speaks SFTP version 3 as OpenSSH's sftp-server does, in what the estate's FileStore uses (open,
 * read, write, close, stat, lstat, fstat, opendir/readdir, remove, rename, mkdir, rmdir, realpath),
 * with OpenSSH's rename rule: a rename onto an existing name fails. It offers no extensions
 * (ssh2 announces none), so the FileStore takes its fallback path for servers without
 * `posix-rename@openssh.com` and `fsync@openssh.com`. Tests of the real thing run against OpenSSH.
 */
import {
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, posix } from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes, Connection, ParsedKey, SFTPWrapper } from 'ssh2';

// ssh2 is CommonJS and only some of its exports are visible to a named ESM import.
const { Server, utils } = ssh2;

const STATUS = utils.sftp.STATUS_CODE;

/** A login: an OpenSSH private key (for the client's Secret) and its public key line (authorized here). */
export interface SftpLogin {
  privateKey: string;
  publicKey: string;
}

/**
 * A new ed25519 key pair in OpenSSH format. ssh2 1.17's generator writes a private key its own parser
 * refuses ("Malformed OpenSSH private key") about 3 times in 1,000: such a pair is made again.
 */
export function newSftpLogin(comment = 'interlace-run'): SftpLogin {
  for (let attempt = 1; ; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error))
      return { privateKey: pair.private, publicKey: pair.public };
    if (attempt >= 20) throw new Error('ssh2 made no readable ed25519 key pair in 20 attempts');
  }
}

type Handle = { kind: 'file'; fd: number } | { kind: 'dir'; local: string; done: boolean };

function attributesOf(stats: Stats): Attributes {
  return {
    mode: stats.mode,
    uid: stats.uid,
    gid: stats.gid,
    size: stats.size,
    atime: Math.floor(stats.atimeMs / 1000),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}

/** What an fs error means to an SFTP client. */
function statusOf(error: unknown): number {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return STATUS.NO_SUCH_FILE;
  if (code === 'EACCES' || code === 'EPERM') return STATUS.PERMISSION_DENIED;
  return STATUS.FAILURE;
}

const DIRECTORY_MODE = 0o040755;

export class SimSftpServer {
  readonly name: string;
  private readonly requestedPort: number;
  private readonly host: SftpLogin;
  private readonly mounts = new Map<string, string>();
  private readonly logins = new Map<string, ParsedKey[]>();
  private readonly connections = new Set<Connection>();
  private server: InstanceType<typeof Server> | undefined;
  private boundPort = 0;
  /** Files written (closed after a write) and read, for the summary. */
  readonly traffic = { written: 0, read: 0, logins: 0 };

  constructor(name: string, port = 0) {
    this.name = name;
    this.requestedPort = port;
    this.host = newSftpLogin(`${name}-host`);
  }

  /** The host's public key line, for `sftp.hostKey` (clients pin it). */
  get hostPublicKey(): string {
    return this.host.publicKey;
  }

  get port(): number {
    return this.boundPort;
  }

  /** `sftp://<user>@127.0.0.1:<port>` */
  url(username: string): string {
    return `sftp://${encodeURIComponent(username)}@127.0.0.1:${this.boundPort}`;
  }

  /** Serves `remote` (an absolute path as the spec names it) from the local folder `local`. */
  mount(remote: string, local: string): void {
    mkdirSync(local, { recursive: true });
    this.mounts.set(posix.normalize(posix.join('/', remote)).replace(/\/+$/, '') || '/', local);
  }

  /** Lets `username` log in with the key pair whose public line is `publicKey`. */
  authorize(username: string, publicKey: string): void {
    const key = utils.parseKey(publicKey);
    if (key instanceof Error) throw key;
    this.logins.set(username, [...(this.logins.get(username) ?? []), key]);
  }

  async start(): Promise<void> {
    const server = new Server({ hostKeys: [this.host.privateKey] }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.requestedPort, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const connection of this.connections) connection.end();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Connection): void {
    this.connections.add(client);
    // Every SFTP request waits for its answer: with Nagle's algorithm each answer would wait for the
    // client's delayed ACK (~40 ms a round trip, 4 files/s instead of hundreds).
    (client as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
    client.on('close', () => this.connections.delete(client));
    // A client that goes away mid-handshake is its own problem, never the run's.
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const key = (this.logins.get(ctx.username) ?? []).find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data));
      if (!key) return ctx.reject(['publickey']);
      // The first round only asks whether the key would do; the second carries the signature.
      if (!ctx.signature) return ctx.accept();
      if (ctx.blob === undefined || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      this.traffic.logins++;
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => this.serve(acceptSftp()));
      });
    });
  }

  /** The local path of a remote one, or undefined when it is outside every mount. */
  private local(remote: string): string | undefined {
    const path = posix.normalize(posix.join('/', remote));
    let best: string | undefined;
    for (const mount of this.mounts.keys())
      if ((path === mount || path.startsWith(`${mount === '/' ? '' : mount}/`)) && (best === undefined || mount.length > best.length))
        best = mount;
    if (best === undefined) return undefined;
    return join(this.mounts.get(best)!, path.slice(best.length));
  }

  /** A directory above a mount (`/landing` of `/landing/interlace`): it exists, and holds nothing of ours. */
  private isAncestor(remote: string): boolean {
    const path = posix.normalize(posix.join('/', remote)).replace(/\/+$/, '');
    return [...this.mounts.keys()].some((mount) => path === '' || mount.startsWith(`${path}/`));
  }

  private serve(sftp: SFTPWrapper): void {
    const handles = new Map<number, Handle>();
    let next = 0;
    const newHandle = (h: Handle): Buffer => {
      const id = next++;
      handles.set(id, h);
      const buffer = Buffer.alloc(4);
      buffer.writeUInt32BE(id);
      return buffer;
    };
    const handleOf = (buffer: Buffer): [number, Handle | undefined] => {
      const id = buffer.length === 4 ? buffer.readUInt32BE() : -1;
      return [id, handles.get(id)];
    };
    const written = new Set<number>();
    /** Runs an fs step for one request; an fs error becomes its status. */
    const attempt = (reqId: number, step: () => void): void => {
      try {
        step();
      } catch (error) {
        sftp.status(reqId, statusOf(error));
      }
    };
    const within = (reqId: number, remote: string, step: (local: string) => void): void => {
      const local = this.local(remote);
      if (local === undefined) {
        sftp.status(reqId, STATUS.PERMISSION_DENIED, `${remote} is outside the partner's folders`);
        return;
      }
      attempt(reqId, () => step(local));
    };
    const statPath = (reqId: number, remote: string, stat: (p: string) => Stats): void => {
      if (this.local(remote) === undefined && this.isAncestor(remote)) {
        sftp.attrs(reqId, { mode: DIRECTORY_MODE, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 });
        return;
      }
      within(reqId, remote, (local) => sftp.attrs(reqId, attributesOf(stat(local))));
    };

    sftp.on('OPEN', (reqId, filename, flags) => {
      const mode = utils.sftp.flagsToString(flags);
      if (mode === null) return sftp.status(reqId, STATUS.OP_UNSUPPORTED, 'unsupported open flags');
      within(reqId, filename, (local) => {
        const fd = openSync(local, mode, 0o644);
        const handle = newHandle({ kind: 'file', fd });
        if (mode === 'r') this.traffic.read++;
        sftp.handle(reqId, handle);
      });
    });
    sftp.on('READ', (reqId, buffer, offset, length) => {
      const [, h] = handleOf(buffer);
      if (h?.kind !== 'file') return sftp.status(reqId, STATUS.FAILURE, 'not an open file');
      attempt(reqId, () => {
        const data = Buffer.alloc(length);
        const count = readSync(h.fd, data, 0, length, offset);
        if (count === 0) sftp.status(reqId, STATUS.EOF);
        else sftp.data(reqId, data.subarray(0, count));
      });
    });
    sftp.on('WRITE', (reqId, buffer, offset, data) => {
      const [id, h] = handleOf(buffer);
      if (h?.kind !== 'file') return sftp.status(reqId, STATUS.FAILURE, 'not an open file');
      attempt(reqId, () => {
        writeSync(h.fd, data, 0, data.length, offset);
        written.add(id);
        sftp.status(reqId, STATUS.OK);
      });
    });
    sftp.on('FSTAT', (reqId, buffer) => {
      const [, h] = handleOf(buffer);
      if (h?.kind !== 'file') return sftp.status(reqId, STATUS.FAILURE, 'not an open file');
      attempt(reqId, () => sftp.attrs(reqId, attributesOf(fstatSync(h.fd))));
    });
    sftp.on('CLOSE', (reqId, buffer) => {
      const [id, h] = handleOf(buffer);
      if (!h) return sftp.status(reqId, STATUS.FAILURE, 'not an open handle');
      handles.delete(id);
      attempt(reqId, () => {
        if (h.kind === 'file') closeSync(h.fd);
        if (written.delete(id)) this.traffic.written++;
        sftp.status(reqId, STATUS.OK);
      });
    });
    sftp.on('STAT', (reqId, path) => statPath(reqId, path, statSync));
    sftp.on('LSTAT', (reqId, path) => statPath(reqId, path, lstatSync));
    sftp.on('SETSTAT', (reqId) => sftp.status(reqId, STATUS.OK));
    sftp.on('FSETSTAT', (reqId) => sftp.status(reqId, STATUS.OK));
    sftp.on('OPENDIR', (reqId, path) =>
      within(reqId, path, (local) => {
        if (!statSync(local).isDirectory()) return sftp.status(reqId, STATUS.FAILURE, `${path} is not a directory`);
        sftp.handle(reqId, newHandle({ kind: 'dir', local, done: false }));
      }),
    );
    sftp.on('READDIR', (reqId, buffer) => {
      const [, h] = handleOf(buffer);
      if (h?.kind !== 'dir') return sftp.status(reqId, STATUS.FAILURE, 'not an open directory');
      if (h.done) return sftp.status(reqId, STATUS.EOF);
      h.done = true;
      attempt(reqId, () => {
        const names = [];
        for (const name of readdirSync(h.local)) {
          // A file renamed or removed between the listing and its stat is simply not listed.
          const stats = (() => {
            try {
              return lstatSync(join(h.local, name));
            } catch {
              return undefined;
            }
          })();
          if (stats) names.push({ filename: name, longname: name, attrs: attributesOf(stats) });
        }
        if (names.length === 0) sftp.status(reqId, STATUS.EOF);
        else sftp.name(reqId, names);
      });
    });
    sftp.on('REMOVE', (reqId, path) =>
      within(reqId, path, (local) => {
        unlinkSync(local);
        sftp.status(reqId, STATUS.OK);
      }),
    );
    sftp.on('RENAME', (reqId, from, to) =>
      within(reqId, from, (source) =>
        within(reqId, to, (target) => {
          // SFTP v3 as OpenSSH implements it: never replaces an existing file (posix-rename does).
          if (lstatSync(target, { throwIfNoEntry: false })) return sftp.status(reqId, STATUS.FAILURE, `${to} exists`);
          renameSync(source, target);
          sftp.status(reqId, STATUS.OK);
        }),
      ),
    );
    sftp.on('MKDIR', (reqId, path) =>
      within(reqId, path, (local) => {
        mkdirSync(local);
        sftp.status(reqId, STATUS.OK);
      }),
    );
    sftp.on('RMDIR', (reqId, path) =>
      within(reqId, path, (local) => {
        rmdirSync(local);
        sftp.status(reqId, STATUS.OK);
      }),
    );
    sftp.on('REALPATH', (reqId, path) => {
      const normal = posix.normalize(posix.join('/', path));
      sftp.name(reqId, [{ filename: normal, longname: normal, attrs: {} as Attributes }]);
    });
    sftp.on('close', () => {
      for (const h of handles.values()) if (h.kind === 'file') closeSync(h.fd);
      handles.clear();
    });
  }
}
