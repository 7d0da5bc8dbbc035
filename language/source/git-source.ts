// An Estate's Git source: one cached clone per repository URL, refreshed by fetch, read from git
// objects (nothing is ever checked out), and revisions written the way Flux writes them.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import type { GitCredentials } from './git-credentials.ts';
import { redactSecretValues } from '../../lib/redact.ts';
import { gitAuthEnvironment, secretValues, urlHasCredentials } from './git-credentials.ts';
import { GitRepository } from './git-repository.ts';
import type { RevisionFiles } from './read-git-revision.ts';
import { readGitRevision } from './read-git-revision.ts';

/** What to follow: a branch, a tag, or a pinned commit (optionally required to be on `branch`). */
export interface GitRef {
  branch?: string;
  tag?: string;
  commit?: string;
}

/** The part of an Estate's `spec.source` this module needs. */
export interface GitSourceSpec {
  url: string;
  ref?: GitRef;
  /** Folder inside the repository holding the specs ('' = whole repository; default 'specs'). */
  path?: string;
  /** Limit for one remote operation (default 60 000 ms). */
  timeoutMs?: number;
}

/** A resolved revision: `main@sha1:<40 hex>`, `v1.2.0@sha1:<40 hex>` or `sha1:<40 hex>`, and its commit. */
export interface Revision {
  revision: string;
  commit: string;
}

/** Why a source operation failed; `reason` is machine-readable (for conditions and events). */
export type GitSourceFailure =
  | 'InvalidUrl'
  | 'CredentialsInUrl'
  | 'AuthenticationFailed'
  | 'RepositoryNotFound'
  | 'RefNotFound'
  | 'CommitNotOnBranch'
  | 'Timeout'
  | 'GitOperationFailed'
  | 'LocalSourceRefused';

/** A failed source operation. The message never contains credentials (they are scrubbed out). */
export class GitSourceError extends Error {
  readonly reason: GitSourceFailure;
  constructor(reason: GitSourceFailure, message: string) {
    super(message);
    this.name = 'GitSourceError';
    this.reason = reason;
  }
}

export interface GitSourceCacheOptions {
  /** Folder holding one clone per URL (created when missing). */
  cacheDir: string;
  log?: Logger;
  /**
   * Allow `file://` URLs (tests, local development). Off by default: in a shared cluster a local
   * path reaches the controller's own disk, where another Estate's private clone is cached under a
   * name derived from its URL.
   */
  allowLocal?: boolean;
  /** Called after each remote operation (for metrics): which, how long, whether it failed. */
  onRemoteOperation?: (operation: 'ls-remote' | 'fetch', seconds: number, failure: GitSourceFailure | undefined) => void;
}

export interface SyncResult extends Revision {
  /** The revision differs from `lastRevision` (or none was given). */
  changed: boolean;
  /** A fetch ran (false when the remote still pointed at a commit the cache holds). */
  fetched: boolean;
}

const HEX_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** `sha1:` or `sha256:` by the id's length. */
function algorithm(commit: string): string {
  return commit.length === 64 ? 'sha256' : 'sha1';
}

/** Flux's revision format: `<branch|tag>@<algo>:<commit>`, or `<algo>:<commit>` for a bare commit. */
export function formatRevision(name: string | undefined, commit: string): string {
  return name ? `${name}@${algorithm(commit)}:${commit}` : `${algorithm(commit)}:${commit}`;
}

/** The commit id inside a revision string, or undefined. */
export function revisionCommit(revision: string | undefined): string | undefined {
  const match = /(?:^|@)sha(?:1|256):([0-9a-f]{40}(?:[0-9a-f]{24})?)$/.exec(revision ?? '');
  return match?.[1];
}

/**
 * Clones, fetches and reads Estate repositories. One non-bare, never-checked-out clone per URL
 * (folder named by sha256 of the URL), remote-tracking refs under `refs/remotes/origin/`, tags under
 * `refs/tags/`. Operations on one URL are serialized; different URLs run in parallel.
 *
 * Credentials are handed to each git process through its environment only; every error message
 * and log line from this class is scrubbed of them.
 */
export class GitSourceCache {
  readonly cacheDir: string;
  private readonly log: Logger;
  private readonly onRemoteOperation: GitSourceCacheOptions['onRemoteOperation'];
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly allowLocal: boolean;

  constructor(options: GitSourceCacheOptions) {
    this.cacheDir = options.cacheDir;
    this.allowLocal = options.allowLocal ?? false;
    this.log = options.log ?? silentLogger;
    this.onRemoteOperation = options.onRemoteOperation;
  }

  /** The clone folder for a URL. */
  directoryFor(url: string): string {
    return join(this.cacheDir, createHash('sha256').update(url.trim()).digest('hex').slice(0, 24));
  }

  /**
   * What the remote's ref points at now, by `git ls-remote` (no objects transferred): the cheap poll.
   * A pinned commit without branch needs no network and is returned as is.
   */
  async remoteRevision(spec: GitSourceSpec, credentials?: GitCredentials): Promise<Revision> {
    const target = await this.resolveRemote(spec, credentials);
    return { revision: formatRevision(target.name, target.commit), commit: target.commit };
  }

  /**
   * Brings the cache up to the remote and resolves the revision. `ls-remote` runs first; the fetch
   * runs only when the cache lacks the commit (so an unchanged remote costs one ls-remote, and a
   * pinned commit already cached costs nothing). `changed` compares with `lastRevision`.
   */
  async sync(spec: GitSourceSpec, credentials?: GitCredentials, lastRevision?: string): Promise<SyncResult> {
    const target = await this.resolveRemote(spec, credentials);
    return this.locked(spec.url, async () => {
      const dir = await this.ensureClone(spec.url);
      const local = simpleGit({ baseDir: dir });
      const needed = [...new Set([target.commit, target.tip].filter((c): c is string => c !== undefined))];
      let fetched = false;
      if (!(await Promise.all(needed.map((c) => hasCommit(local, c)))).every(Boolean)) {
        await this.remote(spec, credentials, 'fetch', (git) =>
          git.raw(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', 'origin', ...target.refspecs]),
        );
        fetched = true;
      }
      if (!(await hasCommit(local, target.commit))) {
        // Fetching the branch did not bring the pinned commit: it is not on that branch.
        if (target.tip !== undefined && target.tip !== target.commit)
          throw new GitSourceError('CommitNotOnBranch', `commit ${target.commit} is not on branch "${target.name}" of ${spec.url}`);
        throw new GitSourceError('RefNotFound', `commit ${target.commit} not found in ${spec.url}`);
      }
      if (target.tip !== undefined && target.tip !== target.commit) {
        const onBranch = await local.raw(['merge-base', '--is-ancestor', target.commit, target.tip]).then(
          () => true,
          () => false,
        );
        if (!onBranch)
          throw new GitSourceError('CommitNotOnBranch', `commit ${target.commit} is not on branch "${target.name}" of ${spec.url}`);
      }
      const revision = formatRevision(target.name, target.commit);
      const changed = revision !== lastRevision;
      if (fetched || changed) this.log.debug('git source synced', { url: spec.url, revision, fetched, changed });
      return { revision, commit: target.commit, changed, fetched };
    });
  }

  /** Where the ref points on the remote (ls-remote), and the refspecs that would fetch it. */
  private async resolveRemote(spec: GitSourceSpec, credentials: GitCredentials | undefined): Promise<RemoteTarget> {
    checkSpec(spec, this.allowLocal);
    const ref = spec.ref ?? {};
    if (ref.commit && !ref.branch) {
      return { commit: ref.commit, refspecs: ['+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'] };
    }
    return this.locked(spec.url, async () => {
      await this.ensureClone(spec.url);
      return this.remote(spec, credentials, 'ls-remote', async (git) => {
        if (ref.tag) {
          const refs = parseLsRemote(await git.raw(['ls-remote', '--tags', 'origin', `refs/tags/${ref.tag}`, `refs/tags/${ref.tag}^{}`]));
          // An annotated tag lists its tag object and, with `^{}`, the commit it points at.
          const commit = refs.get(`refs/tags/${ref.tag}^{}`) ?? refs.get(`refs/tags/${ref.tag}`);
          if (!commit) throw new GitSourceError('RefNotFound', `tag "${ref.tag}" not found in ${spec.url}`);
          return { name: ref.tag, commit, tip: commit, refspecs: [`+refs/tags/${ref.tag}:refs/tags/${ref.tag}`] };
        }
        const branch = ref.branch ?? (await this.defaultBranch(git, spec.url));
        const tip = parseLsRemote(await git.raw(['ls-remote', '--heads', 'origin', `refs/heads/${branch}`])).get(`refs/heads/${branch}`);
        if (!tip) throw new GitSourceError('RefNotFound', `branch "${branch}" not found in ${spec.url}`);
        return { name: branch, commit: ref.commit ?? tip, tip, refspecs: [`+refs/heads/${branch}:refs/remotes/origin/${branch}`] };
      });
    });
  }

  /**
   * The spec files of a synced commit under `spec.path`, read from git objects with the working
   * tree's size and encoding rules. Paths are repository-relative (`specs/contracts/order.yaml`).
   */
  async readRevision(spec: GitSourceSpec, commit: string): Promise<RevisionFiles> {
    if (!HEX_ID.test(commit)) throw new GitSourceError('RefNotFound', `"${commit.slice(0, 80)}" is not a commit id`);
    const dir = this.directoryFor(spec.url);
    const repo = await GitRepository.open(dir);
    const path = spec.path ?? 'specs';
    return readGitRevision(repo, commit, [path === '' ? '.' : path], repo.root);
  }

  /** Runs `task` with exclusive use of the URL's clone (fetches into one repository must not overlap). */
  private async locked<T>(url: string, task: () => Promise<T>): Promise<T> {
    const key = this.directoryFor(url);
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  /** Creates the clone folder on first use: `git init` plus `origin` (a credential-free URL). */
  private async ensureClone(url: string): Promise<string> {
    const dir = this.directoryFor(url);
    if (existsSync(join(dir, '.git', 'config'))) return dir;
    await mkdir(dir, { recursive: true });
    const git = simpleGit({ baseDir: dir });
    await git.raw(['init', '--quiet']);
    await git.raw(['remote', 'add', 'origin', url.trim()]);
    // Objects only: no hooks, no checkout, no automatic gc in the middle of a fetch.
    await git.raw(['config', 'gc.autoDetach', 'false']);
    return dir;
  }

  /** The remote's default branch (`ls-remote --symref origin HEAD`). */
  private async defaultBranch(git: SimpleGit, url: string): Promise<string> {
    const out = await git.raw(['ls-remote', '--symref', 'origin', 'HEAD']);
    const match = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
    if (!match) throw new GitSourceError('RefNotFound', `${url} has no default branch; set spec.source.ref.branch`);
    return match[1]!;
  }

  /** Runs one remote git operation with credentials in its environment, a time limit and scrubbed errors. */
  private async remote<T>(
    spec: GitSourceSpec,
    credentials: GitCredentials | undefined,
    operation: 'ls-remote' | 'fetch',
    task: (git: SimpleGit) => Promise<T>,
  ): Promise<T> {
    const secrets = secretValues(credentials);
    const auth = await gitAuthEnvironment(spec.url, credentials);
    const timeoutMs = spec.timeoutMs ?? 60_000;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const started = performance.now();
    let failure: GitSourceFailure | undefined;
    try {
      const git = simpleGit({
        baseDir: this.directoryFor(spec.url),
        abort: abort.signal,
        allowEnvironment: [...auth.allow, 'GIT_TERMINAL_PROMPT', 'GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL', 'GIT_ALLOW_PROTOCOL'],
        unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeSshCommand: true, allowUnsafeConfigPaths: true },
      }).env({
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: this.cacheDir,
        LANG: 'C',
        LC_ALL: 'C',
        // Never prompt, never consult the machine's or user's git config (credential helpers, url rewrites).
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        // Git itself refuses other transports too (file, ext::, local paths), whatever the URL check missed.
        GIT_ALLOW_PROTOCOL: this.allowLocal ? 'https:http:ssh:git:file' : 'https:http:ssh:git',
        ...auth.env,
      });
      return await task(git);
    } catch (error) {
      const classified = classify(error, spec, abort.signal.aborted, timeoutMs, secrets);
      failure = classified.reason;
      this.log.warn('git remote operation failed', { url: spec.url, operation, reason: classified.reason, error: classified.message });
      throw classified;
    } finally {
      clearTimeout(timer);
      await auth.cleanup();
      this.onRemoteOperation?.(operation, (performance.now() - started) / 1000, failure);
    }
  }
}

function checkSpec(spec: GitSourceSpec, allowLocal: boolean): void {
  const url = spec.url.trim();
  if (!allowLocal && /^file:/i.test(url)) {
    throw new GitSourceError(
      'LocalSourceRefused',
      "file:// sources are refused: a local path would read the controller's own disk (other Estates' cached repositories). Use an https:// or ssh:// URL; `interlace controller --allow-local-sources` allows them for tests and development",
    );
  }
  if (urlHasCredentials(url)) {
    throw new GitSourceError(
      'CredentialsInUrl',
      'the repository URL holds credentials; remove them from the URL and put them in the Secret named by spec.source.secretRef',
    );
  }
  if (!/^(https?|ssh|git|file):\/\/[^\s]+$/i.test(url) && !/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/.test(url)) {
    throw new GitSourceError('InvalidUrl', `"${url.slice(0, 200)}" is not a git URL (https://, ssh://, git@host:path or file://)`);
  }
  const ref = spec.ref ?? {};
  for (const [kind, name] of [
    ['branch', ref.branch],
    ['tag', ref.tag],
  ] as const) {
    // Names go into refspecs: no option-like names, no refspec syntax, no wildcards.
    if (name !== undefined && (name.startsWith('-') || /[\s:^~?*[\\]|\.\.|@\{/.test(name) || name === '')) {
      throw new GitSourceError('RefNotFound', `"${name.slice(0, 100)}" is not a valid ${kind} name`);
    }
  }
  if (ref.commit !== undefined && !HEX_ID.test(ref.commit))
    throw new GitSourceError('RefNotFound', `"${ref.commit.slice(0, 100)}" is not a full commit id`);
  if (ref.branch && ref.tag) throw new GitSourceError('RefNotFound', 'set branch or tag, not both');
}

interface RemoteTarget {
  /** Branch or tag name for the revision string (none for a bare pinned commit). */
  name?: string;
  /** The commit to read. */
  commit: string;
  /** Where the branch or tag points now (for a commit pinned on a branch: the branch tip). */
  tip?: string;
  refspecs: string[];
}

async function hasCommit(git: SimpleGit, commit: string): Promise<boolean> {
  const out = await git.raw(['cat-file', '-t', commit]).catch(() => '');
  return out.trim() === 'commit';
}

function parseLsRemote(out: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [id, name] = line.split('\t');
    if (id && name && HEX_ID.test(id)) refs.set(name, id);
  }
  return refs;
}

/** A GitSourceError with a reason and a message scrubbed of credentials. */
function classify(error: unknown, spec: GitSourceSpec, aborted: boolean, timeoutMs: number, secrets: readonly string[]): GitSourceError {
  if (error instanceof GitSourceError) return new GitSourceError(error.reason, redactSecretValues(error.message, secrets));
  if (aborted) return new GitSourceError('Timeout', `git did not finish within ${timeoutMs} ms for ${spec.url}`);
  const raw = error instanceof Error ? error.message : String(error);
  const text = redactSecretValues(raw, secrets)
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-3)
    .join('; ');
  let reason: GitSourceFailure = 'GitOperationFailed';
  if (
    /authentication failed|could not read (username|password)|terminal prompts disabled|\b401\b|\b403\b|permission denied \(publickey|host key verification failed/i.test(
      raw,
    )
  )
    reason = 'AuthenticationFailed';
  else if (/repository .* not found|does not appear to be a git repository|\b404\b|not found/i.test(raw)) reason = 'RepositoryNotFound';
  else if (/couldn't find remote ref/i.test(raw)) reason = 'RefNotFound';
  return new GitSourceError(
    reason,
    `${reason === 'AuthenticationFailed' ? 'authentication failed' : 'git failed'} for ${spec.url}: ${text}`,
  );
}
