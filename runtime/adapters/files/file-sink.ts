import { posix } from 'node:path';
import type { FileStore } from './file-store.ts';

/**
 * Where a drop target writes files: one directory, locally or on an SFTP server. `write` is atomic (a
 * temporary name, then a rename), so a reader of the directory never sees a partial file under `name`,
 * and a second write of the same name replaces the first whole. The file drop target and the X12
 * target deliver through it; `fileSinkFor` (file-location.ts) builds one from a System's endpoint.
 */
export interface FileSink {
  /** `local /outbound/finance` or `sftp://user@host:22/outbound` (logs, errors; never a credential). */
  readonly description: string;
  /** Writes `bytes` as `name` (a plain file name, see `checkFileName`) atomically. */
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** True when a file called `name` is in the directory. */
  exists(name: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Thrown for a file name that is not one plain name inside the directory. */
export class UnsafeFileName extends Error {
  override readonly name = 'UnsafeFileName';
}

/**
 * Refuses anything but a single file name: no `/` or `\`, not `.` or `..`, no control characters, no
 * leading dot (temporary files), at most 255 bytes. Names from business keys pass `sanitiseFileName`
 * first; this is the last guard before the file system.
 */
export function checkFileName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (name === '' || name === '.' || name === '..' || /[/\\\u0000-\u001f\u007f]/.test(name) || name.startsWith('.'))
    throw new UnsafeFileName(`"${name.slice(0, 80)}" is not a plain file name`);
  if (Buffer.byteLength(name, 'utf8') > 255) throw new UnsafeFileName(`"${name.slice(0, 80)}…" is longer than 255 bytes`);
  return name;
}

/** A FileSink writing into `directory` of `store` (created on the first write). */
export function directorySink(store: FileStore, directory: string): FileSink {
  let ready: Promise<void> | undefined;
  return {
    description: `${store.description} ${directory}`,
    async write(name, bytes) {
      const path = posix.join(directory, checkFileName(name));
      ready ??= store.ensureDirectory(directory).catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      await ready;
      await store.write(path, bytes);
    },
    async exists(name) {
      return (await store.stat(posix.join(directory, checkFileName(name)))) !== undefined;
    },
    close: () => store.close(),
  };
}
