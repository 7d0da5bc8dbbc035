import type { Stats } from 'node:fs';
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { FILE_START } from '../diagnostics/diagnostic.ts';
import { decodeSpecBytes } from './decode.ts';
import type { SourceFile } from './source-file.ts';

export interface ReadOptions {
  /** Directory that relative paths and displayed paths are taken from. */
  cwd?: string;
  /** Files larger than this are reported, not read (bounded memory). Default 8 MiB. */
  maxFileBytes?: number;
  /** All files together: once read files add up to this, the rest are reported, not read. Default 32 MiB. */
  maxTotalBytes?: number;
}

export interface ReadResult {
  files: SourceFile[];
  diagnostics: Diagnostic[];
}

export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;
/**
 * The sum over the files of one run or one git revision. The per-file limit alone let 40 files of
 * nearly 8 MiB each take a controller past its memory limit; real estates are well under 1 MiB.
 */
export const DEFAULT_MAX_TOTAL_BYTES = 32 * 1024 * 1024;
const SPEC_FILE = /\.ya?ml$/i;
/** Folders that never hold specs and can be huge. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git']);

/**
 * Reads every .yaml/.yml file below the given paths. Symbolic links are followed only while they
 * stay inside the root they were found under; loops and escapes are reported, never followed.
 * Problems with one file never stop the others from being read.
 */
export function readWorkingTree(paths: readonly string[], options: ReadOptions = {}): ReadResult {
  const cwd = options.cwd ?? process.cwd();
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const seenFiles = new Set<string>();
  const display = (absolute: string) => {
    const rel = relative(cwd, absolute);
    const shown = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? absolute : rel;
    return shown.split(sep).join('/');
  };
  const fileProblem = (absolute: string, code: string, message: string, hint: string) =>
    diagnostics.push({ code, severity: 'error', file: display(absolute), range: FILE_START, path: [], message, hint });

  const total = new TotalSize(options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES);
  const readOne = (absolute: string, real: string) => {
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    let size = 0;
    try {
      size = statSync(real).size;
    } catch {
      // readSpecFile reports what is wrong with the file.
    }
    if (!total.admit(display(absolute), Math.min(size, maxFileBytes + 1))) return;
    const one = readSpecFile(real, display(absolute), maxFileBytes);
    diagnostics.push(...one.diagnostics);
    if (one.file) files.push({ ...one.file, realPath: real });
  };

  const walk = (directory: string, realDirectory: string, rootReal: string, ancestors: Set<string>) => {
    let entries: string[];
    try {
      entries = readdirSync(directory).sort();
    } catch (error) {
      fileProblem(directory, 'file-unreadable', `cannot list directory: ${(error as Error).message}`, 'Check the directory permissions.');
      return;
    }
    for (const entry of entries) {
      const absolute = join(directory, entry);
      let link: Stats;
      try {
        link = lstatSync(absolute);
      } catch (error) {
        fileProblem(absolute, 'file-unreadable', `cannot read: ${(error as Error).message}`, 'Check the permissions.');
        continue;
      }
      let real = join(realDirectory, entry);
      let isDirectory = link.isDirectory();
      let isFile = link.isFile();
      if (link.isSymbolicLink()) {
        try {
          real = realpathSync(absolute);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ELOOP')
            fileProblem(absolute, 'path-symlink-loop', 'symbolic link loops back on itself', 'Remove the link or point it at a real file.');
          else if (SPEC_FILE.test(entry))
            fileProblem(
              absolute,
              'file-unreadable',
              `symbolic link is broken: ${(error as Error).message}`,
              'Remove the link or point it at an existing file.',
            );
          continue;
        }
        if (!isInside(real, rootReal)) {
          fileProblem(
            absolute,
            'path-outside-root',
            `symbolic link points outside ${display(rootReal)}: ${real}`,
            'Specs must live inside the folder being validated; copy the file in instead of linking to it.',
          );
          continue;
        }
        const target = statSync(real);
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDirectory) {
        if (SKIPPED_DIRECTORIES.has(entry) || entry.startsWith('.')) continue;
        if (ancestors.has(real)) {
          fileProblem(
            absolute,
            'path-symlink-loop',
            'symbolic link points at a folder that contains it; following it would never end',
            'Remove the link.',
          );
          continue;
        }
        walk(absolute, real, rootReal, new Set([...ancestors, real]));
      } else if (isFile && SPEC_FILE.test(entry)) {
        readOne(absolute, real);
      } else if (SPEC_FILE.test(entry)) {
        // A pipe, socket or device named like a spec: reading it could block forever, skipping it silently would hide it.
        fileProblem(
          absolute,
          'file-unreadable',
          'not a regular file (a pipe, socket or device); it was not read',
          'Replace it with a regular file.',
        );
      }
    }
  };

  for (const given of paths) {
    const absolute = resolve(cwd, given);
    let real: string;
    try {
      real = realpathSync(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP')
        fileProblem(absolute, 'path-symlink-loop', 'symbolic link loops back on itself', 'Remove the link or point it at a real file.');
      else
        fileProblem(
          absolute,
          'file-unreadable',
          `no such file or directory: ${given}`,
          'Check the path; `interlace validate` with no paths reads ./specs.',
        );
      continue;
    }
    const stat = statSync(real);
    if (stat.isDirectory()) walk(absolute, real, real, new Set([real]));
    else readOne(absolute, real);
  }
  const overTotal = total.diagnostic();
  if (overTotal) diagnostics.push(overTotal);
  if (files.length === 0 && diagnostics.length === 0) {
    diagnostics.push({
      code: 'no-spec-files',
      severity: 'error',
      file: paths.map((p) => display(resolve(cwd, p))).join(', ') || '.',
      range: FILE_START,
      path: [],
      message: 'no .yaml or .yml files found',
      hint: 'Pass the folder that holds your specs, e.g. `interlace validate specs/`.',
    });
  }
  return { files, diagnostics };
}

/**
 * Counts bytes against the total limit. Files are admitted in reading order until the next one would
 * pass the limit; every file after that is left unread and one diagnostic, at the first, says so.
 */
export class TotalSize {
  private used = 0;
  private readonly refused: string[] = [];
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }

  /** True when a file of `bytes` still fits; counts it. */
  admit(shown: string, bytes: number): boolean {
    if (this.refused.length === 0 && this.used + bytes <= this.limit) {
      this.used += bytes;
      return true;
    }
    this.refused.push(shown);
    return false;
  }

  /** The one `revision-too-large` diagnostic, when any file was refused. */
  diagnostic(): Diagnostic | undefined {
    const first = this.refused[0];
    if (first === undefined) return undefined;
    const others = this.refused.length - 1;
    return {
      code: 'revision-too-large',
      severity: 'error',
      file: first,
      range: FILE_START,
      path: [],
      message: `the spec files add up to more than the ${formatBytes(this.limit)} total limit; ${others > 0 ? `this file and ${others} more were` : 'this file was'} not read`,
      hint: 'Keep only specs under the given paths (generated or data files belong elsewhere), or split the estate.',
    };
  }
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/**
 * Reads one spec file with the same limits and checks as a tree walk: size, encoding, binary
 * content. `--watch` uses it to re-read only the file that changed.
 */
export function readSpecFile(
  real: string,
  shown: string,
  maxFileBytes = DEFAULT_MAX_FILE_BYTES,
): { file?: SourceFile; diagnostics: Diagnostic[] } {
  const problem = (code: string, message: string, hint: string): { diagnostics: Diagnostic[] } => ({
    diagnostics: [{ code, severity: 'error', file: shown, range: FILE_START, path: [], message, hint }],
  });
  let size: number;
  try {
    const stat = statSync(real);
    // A pipe or device given by path (`validate /dev/zero`) reports size 0 and would be read forever.
    if (!stat.isFile())
      return problem(
        'file-unreadable',
        'not a regular file (a pipe, socket or device); it was not read',
        'Pass a regular file or a folder.',
      );
    size = stat.size;
  } catch (error) {
    return problem('file-unreadable', `cannot read file: ${(error as Error).message}`, 'Check that the file exists and is readable.');
  }
  if (size > maxFileBytes) {
    return problem(
      'file-too-large',
      `file is ${formatBytes(size)}, larger than the ${formatBytes(maxFileBytes)} limit; it was not read`,
      'Split it into smaller files (one document per file is the convention), or raise the limit with --max-file-size.',
    );
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(real);
  } catch (error) {
    return problem('file-unreadable', `cannot read file: ${(error as Error).message}`, 'Check that the file exists and is readable.');
  }
  const decoded = decodeSpecBytes(shown, bytes);
  return decoded.text === undefined
    ? { diagnostics: decoded.diagnostics }
    : { file: { path: shown, text: decoded.text }, diagnostics: decoded.diagnostics };
}
