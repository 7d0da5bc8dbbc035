import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FileTooLarge, temporaryName } from './file-store.ts';
import type { FileEntry, FileStore } from './file-store.ts';

/** FileStore on the local file system (a mounted volume in Kubernetes, a folder under `interlace run`). */
export class LocalFileStore implements FileStore {
  readonly description = 'local';

  async list(directory: string): Promise<FileEntry[]> {
    const entries = await readdir(directory, { withFileTypes: true });
    const files: FileEntry[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const info = await this.stat(join(directory, entry.name));
      if (info) files.push(info);
    }
    return files;
  }

  async stat(path: string): Promise<FileEntry | undefined> {
    try {
      const info = await lstat(path);
      if (!info.isFile()) return undefined;
      return { name: path.slice(path.lastIndexOf('/') + 1), size: info.size, mtimeMs: info.mtimeMs };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async read(path: string, maxBytes: number): Promise<Buffer> {
    // O_NOFOLLOW: a symlink planted in a pickup folder is not followed out of it.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) throw new FileTooLarge(path, size, maxBytes);
      // Read at most maxBytes + 1: a file that grew after the stat is refused too, never read whole.
      const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > maxBytes) throw new FileTooLarge(path, length, maxBytes);
        if (length === buffer.length) break;
      }
      return buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    const temporary = join(dirname(path), temporaryName(path.slice(path.lastIndexOf('/') + 1)));
    const handle = await open(temporary, 'wx', 0o640);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await handle.close();
    await rename(temporary, path);
  }

  async move(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async ensureDirectory(directory: string): Promise<void> {
    await mkdir(directory, { recursive: true });
  }

  async close(): Promise<void> {}
}
