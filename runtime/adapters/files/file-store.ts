/**
 * The file systems the file adapters work on: a local directory (`LocalFileStore`) or a directory on
 * an SFTP server (`SftpFileStore`). Paths are absolute on that file system (`/inbound/invoices/a.csv`).
 */

/** A regular file in a directory listing. */
export interface FileEntry {
  /** The base name (`orders-0001.csv`). */
  name: string;
  size: number;
  /** Modification time, milliseconds since the epoch. */
  mtimeMs: number;
}

/** Thrown by `read` when a file is larger than the limit; nothing beyond the limit was read. */
export class FileTooLarge extends Error {
  override readonly name = 'FileTooLarge';
  readonly path: string;
  readonly size: number;
  readonly limit: number;
  constructor(path: string, size: number, limit: number) {
    super(`${path} is ${size} bytes, more than the limit of ${limit} bytes; it was not read`);
    this.path = path;
    this.size = size;
    this.limit = limit;
  }
}

export interface FileStore {
  /** `local /drop` or `sftp://user@host:port` (logs, errors; never a credential). */
  readonly description: string;
  /** The regular files directly in `directory` (no subdirectories, no symlinks followed). */
  list(directory: string): Promise<FileEntry[]>;
  /** The file's size and mtime, or undefined when it does not exist. */
  stat(path: string): Promise<FileEntry | undefined>;
  /** The whole file; throws FileTooLarge (before reading it) when it is larger than `maxBytes`. */
  read(path: string, maxBytes: number): Promise<Buffer>;
  /** Writes the file atomically: a temporary name in the same directory, then a rename over `path`. */
  write(path: string, bytes: Uint8Array): Promise<void>;
  /** Renames `from` to `to`, replacing `to` (both in one file system). */
  move(from: string, to: string): Promise<void>;
  /** Deletes the file; a file already gone is not an error. */
  remove(path: string): Promise<void>;
  /** Creates the directory and its parents when missing. */
  ensureDirectory(directory: string): Promise<void>;
  close(): Promise<void>;
}

/** A temporary name next to `name` that no glob of the pickup side matches (leading dot, `.part`). */
export function temporaryName(name: string): string {
  return `.${name}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.part`;
}
