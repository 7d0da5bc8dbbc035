import { spawn } from 'node:child_process';
import { relative, resolve, sep } from 'node:path';
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';

/** A git problem the user can fix (no repository, missing base ref, shallow clone): a message and the command that fixes it. */
export class GitProblem extends Error {
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

export interface TreeEntry {
  /** Path relative to the repository root, `/`-separated. */
  path: string;
  mode: string;
  object: string;
  size: number;
}

/**
 * Read-only access to a git repository: resolve refs, list a revision's files, read blobs — all
 * without checking anything out, so the working tree under review stays untouched.
 */
export class GitRepository {
  readonly root: string;
  private readonly git: SimpleGit;

  private constructor(root: string) {
    this.root = root;
    this.git = simpleGit({ baseDir: root, maxConcurrentProcesses: 2 });
  }

  /** Opens the repository that contains `directory`. */
  static async open(directory: string): Promise<GitRepository> {
    let top: string;
    try {
      top = (await simpleGit({ baseDir: directory }).revparse(['--show-toplevel'])).trim();
    } catch {
      throw new GitProblem(
        `${directory} is not inside a git repository`,
        'Run `interlace check` inside a clone of the specs repository, or leave out --base to check the working tree alone.',
      );
    }
    return new GitRepository(top);
  }

  /** The commit a ref names, or a GitProblem saying how to fetch it. */
  async resolveCommit(ref: string): Promise<string> {
    if (ref.startsWith('-')) throw new GitProblem(`"${ref}" is not a git ref`, 'Pass a branch, tag or commit, e.g. --base origin/main.');
    // simple-git resolves a failed command that printed nothing (as `--quiet` does), so an empty answer is a failure too.
    const commit = (await this.git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]).catch(() => '')).trim();
    if (/^[0-9a-f]{40,64}$/.test(commit)) return commit;
    const shallow = (await this.git.raw(['rev-parse', '--is-shallow-repository']).catch(() => 'false')).trim() === 'true';
    const branch = ref.replace(/^origin\//, '');
    if (shallow) {
      throw new GitProblem(
        `base revision "${ref}" is not in this shallow clone`,
        `Fetch it: \`git fetch --no-tags --depth=1 origin ${branch}:refs/remotes/origin/${branch}\` (with actions/checkout, set fetch-depth: 0 instead).`,
      );
    }
    throw new GitProblem(
      `unknown base revision "${ref}"`,
      `Check the name, or fetch it: \`git fetch origin ${branch}:refs/remotes/origin/${branch}\`.`,
    );
  }

  /** The current commit, or undefined in a repository without commits. */
  async head(): Promise<string | undefined> {
    return (await this.git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '')).trim() || undefined;
  }

  /** Files of a revision below the given repository-relative paths (all files for `[]`). */
  async listTree(commit: string, paths: readonly string[]): Promise<TreeEntry[]> {
    const out = await this.git.raw([
      'ls-tree',
      '-r',
      '-z',
      '--long',
      '--full-tree',
      commit,
      '--',
      ...paths.map((p) => (p === '' ? '.' : p)),
    ]);
    const entries: TreeEntry[] = [];
    for (const record of out.split('\0')) {
      if (record === '') continue;
      const tab = record.indexOf('\t');
      const [mode, type, object, size] = record.slice(0, tab).split(/\s+/);
      if (type !== 'blob') continue;
      entries.push({ path: record.slice(tab + 1), mode: mode!, object: object!, size: Number(size) });
    }
    return entries;
  }

  /**
   * Reads many blobs with one `git cat-file --batch` process (one process per file would take
   * seconds on a large estate). Objects are ids or `<rev>:<path>`; a missing one maps to undefined.
   */
  readBlobs(objects: readonly string[]): Promise<Map<string, Buffer | undefined>> {
    return new Promise((done, fail) => {
      const result = new Map<string, Buffer | undefined>();
      if (objects.length === 0) return done(result);
      const child = spawn('git', ['cat-file', '--batch'], { cwd: this.root, stdio: ['pipe', 'pipe', 'pipe'] });
      let buffer: Buffer = Buffer.alloc(0);
      let index = 0;
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.stdout.on('data', (chunk: Buffer) => {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
        for (;;) {
          const newline = buffer.indexOf(0x0a);
          if (newline === -1) return;
          const header = buffer.subarray(0, newline).toString();
          if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
            result.set(objects[index++]!, undefined);
            buffer = buffer.subarray(newline + 1);
            continue;
          }
          const size = Number(header.split(' ')[2]);
          if (buffer.length < newline + 1 + size + 1) return;
          result.set(objects[index++]!, Buffer.from(buffer.subarray(newline + 1, newline + 1 + size)));
          buffer = buffer.subarray(newline + 1 + size + 1);
        }
      });
      child.on('error', fail);
      child.on('close', (code) =>
        code === 0 && index === objects.length ? done(result) : fail(new Error(`git cat-file failed (${code}): ${stderr.trim()}`)),
      );
      child.stdin.end(objects.map((o) => `${o}\n`).join(''));
    });
  }

  /**
   * Paths changed between a commit and the working tree (committed, staged, unstaged and untracked),
   * with renames followed: each entry maps a current path to its path at `commit` (undefined when new).
   */
  async changesSince(commit: string, paths: readonly string[]): Promise<{ changed: Map<string, string | undefined>; removed: string[] }> {
    const spec = ['--', ...paths.map((p) => (p === '' ? '.' : p))];
    const diff = await this.git.raw(['diff', '--name-status', '-z', '-M', '--no-ext-diff', commit, ...spec]);
    const changed = new Map<string, string | undefined>();
    const removed: string[] = [];
    const fields = diff.split('\0');
    for (let i = 0; i < fields.length - 1; ) {
      const status = fields[i++]!;
      if (status.startsWith('R') || status.startsWith('C')) {
        const from = fields[i++]!;
        const to = fields[i++]!;
        changed.set(to, status.startsWith('R') ? from : undefined);
        if (status.startsWith('C')) changed.set(to, undefined);
      } else if (status === 'D') {
        removed.push(fields[i++]!);
      } else {
        const path = fields[i++]!;
        changed.set(path, status === 'A' ? undefined : path);
      }
    }
    const untracked = await this.git.raw(['ls-files', '--others', '--exclude-standard', '-z', ...spec]);
    for (const path of untracked.split('\0')) if (path !== '') changed.set(path, undefined);
    return { changed, removed };
  }

  /** Commits of `commit`'s history that touched a path, newest first, following renames; at most `limit`. */
  async history(commit: string, path: string, limit: number): Promise<{ commit: string; path: string }[]> {
    const out = await this.git.raw(['log', '--follow', '--format=%x00%H', '--name-only', `-n${limit}`, commit, '--', path]);
    const entries: { commit: string; path: string }[] = [];
    for (const block of out.split('\0')) {
      const lines = block.trim().split('\n').filter(Boolean);
      if (lines.length >= 2) entries.push({ commit: lines[0]!, path: lines[lines.length - 1]! });
    }
    return entries;
  }

  /** A path relative to the repository root, for a path relative to `cwd`. */
  toRepoPath(cwd: string, path: string): string {
    const rel = relative(this.root, resolve(cwd, path));
    return rel.split(sep).join('/');
  }
}
