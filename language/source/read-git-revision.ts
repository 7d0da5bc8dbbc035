import { createHash } from 'node:crypto';
import { relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { FILE_START } from '../diagnostics/diagnostic.ts';
import { decodeSpecBytes } from './decode.ts';
import type { GitRepository } from './git-repository.ts';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_TOTAL_BYTES, TotalSize } from './read-working-tree.ts';
import type { SourceFile } from './source-file.ts';

const SPEC_FILE = /\.ya?ml$/i;

export interface RevisionFiles {
  commit: string;
  files: SourceFile[];
  /** Display paths whose content at this revision equals what the caller already holds (not read). */
  unchanged: string[];
  diagnostics: Diagnostic[];
  /** Display path (relative to cwd) by repository path, to match git's rename records. */
  displayPath: (repoPath: string) => string;
}

/**
 * Reads the spec files of a revision straight from git objects (nothing is checked out), with the
 * same size and encoding rules as the working tree. Files are shown with the paths they would have
 * in the working tree, so findings at both revisions line up.
 */
export async function readGitRevision(
  repo: GitRepository,
  commit: string,
  paths: readonly string[],
  cwd: string,
  maxFileBytes = DEFAULT_MAX_FILE_BYTES,
  /** Files the caller already holds at this blob id (shown path → true): listed in `unchanged`, not read. */
  alreadyHave?: (shown: string, objectId: string) => boolean,
  maxTotalBytes = DEFAULT_MAX_TOTAL_BYTES,
): Promise<RevisionFiles> {
  const repoPaths = paths.map((p) => repo.toRepoPath(cwd, p));
  const displayPath = (repoPath: string) => {
    const rel = relative(cwd, resolve(repo.root, repoPath));
    return (rel.startsWith('..') ? resolve(repo.root, repoPath) : rel).split(sep).join('/');
  };
  const entries = (await repo.listTree(commit, repoPaths)).filter(
    (e) => SPEC_FILE.test(e.path) && !e.path.split('/').some((part) => part.startsWith('.') || part === 'node_modules'),
  );
  const diagnostics: Diagnostic[] = [];
  const readable = entries.filter((entry) => {
    // Symbolic links in git are stored as their target path; specs are never read through them.
    if (entry.mode === '120000') return false;
    if (entry.size > maxFileBytes) {
      diagnostics.push({
        code: 'file-too-large',
        severity: 'error',
        file: displayPath(entry.path),
        range: FILE_START,
        path: [],
        message: `at the base revision, file is ${entry.size} bytes, larger than the ${maxFileBytes}-byte limit; it was not read`,
        hint: 'Raise --max-file-size if the base really holds such a file.',
      });
      return false;
    }
    return true;
  });
  // Sizes come from the tree listing, so a revision too large to hold is refused before any blob is read.
  const total = new TotalSize(maxTotalBytes);
  const admitted = readable.filter((entry) => total.admit(displayPath(entry.path), entry.size));
  const overTotal = total.diagnostic();
  if (overTotal) diagnostics.push(overTotal);
  const unchanged: string[] = [];
  const toRead = admitted.filter((entry) => {
    if (!alreadyHave?.(displayPath(entry.path), entry.object)) return true;
    unchanged.push(displayPath(entry.path));
    return false;
  });
  const blobs = await repo.readBlobs(toRead.map((e) => e.object));
  const files: SourceFile[] = [];
  for (const entry of toRead) {
    const bytes = blobs.get(entry.object);
    if (!bytes) continue;
    const shown = displayPath(entry.path);
    const decoded = decodeSpecBytes(shown, bytes);
    diagnostics.push(...decoded.diagnostics);
    if (decoded.text !== undefined) files.push({ path: shown, text: decoded.text });
  }
  return { commit, files, unchanged, diagnostics, displayPath };
}

/** The id git gives a blob with this content (`git hash-object`), to tell unchanged files without reading them. */
export function gitBlobId(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
