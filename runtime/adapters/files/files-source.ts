import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { SourceAdapter, SourceContext } from '../source-adapter.ts';
import { FileParseError } from './csv.ts';
import { parseFile } from './file-parse.ts';
import type { FileParseSettings } from './file-parse.ts';
import { FileTooLarge } from './file-store.ts';
import type { FileEntry, FileStore } from './file-store.ts';
import { globPattern } from './glob.ts';

/** One pickup, resolved from `System.spec.sources.files[]` (files-source-kind.ts). */
export interface FilePickup {
  name: string;
  directory: string;
  glob: string;
  event: string;
  parse: FileParseSettings;
  intervalMs: number;
  settleMs: number;
  maxBytes: number;
  afterPublish: 'archive' | 'delete';
  archiveDirectory: string;
  errorDirectory: string;
}

/** What a pickup did since it started (tests, the run summary). */
export interface FileCounts {
  files: number;
  events: number;
  poisoned: number;
}

/** How many published records between two progress marks: a restart republishes at most this many. */
const PROGRESS_EVERY = 50;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Picks files up from a local or SFTP directory and publishes their records as events.
 *
 * A file is taken when its size and modification time are unchanged across two looks `settleMs`
 * apart (a file still being uploaded waits for the next scan), files in name order. A file larger
 * than `maxBytes` is refused without being read. Each record is published with the message id
 * `<file name>:<sha256 of the content>:<index>`, so a crash and a second pass publish the same ids and
 * the backbone stores each once; a progress mark in AdapterState every 50 records lets a restart
 * resume instead of relying only on the backbone's de-duplication window. Only when every record is
 * stored is the file archived (or deleted). A file that does not parse is moved to the error
 * directory after a dead letter naming the line or segment is stored; none of its records is
 * published.
 */
export class FilesSource implements SourceAdapter {
  readonly kind = 'files';
  readonly name: string;
  readonly counts: FileCounts = { files: 0, events: 0, poisoned: 0 };
  private readonly pickup: FilePickup;
  private readonly store: FileStore;
  private readonly pattern: RegExp;
  private context: SourceContext | undefined;
  private loop: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(pickup: FilePickup, store: FileStore) {
    this.pickup = pickup;
    this.name = pickup.name;
    this.store = store;
    this.pattern = globPattern(pickup.glob);
  }

  async start(context: SourceContext): Promise<void> {
    this.context = context;
    const signal = AbortSignal.any([context.signal, this.stopping.signal]);
    this.loop = (async () => {
      while (!signal.aborted) {
        try {
          await this.scan(signal);
        } catch (error) {
          // A listing or connection failure: the files stay where they are for the next scan.
          context.log.warn('file pickup failed; trying again at the next scan', {
            pickup: this.name,
            store: this.store.description,
            error: (error as Error).message,
          });
        }
        await sleep(this.pickup.intervalMs, signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.store.close();
  }

  /** One look at the directory: takes every stable, matching file. Public for tests and benchmarks. */
  async scan(signal: AbortSignal = this.stopping.signal): Promise<void> {
    const first = await this.candidates();
    if (first.length === 0) return;
    await sleep(this.pickup.settleMs, signal);
    if (signal.aborted) return;
    const second = new Map((await this.candidates()).map((entry) => [entry.name, entry]));
    const stable = first
      .filter((entry) => {
        const again = second.get(entry.name);
        return again !== undefined && again.size === entry.size && again.mtimeMs === entry.mtimeMs;
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of stable) {
      if (signal.aborted) return;
      await this.take(entry, signal);
    }
  }

  private async candidates(): Promise<FileEntry[]> {
    return (await this.store.list(this.pickup.directory)).filter((entry) => this.pattern.test(entry.name));
  }

  private async take(entry: FileEntry, signal: AbortSignal): Promise<void> {
    const context = this.context;
    if (!context) throw new Error('the file source is not started');
    const path = posix.join(this.pickup.directory, entry.name);
    let bytes: Buffer;
    try {
      if (entry.size > this.pickup.maxBytes) throw new FileTooLarge(path, entry.size, this.pickup.maxBytes);
      bytes = await this.store.read(path, this.pickup.maxBytes);
    } catch (error) {
      if (error instanceof FileTooLarge)
        return this.poison(entry, `${entry.name} is ${error.size} bytes, more than maxBytes (${this.pickup.maxBytes}); it was not read`, {
          size: error.size,
        });
      throw error;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let records: unknown[];
    try {
      records = parseFile(bytes, this.pickup.parse);
    } catch (error) {
      if (!(error instanceof FileParseError)) throw error;
      return this.poison(entry, `${entry.name}: ${error.message}`, {
        sha256,
        size: bytes.length,
        ...(error.line !== undefined ? { line: error.line } : {}),
        ...(error.segment !== undefined ? { segment: error.segment } : {}),
      });
    }
    const progressKey = `progress/${entry.name}/${sha256}`;
    const done = Number((await context.state.get(progressKey)) ?? '0');
    for (let index = done; index < records.length; index++) {
      // Stopping mid-file leaves it in place: the next start resumes from the last mark.
      if (signal.aborted) return;
      await context.publish(this.pickup.event, records[index], `${entry.name}:${sha256.slice(0, 32)}:${index}`);
      this.counts.events++;
      if ((index + 1) % PROGRESS_EVERY === 0 && index + 1 < records.length) await context.state.put(progressKey, String(index + 1));
    }
    // Every record is stored: only now is the file acknowledged to the partner (moved or deleted).
    if (this.pickup.afterPublish === 'delete') await this.store.remove(path);
    else await this.moveInto(this.pickup.archiveDirectory, entry.name, sha256);
    await context.state.delete(progressKey);
    this.counts.files++;
    context.log.info('file published', { pickup: this.name, file: entry.name, events: records.length, sha256 });
  }

  /** Moves a file into a directory, under its own name unless that is taken (then `<name>.<hash>`). */
  private async moveInto(directory: string, name: string, hash: string): Promise<string> {
    await this.store.ensureDirectory(directory);
    let target = posix.join(directory, name);
    if (await this.store.stat(target)) target = posix.join(directory, `${name}.${hash.slice(0, 12)}`);
    await this.store.move(posix.join(this.pickup.directory, name), target);
    return target;
  }

  /** A file that cannot become events: a dead letter first (durable), then the error directory. */
  private async poison(entry: FileEntry, reason: string, detail: Record<string, unknown>): Promise<void> {
    const context = this.context;
    if (!context) return;
    const hash =
      typeof detail.sha256 === 'string'
        ? detail.sha256
        : createHash('sha256').update(`${entry.name}:${entry.size}:${entry.mtimeMs}`).digest('hex');
    const moved = posix.join(this.pickup.errorDirectory, entry.name);
    await context.deadLetter?.(
      this.pickup.event,
      reason,
      { file: entry.name, directory: this.pickup.directory, errorDirectory: this.pickup.errorDirectory, pickup: this.name, ...detail },
      `file:${entry.name}:${hash.slice(0, 32)}`,
    );
    const target = await this.moveInto(this.pickup.errorDirectory, entry.name, hash);
    this.counts.poisoned++;
    context.count('rejected');
    context.log.warn('file refused', { pickup: this.name, file: entry.name, reason, movedTo: target || moved });
  }
}
