import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { tempTree } from '../helpers/temp-tree.ts';
import { contract, ORDER_SCHEMA_CLOSED } from '../helpers/specs.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function repoWithOrder(): TempRepo {
  const repo = new TempRepo().write({ 'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED) });
  repo.commit('base');
  cleanups.push(repo.cleanup);
  return repo;
}

describe('check --base: bad input never crashes', () => {
  it('an unknown base ref exits 2 and says how to fetch it', async () => {
    const repo = repoWithOrder();
    const result = await runCli(['check', 'specs', '--base', 'origin/main'], repo.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown base revision "origin/main"');
    expect(result.stderr).toContain('git fetch origin main:refs/remotes/origin/main');
  });

  it('a shallow clone without the base commit names the git command that fixes it', async () => {
    const origin = repoWithOrder();
    origin.git('checkout', '-q', '-b', 'feature');
    origin.write({ 'specs/order.yaml': contract('order', '2.0.1', ORDER_SCHEMA_CLOSED, '  description: x\n') });
    origin.commit('feature');
    const clone = tempTree({});
    cleanups.push(clone.cleanup);
    execFileSync('git', ['clone', '-q', '--depth=1', '--branch', 'feature', `file://${origin.root}`, `${clone.root}/c`]);
    const result = await runCli(['check', 'specs', '--base', 'origin/main'], `${clone.root}/c`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not in this shallow clone');
    expect(result.stderr).toContain('git fetch --no-tags --depth=1 origin main:refs/remotes/origin/main');
  });

  it('outside a git repository: exit 2 with a clear message; without --base the tree is still checked', async () => {
    const tree = tempTree({ 'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED) });
    cleanups.push(tree.cleanup);
    const result = await runCli(['check', 'specs', '--base', 'main'], tree.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not inside a git repository');
    expect(result.stderr).not.toContain('    at ');
    expect((await runCli(['check', 'specs'], tree.root)).code).toBe(0);
  });

  it('a base revision with invalid and binary files is reported as a warning, not fatal', async () => {
    const repo = new TempRepo().write({
      'specs/order.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED),
      'specs/broken.yaml': 'kind: [unclosed\n',
      'specs/blob.yaml': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
    });
    repo.commit('base');
    cleanups.push(repo.cleanup);
    repo.remove('specs/broken.yaml').remove('specs/blob.yaml');
    const result = await runCli(['check', 'specs', '--base', 'main', '--format', 'json', '--today', '2026-11-26'], repo.root);
    expect(result.code).toBe(0);
    const [note] = JSON.parse(result.stdout).diagnostics;
    expect(note).toMatchObject({ code: 'base-invalid', severity: 'warning' });
    expect(note.message).toContain('has 2 problems');
  });

  it('a history of hundreds of commits stays bounded by --history-limit', async () => {
    const repo = new TempRepo();
    cleanups.push(repo.cleanup);
    for (let i = 0; i < 60; i++) {
      repo.write({
        'specs/order.yaml': contract(
          'order',
          `2.${i}.0`,
          ORDER_SCHEMA_CLOSED,
          `  compatibility: FULL_TRANSITIVE\n  description: revision ${i}\n`,
        ),
      });
      repo.commit(`v2.${i}.0`);
    }
    repo.write({
      'specs/order.yaml': contract(
        'order',
        '2.60.0',
        ORDER_SCHEMA_CLOSED,
        '  compatibility: FULL_TRANSITIVE\n  description: revision 60\n',
      ),
    });
    const result = await runCli(
      ['check', 'specs', '--base', 'main', '--format', 'json', '--today', '2026-11-26', '--history-limit', '20'],
      repo.root,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).diagnostics).toEqual([]);
  });
});
