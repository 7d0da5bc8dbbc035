import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempTree } from './temp-tree.ts';

/** A real git repository in a temporary folder, for git-tier tests: commit, branch, move, like a pull request. */
export class TempRepo {
  readonly root: string;
  readonly cleanup: () => void;

  constructor() {
    const tree = tempTree({});
    this.root = tree.root;
    this.cleanup = tree.cleanup;
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.email', 'ci@example.com');
    this.git('config', 'user.name', 'CI');
    this.git('config', 'commit.gpgsign', 'false');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  write(files: Record<string, string | Uint8Array>): this {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.root, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    return this;
  }

  remove(path: string): this {
    rmSync(join(this.root, path), { force: true, recursive: true });
    return this;
  }

  move(from: string, to: string): this {
    mkdirSync(dirname(join(this.root, to)), { recursive: true });
    renameSync(join(this.root, from), join(this.root, to));
    return this;
  }

  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }
}
