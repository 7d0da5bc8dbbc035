/**
 * The total size limit of one run or one git revision (issue 10 #11): the per-file limit alone let
 * 40 files of nearly 8 MiB each take the controller to 843 MiB. Files past the total are not read and
 * one `revision-too-large` diagnostic names the first of them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GitRepository } from '../../language/source/git-repository.ts';
import { readGitRevision } from '../../language/source/read-git-revision.ts';
import { DEFAULT_MAX_TOTAL_BYTES, readWorkingTree } from '../../language/source/read-working-tree.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const MiB = 1024 * 1024;
/** A comment line repeated: valid YAML of the given size, under the per-file limit of 8 MiB. */
const filler = (bytes: number) => `# ${'x'.repeat(97)}\n`.repeat(Math.floor(bytes / 100));

/** Five files of 7.5 MiB: each under the per-file limit, 37.5 MiB together. */
const BIG_FILES = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`specs/big-${i}.yaml`, filler(7.5 * MiB)]));

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

describe('total size limit', () => {
  it('the default is 32 MiB', () => {
    expect(DEFAULT_MAX_TOTAL_BYTES).toBe(32 * MiB);
  });

  it('a working tree over the total reads the files that fit and reports the rest once', () => {
    const tree = tempTree(BIG_FILES);
    cleanups.push(tree.cleanup);
    const read = readWorkingTree(['specs'], { cwd: tree.root });
    expect(read.files.map((f) => f.path)).toEqual(['specs/big-0.yaml', 'specs/big-1.yaml', 'specs/big-2.yaml', 'specs/big-3.yaml']);
    expect(read.diagnostics).toEqual([
      expect.objectContaining({
        code: 'revision-too-large',
        severity: 'error',
        file: 'specs/big-4.yaml',
        range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
        message: expect.stringContaining('32.0 MiB total limit; this file was not read'),
      }),
    ]);
  });

  it('a git revision over the total is refused from the tree listing, before its blobs are read', async () => {
    const repo = new TempRepo();
    cleanups.push(repo.cleanup);
    repo.write({ ...BIG_FILES, 'specs/small.yaml': 'a: 1\n' });
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'big');
    const git = await GitRepository.open(repo.root);
    const revision = await readGitRevision(git, 'HEAD', ['specs'], repo.root);
    expect(revision.files.map((f) => f.path)).toEqual(['specs/big-0.yaml', 'specs/big-1.yaml', 'specs/big-2.yaml', 'specs/big-3.yaml']);
    expect(revision.diagnostics).toEqual([
      expect.objectContaining({
        code: 'revision-too-large',
        file: 'specs/big-4.yaml',
        message: expect.stringContaining('this file and 1 more were not read'),
      }),
    ]);
  }, 30_000);
});
