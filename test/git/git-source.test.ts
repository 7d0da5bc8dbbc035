// The Estate's Git source against real repositories: file:// and smart HTTP served by
// `git http-backend` with auth required. Credentials must work and must never leak.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.ts';
import { credentialsFromSecretData, gitAuthEnvironment, secretValues } from '../../language/source/git-credentials.ts';
import { redactSecretValues } from '../../lib/redact.ts';
import { GitSourceCache, GitSourceError, formatRevision, revisionCommit } from '../../language/source/git-source.ts';
import { startGitHttpServer } from '../helpers/git-http-server.ts';
import type { GitHttpServer } from '../helpers/git-http-server.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const PASSWORD = 'S3cr3t-Pa55word-do-not-leak';
const TOKEN = 'glpat-TOKEN-do-not-leak-0123456789';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A repository under `root/name` with identity set and a first commit on `branch`. */
function makeRepo(
  root: string,
  name: string,
  branch = 'main',
): { dir: string; commit: (files: Record<string, string>, message: string) => string } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', branch);
  git(dir, 'config', 'user.email', 'ci@example.com');
  git(dir, 'config', 'user.name', 'CI');
  git(dir, 'config', 'commit.gpgsign', 'false');
  return {
    dir,
    commit(files, message) {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '--allow-empty', '-m', message);
      return git(dir, 'rev-parse', 'HEAD');
    },
  };
}

/** The GitSourceError a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<GitSourceError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof GitSourceError)) throw new Error(`expected a GitSourceError, got ${String(outcome)}`);
  return outcome;
}

const tree = tempTree({});
const served = join(tree.root, 'served');
const cacheDir = join(tree.root, 'cache');
const repo = makeRepo(served, 'specs');
const first = repo.commit(
  { 'specs/contracts/order.yaml': 'kind: DataContract\n', 'README.md': '# specs\n', 'other/x.yaml': 'a: 1\n' },
  'first',
);
const fileUrl = `file://${repo.dir}`;
afterAll(() => tree.cleanup());

describe('local sources are refused by default', () => {
  it("refuses file:// without running git, so one Estate cannot read another's cached clone", async () => {
    const guarded = new GitSourceCache({ cacheDir: join(tree.root, 'cache-guarded') });
    // The victim's clone, where its URL puts it in the shared cache.
    const victim = new GitSourceCache({ cacheDir: join(tree.root, 'cache-guarded'), allowLocal: true });
    await victim.sync({ url: fileUrl, ref: { branch: 'main' } });
    for (const url of [`file://${victim.directoryFor(fileUrl)}`, fileUrl, `FILE://${repo.dir}`, 'file:relative/path']) {
      const err = await guarded.sync({ url, ref: { branch: 'main' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitSourceError);
      expect((err as GitSourceError).reason).toBe('LocalSourceRefused');
      // Refused before anything touched the cache (the victim's own URL is cached, legitimately).
      if (url !== fileUrl) expect(existsSync(guarded.directoryFor(url))).toBe(false);
    }
    // A plain path is no URL at all.
    const path = await guarded.sync({ url: repo.dir }).catch((e: unknown) => e);
    expect((path as GitSourceError).reason).toBe('InvalidUrl');
  });
});

describe('GitSourceCache over file://', () => {
  const cache = new GitSourceCache({ cacheDir, allowLocal: true });

  it('resolves a branch to main@sha1:<commit>, fetches once, then reports "no change" without fetching', async () => {
    const synced = await cache.sync({ url: fileUrl, ref: { branch: 'main' } });
    expect(synced).toEqual({ revision: `main@sha1:${first}`, commit: first, changed: true, fetched: true });
    const again = await cache.sync({ url: fileUrl, ref: { branch: 'main' } }, undefined, synced.revision);
    expect(again).toEqual({ revision: synced.revision, commit: first, changed: false, fetched: false });
    expect(revisionCommit(synced.revision)).toBe(first);
  });

  it('picks up a new commit and reads only the files under path, repository-relative, without a checkout', async () => {
    const second = repo.commit({ 'specs/systems/erp.yaml': 'kind: System\n' }, 'second');
    const synced = await cache.sync({ url: fileUrl, ref: { branch: 'main' } }, undefined, `main@sha1:${first}`);
    expect(synced).toMatchObject({ revision: `main@sha1:${second}`, changed: true, fetched: true });
    const read = await cache.readRevision({ url: fileUrl, path: 'specs' }, synced.commit);
    expect(read.files.map((f) => f.path).sort()).toEqual(['specs/contracts/order.yaml', 'specs/systems/erp.yaml']);
    expect(read.files.find((f) => f.path === 'specs/systems/erp.yaml')?.text).toBe('kind: System\n');
    // Never checked out: the clone's working folder holds nothing but .git.
    expect(execFileSync('ls', ['-A', cache.directoryFor(fileUrl)], { encoding: 'utf8' }).trim()).toBe('.git');
    // The old revision is still readable (rollback, diffing against the last applied revision).
    expect((await cache.readRevision({ url: fileUrl, path: 'specs' }, first)).files.map((f) => f.path)).toEqual([
      'specs/contracts/order.yaml',
    ]);
  });

  it('follows the remote default branch when no ref is given', async () => {
    const trunk = makeRepo(served, 'trunk-repo', 'trunk');
    const c = trunk.commit({ 'specs/a.yaml': 'a: 1\n' }, 'c');
    expect((await cache.sync({ url: `file://${trunk.dir}` })).revision).toBe(`trunk@sha1:${c}`);
  });

  it('resolves an annotated tag to the commit it points at: v1.2.0@sha1:<commit>', async () => {
    const tagged = git(repo.dir, 'rev-parse', 'HEAD');
    git(repo.dir, 'tag', '-a', 'v1.2.0', '-m', 'release');
    const tagObject = git(repo.dir, 'rev-parse', 'v1.2.0');
    expect(tagObject).not.toBe(tagged);
    const synced = await cache.sync({ url: fileUrl, ref: { tag: 'v1.2.0' } });
    expect(synced.revision).toBe(`v1.2.0@sha1:${tagged}`);
    expect((await cache.readRevision({ url: fileUrl }, synced.commit)).files.length).toBe(2);
  });

  it('pins a commit (sha1:<commit>), needing no network once cached; with a branch it must be on it', async () => {
    const pinned = await cache.sync({ url: fileUrl, ref: { commit: first } });
    expect(pinned.revision).toBe(`sha1:${first}`);
    expect(pinned.fetched).toBe(false);
    expect((await cache.sync({ url: fileUrl, ref: { commit: first, branch: 'main' } })).revision).toBe(`main@sha1:${first}`);
    git(repo.dir, 'checkout', '-q', '-b', 'side');
    const side = repo.commit({ 'specs/side.yaml': 's: 1\n' }, 'side');
    git(repo.dir, 'checkout', '-q', 'main');
    const err = await cache.sync({ url: fileUrl, ref: { commit: side, branch: 'main' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitSourceError);
    expect((err as GitSourceError).reason).toBe('CommitNotOnBranch');
    // A commit not cached yet is fetched with all branches.
    const fresh = new GitSourceCache({ cacheDir: join(tree.root, 'cache-fresh'), allowLocal: true });
    expect(await fresh.sync({ url: fileUrl, ref: { commit: side } })).toMatchObject({ revision: `sha1:${side}`, fetched: true });
  });

  it('reports a missing branch or tag as RefNotFound and a missing repository as RepositoryNotFound', async () => {
    await expect(cache.sync({ url: fileUrl, ref: { branch: 'nope' } })).rejects.toMatchObject({ reason: 'RefNotFound' });
    await expect(cache.sync({ url: fileUrl, ref: { tag: 'v9' } })).rejects.toMatchObject({ reason: 'RefNotFound' });
    await expect(cache.sync({ url: `file://${join(served, 'absent')}` })).rejects.toMatchObject({ reason: 'RepositoryNotFound' });
    await expect(cache.sync({ url: fileUrl, ref: { branch: '--upload-pack=touch /tmp/x' } })).rejects.toMatchObject({
      reason: 'RefNotFound',
    });
  });

  it('serializes concurrent syncs of one URL', async () => {
    const results = await Promise.all([1, 2, 3].map(() => cache.sync({ url: fileUrl, ref: { branch: 'main' } })));
    expect(new Set(results.map((r) => r.revision)).size).toBe(1);
  });

  it('reports changes cheaply via remoteRevision (ls-remote) before any fetch', async () => {
    const other = new GitSourceCache({ cacheDir: join(tree.root, 'cache-poll'), allowLocal: true });
    const head = git(repo.dir, 'rev-parse', 'main');
    expect(await other.remoteRevision({ url: fileUrl, ref: { branch: 'main' } })).toEqual({
      revision: formatRevision('main', head),
      commit: head,
    });
    expect(git(other.directoryFor(fileUrl), 'count-objects').startsWith('0 objects')).toBe(true);
  });
});

describe('GitSourceCache over smart HTTP with auth required', () => {
  let server: GitHttpServer;
  let bearerServer: GitHttpServer;
  let echoServer: GitHttpServer;
  const logLines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => logLines.push(l) });
  const cache = new GitSourceCache({ cacheDir: join(tree.root, 'cache-http'), log });
  const creds = credentialsFromSecretData({
    username: Buffer.from('ci-bot').toString('base64'),
    password: Buffer.from(PASSWORD).toString('base64'),
  });
  let url: string;

  beforeAll(async () => {
    server = await startGitHttpServer({ projectRoot: served, basic: { username: 'ci-bot', password: PASSWORD } });
    bearerServer = await startGitHttpServer({ projectRoot: served, bearer: TOKEN });
    echoServer = await startGitHttpServer({ projectRoot: served, echoAuthorization: true });
    url = `${server.url}/specs`;
  });
  afterAll(async () => {
    await server.close();
    await bearerServer.close();
    await echoServer.close();
  });

  /** Everything a person or a log shipper could see must be free of the secret in any form. */
  function expectNoLeak(text: string): void {
    for (const secret of [PASSWORD, TOKEN, Buffer.from(`ci-bot:${PASSWORD}`).toString('base64'), encodeURIComponent(PASSWORD)]) {
      expect(text).not.toContain(secret);
    }
  }

  it('fetches with username/password from a Secret, sent only as an Authorization header', async () => {
    const synced = await cache.sync({ url, ref: { branch: 'main' } }, creds);
    expect(synced.revision).toBe(`main@sha1:${git(repo.dir, 'rev-parse', 'main')}`);
    expect(synced.fetched).toBe(true);
    expect(server.requests.some((r) => r.authorization === `Basic ${Buffer.from(`ci-bot:${PASSWORD}`).toString('base64')}`)).toBe(true);
    for (const r of server.requests) expectNoLeak(r.url);
    // Nothing about the credentials is stored in the cached clone's configuration.
    const config = readFileSync(join(cache.directoryFor(url), '.git', 'config'), 'utf8');
    expect(config).toContain(url);
    expectNoLeak(config);
    expect(config).not.toMatch(/extraheader|authorization/i);
    const files = await cache.readRevision({ url }, synced.commit);
    expect(files.files.map((f) => f.path)).toContain('specs/contracts/order.yaml');
    expectNoLeak(logLines.join(''));
  });

  it('fails with AuthenticationFailed without or with wrong credentials, leaking nothing', async () => {
    const other = new GitSourceCache({ cacheDir: join(tree.root, 'cache-http-bad'), log });
    const none = await failure(other.sync({ url, ref: { branch: 'main' } }));
    expect(none).toBeInstanceOf(GitSourceError);
    expect(none.reason).toBe('AuthenticationFailed');
    const wrong = credentialsFromSecretData({ username: 'ci-bot', password: `${PASSWORD}-wrong` }, 'plain');
    const bad = await failure(other.sync({ url, ref: { branch: 'main' } }, wrong));
    expect(bad.reason).toBe('AuthenticationFailed');
    expect(bad.message).toContain(url);
    expectNoLeak(bad.message);
    expect(bad.message).not.toContain(`${PASSWORD}-wrong`);
    expectNoLeak(logLines.join(''));
  });

  it('fetches with a bearer token', async () => {
    const other = new GitSourceCache({ cacheDir: join(tree.root, 'cache-http-bearer') });
    const synced = await other.sync({ url: `${bearerServer.url}/specs`, ref: { branch: 'main' } }, { bearerToken: TOKEN });
    expect(synced.fetched).toBe(true);
    expect(bearerServer.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("scrubs credentials that a server echoes back into git's error output", async () => {
    // Proof the hazard is real: plain git prints what this server sends back, password included.
    // (async: the server runs in this process)
    const raw = await new Promise<string>((resolve) => {
      execFile(
        'git',
        [
          '-c',
          `http.extraHeader=Authorization: Basic ${Buffer.from(`ci-bot:${PASSWORD}`).toString('base64')}`,
          'ls-remote',
          `${echoServer.url}/specs`,
        ],
        { encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
        (_err, _out, stderr) => resolve(stderr),
      );
    });
    expect(raw).toContain(PASSWORD);
    const other = new GitSourceCache({ cacheDir: join(tree.root, 'cache-http-echo'), log });
    const err = await failure(other.sync({ url: `${echoServer.url}/specs`, ref: { branch: 'main' } }, creds));
    expect(err).toBeInstanceOf(GitSourceError);
    expect(err.message).toContain('access denied');
    expectNoLeak(err.message);
    expectNoLeak(String(err.stack));
    expectNoLeak(logLines.join(''));
  });

  it('refuses a URL that carries credentials, without repeating them', async () => {
    const withCreds = url.replace('http://', `http://ci-bot:${PASSWORD}@`);
    const err = await failure(cache.sync({ url: withCreds }));
    expect(err.reason).toBe('CredentialsInUrl');
    expectNoLeak(err.message);
    const tokenUser = await failure(cache.sync({ url: url.replace('http://', `http://${TOKEN}@`) }));
    expect(tokenUser.reason).toBe('CredentialsInUrl');
    expectNoLeak(tokenUser.message);
  });

  it('gives up after the timeout on a server that never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const other = new GitSourceCache({ cacheDir: join(tree.root, 'cache-timeout') });
    const started = Date.now();
    const err = await failure(
      other.sync({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/specs`, timeoutMs: 1500 }, creds),
    );
    expect(err.reason).toBe('Timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const s of sockets) s.destroy();
    silent.close();
  });
});

describe('credential helpers', () => {
  it('redactSecretValues() removes every secret form and URL passwords', () => {
    const creds = { username: 'u', password: PASSWORD };
    const header = Buffer.from(`u:${PASSWORD}`).toString('base64');
    const text = `failed: ${PASSWORD} / Basic ${header} / https://u:${encodeURIComponent(PASSWORD)}@h/r / https://x:other@h`;
    const out = redactSecretValues(text, secretValues(creds));
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain(header);
    expect(out).not.toContain('other@');
    expect(out).toContain('https://u:***@h/r');
  });

  it('writes SSH key and known_hosts to private files for GIT_SSH_COMMAND and removes them', async () => {
    const auth = await gitAuthEnvironment('git@github.com:acme/specs.git', {
      identity: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAkeymaterial\n-----END OPENSSH PRIVATE KEY-----',
      knownHosts: 'github.com ssh-ed25519 AAAA\n',
    });
    const command = auth.env.GIT_SSH_COMMAND!;
    expect(command).toContain('StrictHostKeyChecking=yes');
    expect(command).not.toContain('AAAAkeymaterial');
    const keyFile = /-i '([^']+)'/.exec(command)![1]!;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(auth.env.GIT_CONFIG_VALUE_0).toBeUndefined();
    await auth.cleanup();
    expect(existsSync(keyFile)).toBe(false);
  });
});
