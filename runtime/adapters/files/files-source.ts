import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { SourceAdapter, SourceContext } from '../source-adapter.ts';
import { decodeFile, parseText } from './file-parse.ts';
import type { FileParseSettings } from './file-parse.ts';
import { FileParseError } from './file-parse-error.ts';
import { FileTooLarge } from './file-store.ts';
import type { FileEntry, FileStore } from './file-store.ts';
import { globPattern } from './glob.ts';
import type { FileEncoding } from './text-decoding.ts';

/** One pickup, resolved from `System.spec.sources.files[]` (files-source-kind.ts). */
export interface FilePickup {
  name: string;
  directory: string;
  glob: string;
  /** The event of every record, or of the records `events` does not name. */
  event: string | undefined;
  /** x12 and edifact: transaction set id (`850`) or message type (`ORDERS`) → event. */
  events: Readonly<Record<string, string>>;
  parse: FileParseSettings;
  /** How the bytes become text (undefined: UTF-8, or for XML its own declaration); a BOM overrides it. */
  encoding: FileEncoding | undefined;
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

/**
 * The partner's X12 exchange (runtime/adapters/x12-exchange.ts): its 997s settle our groups, and each
 * of its functional groups is answered with our 997. Given to the pickups of an `edi-x12` System.
 */
export interface InterchangeReceiver {
  inbound(text: string, options?: { refused?: boolean }): Promise<unknown>;
}

/** The transaction set id of an X12 record (ST01) or the message type of an EDIFACT one (UNH02.1). */
function documentTypeOf(record: unknown): string | undefined {
  const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
  if (record === null || typeof record !== 'object') return undefined;
  const r = record as Record<string, unknown>;
  const st = first(r.ST) as Record<string, unknown> | undefined;
  if (st && typeof st.ST01 === 'string') return st.ST01;
  const unh = first(r.UNH) as Record<string, unknown> | undefined;
  const type = first(unh?.UNH02);
  return typeof type === 'string' ? type : undefined;
}

/** How many published records between two progress marks: a restart republishes at most this many. */
const PROGRESS_EVERY = 50;

/** A file or folder that is not there (local ENOENT, SFTP "No such file"). */
function isGone(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === 'ENOENT' || e?.code === 2 || (typeof e?.message === 'string' && /no such file/i.test(e.message));
}

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
  private readonly exchange: (() => Promise<InterchangeReceiver>) | undefined;
  private context: SourceContext | undefined;
  private loop: Promise<void> | undefined;
  /** The scan in progress: scans of one pickup run one after another, never two at once. */
  private scanning: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();

  /** `exchange`: the partner's X12 exchange, for an x12 pickup of an `edi-x12` System (997s both ways). */
  constructor(pickup: FilePickup, store: FileStore, exchange?: () => Promise<InterchangeReceiver>) {
    this.pickup = pickup;
    this.name = pickup.name;
    this.store = store;
    this.exchange = exchange;
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

  /**
   * One look at the directory: takes every stable, matching file. Public for tests and benchmarks.
   * A scan asked for while another runs starts after it: two scans taking the same file at once
   * would both publish it and race to move it.
   */
  scan(signal: AbortSignal = this.stopping.signal): Promise<void> {
    const next = this.scanning.then(
      () => this.scanOnce(signal),
      () => this.scanOnce(signal),
    );
    this.scanning = next.catch(() => undefined);
    return next;
  }

  private async scanOnce(signal: AbortSignal): Promise<void> {
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
      // Gone since the listing: another consumer of the folder (a second replica, an operator) took it.
      if (isGone(error)) return context.log.info('file gone before it was read; skipped', { pickup: this.name, file: entry.name });
      if (error instanceof FileTooLarge)
        return this.poison(entry, `${entry.name} is ${error.size} bytes, more than maxBytes (${this.pickup.maxBytes}); it was not read`, {
          size: error.size,
        });
      throw error;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let records: unknown[];
    let source: string | undefined;
    try {
      source = decodeFile(bytes, this.pickup.parse.format, this.pickup.encoding);
      records = parseText(source, this.pickup.parse);
    } catch (error) {
      if (!(error instanceof FileParseError)) throw error;
      return this.poison(
        entry,
        `${entry.name}: ${error.message}`,
        {
          sha256,
          size: bytes.length,
          ...(error.line !== undefined ? { line: error.line } : {}),
          ...(error.segment !== undefined ? { segment: error.segment } : {}),
          ...(error.offset !== undefined ? { offset: error.offset } : {}),
        },
        // Bytes that are not text still carry an ASCII ISA to address the refusing 997 to.
        source ?? Buffer.from(bytes).toString('latin1'),
      );
    }
    const progressKey = `progress/${entry.name}/${sha256}`;
    const done = Number((await context.state.get(progressKey)) ?? '0');
    for (let index = done; index < records.length; index++) {
      // Stopping mid-file leaves it in place: the next start resumes from the last mark.
      if (signal.aborted) return;
      const event = this.eventOf(records[index]);
      // The index counts every record, published or not, so message ids do not depend on `events`.
      if (event !== undefined) {
        await context.publish(event, records[index], `${entry.name}:${sha256.slice(0, 32)}:${index}`);
        this.counts.events++;
      }
      if ((index + 1) % PROGRESS_EVERY === 0 && index + 1 < records.length) await context.state.put(progressKey, String(index + 1));
    }
    // Every record is stored: the partner's 997s settle our groups, and our 997 answers its groups.
    // Before the archive, so a crash in between reads the file again (both steps are idempotent).
    if (this.exchange) await (await this.exchange()).inbound(source);
    // Every record is stored: only now is the file acknowledged to the partner (moved or deleted).
    if (this.pickup.afterPublish === 'delete') await this.store.remove(path);
    else await this.moveInto(this.pickup.archiveDirectory, entry.name, sha256);
    await context.state.delete(progressKey);
    this.counts.files++;
    context.log.info('file published', { pickup: this.name, file: entry.name, events: records.length, sha256 });
  }

  /**
   * The event a record is published as: `events[<set id or message type>]`, else `event`. With an X12
   * exchange, a 997 is its business (not an event) unless `events` names `997`. A record neither names
   * is dropped and counted `unrouted`.
   */
  private eventOf(record: unknown): string | undefined {
    const type = documentTypeOf(record);
    const named = type !== undefined ? this.pickup.events[type] : undefined;
    if (named !== undefined) return named;
    if (type === '997' && this.exchange) return undefined;
    if (this.pickup.event !== undefined) return this.pickup.event;
    this.context?.count('unrouted');
    this.context?.log.warn('file record of a type the pickup does not name; dropped', {
      pickup: this.name,
      type: type ?? '(none)',
      named: Object.keys(this.pickup.events),
    });
    return undefined;
  }

  /** Moves a file into a directory, under its own name unless that is taken (then `<name>.<hash>`). */
  private async moveInto(directory: string, name: string, hash: string): Promise<string> {
    await this.store.ensureDirectory(directory);
    let target = posix.join(directory, name);
    if (await this.store.stat(target)) target = posix.join(directory, `${name}.${hash.slice(0, 12)}`);
    const from = posix.join(this.pickup.directory, name);
    try {
      await this.store.move(from, target);
    } catch (error) {
      // Already moved by another consumer of the folder: its records are stored under the same ids.
      if (isGone(error) && !(await this.store.stat(from))) return target;
      throw error;
    }
    return target;
  }

  /** A file that cannot become events: a dead letter first (durable), then the error directory. */
  private async poison(entry: FileEntry, reason: string, detail: Record<string, unknown>, text?: string): Promise<void> {
    const context = this.context;
    if (!context) return;
    const hash =
      typeof detail.sha256 === 'string'
        ? detail.sha256
        : createHash('sha256').update(`${entry.name}:${entry.size}:${entry.mtimeMs}`).digest('hex');
    const moved = posix.join(this.pickup.errorDirectory, entry.name);
    // On the dead-letter topics of every route target that consumes an event of this pickup.
    const events = new Set([...(this.pickup.event !== undefined ? [this.pickup.event] : []), ...Object.values(this.pickup.events)]);
    for (const event of events)
      await context.deadLetter?.(
        event,
        reason,
        { file: entry.name, directory: this.pickup.directory, errorDirectory: this.pickup.errorDirectory, pickup: this.name, ...detail },
        `file:${entry.name}:${hash.slice(0, 32)}`,
      );
    // The partner hears of it too: a 997 rejecting every group (X12 with a readable ISA), before the move.
    if (this.exchange && text !== undefined) await (await this.exchange()).inbound(text, { refused: true });
    const target = await this.moveInto(this.pickup.errorDirectory, entry.name, hash);
    this.counts.poisoned++;
    context.count('rejected');
    context.log.warn('file refused', { pickup: this.name, file: entry.name, reason, movedTo: target || moved });
  }
}
