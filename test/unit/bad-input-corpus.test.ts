/**
 * The bad-input corpus: every way a spec file can be wrong, each with the diagnostic it must produce.
 * Each case runs next to a good document and another bad file, so the test also proves that one
 * broken file never hides the rest of the run. Textual cases live in test/corpus/bad-inputs/; cases
 * that are big, binary or need the file system are generated below.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CODES } from '../../language/diagnostics/codes.ts';
import { runCli } from '../helpers/cli.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = join(REPO, 'test/corpus/bad-inputs');
const CASE_TIMEOUT = 20_000;
/** Heap limit for the child-process runs of the heavy cases: a blow-up crashes instead of passing. */
const CHILD_HEAP_MB = 256;
/** Resident memory a heavy case may use in the child process (Node itself takes about 50 MB). */
const CHILD_MAX_RSS_MB = 400;

interface Expectation {
  code: string;
  /** File of the diagnostic, relative to the case's place in specs/. */
  file: string;
  at?: { line: number; column: number };
  /** Text the message or hint must contain. */
  text?: string;
}

interface Case extends Expectation {
  name: string;
  /** Writes the case into the tree; `specs` is the folder validated, `root` its parent (for links that escape). */
  build: (specs: string, root: string) => void;
  /** Big inputs: also run in a child process with a small heap. */
  heavy?: boolean;
  skip?: string;
}

const GOOD = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata:
  name: corpus-good
spec:
  version: 1.0.0
  owner: team-corpus
  identity: [id]
  schema:
    type: object
    properties:
      id: { type: string }
`;

const OTHER_BAD = `apiVersion: interlace.dev/v1alpha1
kind: Pipeline
metadata:
  name: other-bad
spec: {}
`;

const EXPECT = /^(?:#\s*)?expect:\s*([a-z0-9-]+)(?:\s+in\s+(\S+))?(?:\s+at\s+(\d+):(\d+))?(?:\s+"([^"]*)")?\s*$/;

function parseExpectation(line: string, defaultFile: string, where: string): Expectation {
  const match = EXPECT.exec(line.trim());
  if (!match) throw new Error(`${where}: no \`expect: <code> [in <file>] [at <line>:<col>] ["text"]\` line`);
  const [, code, file, line_, column, text] = match;
  return {
    code: code!,
    file: file ?? defaultFile,
    at: line_ ? { line: Number(line_), column: Number(column) } : undefined,
    text,
  };
}

/** The committed cases: `<name>.yaml` with `# expect:` on its first line, or `<name>/` with an expect.txt. */
function committedCases(): Case[] {
  return readdirSync(CORPUS)
    .sort()
    .map((entry): Case => {
      const full = join(CORPUS, entry);
      if (statSync(full).isDirectory()) {
        const line =
          readFileSync(join(full, 'expect.txt'), 'utf8')
            .split('\n')
            .find((l) => l.startsWith('expect:')) ?? '';
        const expectation = parseExpectation(line, '', `${entry}/expect.txt`);
        return {
          name: entry,
          ...expectation,
          file: `${entry}/${expectation.file}`,
          build: (specs) => cpSync(full, join(specs, entry), { recursive: true, filter: (src) => !src.endsWith('expect.txt') }),
        };
      }
      const first = readFileSync(full, 'utf8').split('\n')[0]!;
      return {
        name: entry.replace(/\.ya?ml$/, ''),
        ...parseExpectation(first, entry, entry),
        build: (specs) => cpSync(full, join(specs, entry)),
      };
    });
}

const write = (path: string, content: string | Uint8Array) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
};
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Cases made at test time: too big to commit, binary, or made of links and special files. */
const GENERATED: Case[] = [
  {
    name: 'empty-zero-bytes',
    code: 'empty-file',
    file: 'empty.yaml',
    at: { line: 1, column: 1 },
    build: (specs) => write(join(specs, 'empty.yaml'), ''),
  },
  {
    name: 'whitespace-only',
    code: 'empty-file',
    file: 'blank.yaml',
    at: { line: 1, column: 1 },
    build: (specs) => write(join(specs, 'blank.yaml'), '   \n\n    \n'),
  },
  {
    name: 'utf8-bom',
    code: 'file-bom',
    file: 'bom.yaml',
    at: { line: 1, column: 1 },
    build: (specs) => write(join(specs, 'bom.yaml'), '\uFEFF' + GOOD.replace('corpus-good', 'with-bom')),
  },
  {
    name: 'utf16-le-bom',
    code: 'file-encoding',
    file: 'utf16.yaml',
    at: { line: 1, column: 1 },
    text: 'UTF-16',
    build: (specs) =>
      write(
        join(specs, 'utf16.yaml'),
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD.replace('corpus-good', 'utf16'), 'utf16le')]),
      ),
  },
  {
    name: 'binary-png',
    code: 'file-binary',
    file: 'logo.yaml',
    at: { line: 3, column: 1 },
    // The PNG signature: the first NUL byte comes after two line feeds.
    build: (specs) =>
      write(
        join(specs, 'logo.yaml'),
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]),
      ),
  },
  {
    name: 'invalid-utf8-latin1',
    code: 'file-encoding',
    file: 'latin1.yaml',
    at: { line: 4, column: 12 },
    text: '0xe9',
    build: (specs) =>
      write(
        join(specs, 'latin1.yaml'),
        Buffer.concat([
          Buffer.from('apiVersion: interlace.dev/v1alpha1\nkind: System\nmetadata:\n  name: caf'),
          Buffer.from([0xe9]),
          Buffer.from('\nspec: {}\n'),
        ]),
      ),
  },
  {
    name: 'invalid-utf8-overlong',
    code: 'file-encoding',
    file: 'overlong.yaml',
    at: { line: 1, column: 3 },
    build: (specs) =>
      write(
        join(specs, 'overlong.yaml'),
        Buffer.concat([Buffer.from('# '), Buffer.from([0xc0, 0xaf]), Buffer.from('\n' + GOOD.replace('corpus-good', 'overlong'))]),
      ),
  },
  {
    name: 'invalid-utf8-surrogate',
    code: 'file-encoding',
    file: 'surrogate.yaml',
    at: { line: 2, column: 16 },
    build: (specs) =>
      write(
        join(specs, 'surrogate.yaml'),
        Buffer.concat([Buffer.from('# notes\n# a lone half: '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\n')]),
      ),
  },
  {
    name: 'file-50mb',
    code: 'file-too-large',
    file: 'huge.yaml',
    at: { line: 1, column: 1 },
    heavy: true,
    build: (specs) => write(join(specs, 'huge.yaml'), Buffer.alloc(50 * 1024 * 1024, 'key: value\n')),
  },
  // The depth limit is 100: each position is the first collection at depth 101 (the document is depth 1).
  {
    name: 'nesting-10000-flow',
    code: 'yaml-too-deep',
    file: 'deep-flow.yaml',
    at: { line: 14, column: 106 },
    heavy: true,
    build: (specs) =>
      write(
        join(specs, 'deep-flow.yaml'),
        `${GOOD.replace('corpus-good', 'deep-flow')}  examples:\n    - a: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
      ),
  },
  {
    name: 'nesting-10000-flow-maps',
    code: 'yaml-too-deep',
    file: 'deep-maps.yaml',
    at: { line: 1, column: 400 },
    heavy: true,
    build: (specs) => write(join(specs, 'deep-maps.yaml'), `a: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`),
  },
  {
    name: 'nesting-10000-block',
    code: 'yaml-too-deep',
    file: 'deep-block.yaml',
    at: { line: 2, column: 201 },
    heavy: true,
    build: (specs) => write(join(specs, 'deep-block.yaml'), `a:\n  ${'- '.repeat(10_000)}x\n`),
  },
  {
    name: 'nesting-50000-flow',
    code: 'yaml-too-deep',
    file: 'deeper.yaml',
    at: { line: 1, column: 103 },
    heavy: true,
    build: (specs) => write(join(specs, 'deeper.yaml'), `a: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`),
  },
  {
    name: 'nesting-100000-flow',
    code: 'file-too-large',
    file: 'deepest.yaml',
    at: { line: 1, column: 1 },
    heavy: true,
    // 200,000 brackets are over the token budget, which is checked before any tree is built.
    build: (specs) => write(join(specs, 'deepest.yaml'), `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`),
  },
  {
    name: 'flow-list-1m-values',
    code: 'file-too-large',
    file: 'wide.yaml',
    at: { line: 1, column: 1 },
    text: 'keys, values and list items',
    heavy: true,
    // 2 MB, under the file size limit, but a syntax tree of a million nodes would take over 1 GB.
    build: (specs) => write(join(specs, 'wide.yaml'), `a: [${Array(1_000_000).fill('x').join(',')}]\n`),
  },
  {
    name: 'mapping-66000-keys-one-repeated',
    code: 'yaml-duplicate-key',
    file: 'many-keys.yaml',
    at: { line: 66_001, column: 1 },
    heavy: true,
    // yaml's own duplicate check is quadratic (about 20 s for this file); it must stay linear.
    build: (specs) =>
      write(join(specs, 'many-keys.yaml'), `${Array.from({ length: 66_000 }, (_, i) => `k${i}: v`).join('\n')}\nk0: again\n`),
  },
  {
    name: 'billion-laughs-30-levels',
    code: 'yaml-alias-limit',
    file: 'laughs.yaml',
    heavy: true,
    build: (specs) => {
      const levels = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
      for (let i = 1; i < 30; i++)
        levels.push(
          `l${i}: &l${i} [${Array(10)
            .fill(`*l${i - 1}`)
            .join(', ')}]`,
        );
      write(join(specs, 'laughs.yaml'), `${GOOD.replace('corpus-good', 'laughs')}  examples:\n    - ${levels.join('\n      ')}\n`);
    },
  },
  {
    name: 'symlink-loop-pair',
    code: 'path-symlink-loop',
    file: 'loop-a.yaml',
    at: { line: 1, column: 1 },
    build: (specs) => {
      symlinkSync('loop-b.yaml', join(specs, 'loop-a.yaml'));
      symlinkSync('loop-a.yaml', join(specs, 'loop-b.yaml'));
    },
  },
  {
    name: 'symlink-loop-self',
    code: 'path-symlink-loop',
    file: 'self.yaml',
    at: { line: 1, column: 1 },
    build: (specs) => symlinkSync('self.yaml', join(specs, 'self.yaml')),
  },
  {
    name: 'symlink-loop-directory',
    code: 'path-symlink-loop',
    file: 'nested/back',
    at: { line: 1, column: 1 },
    build: (specs) => {
      write(join(specs, 'nested/note.txt'), 'not a spec\n');
      symlinkSync('..', join(specs, 'nested/back'));
    },
  },
  {
    name: 'symlink-escapes-root-file',
    code: 'path-outside-root',
    file: 'borrowed.yaml',
    at: { line: 1, column: 1 },
    build: (specs, root) => {
      write(join(root, 'outside/secret.yaml'), GOOD.replace('corpus-good', 'outside'));
      symlinkSync('../outside/secret.yaml', join(specs, 'borrowed.yaml'));
    },
  },
  {
    name: 'symlink-escapes-root-directory',
    code: 'path-outside-root',
    file: 'shared',
    at: { line: 1, column: 1 },
    build: (specs, root) => {
      write(join(root, 'outside-dir/contract.yaml'), GOOD.replace('corpus-good', 'outside-dir'));
      symlinkSync(join(root, 'outside-dir'), join(specs, 'shared'));
    },
  },
  {
    name: 'symlink-escapes-to-etc',
    code: 'path-outside-root',
    file: 'passwd.yaml',
    at: { line: 1, column: 1 },
    build: (specs) => symlinkSync('/etc/passwd', join(specs, 'passwd.yaml')),
  },
  {
    name: 'symlink-broken',
    code: 'file-unreadable',
    file: 'dangling.yaml',
    at: { line: 1, column: 1 },
    build: (specs) => symlinkSync('does-not-exist.yaml', join(specs, 'dangling.yaml')),
  },
  {
    name: 'fifo-named-yaml',
    code: 'file-unreadable',
    file: 'pipe.yaml',
    at: { line: 1, column: 1 },
    text: 'not a regular file',
    build: (specs) => {
      const made = spawnSync('mkfifo', [join(specs, 'pipe.yaml')]);
      if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
    },
  },
  {
    name: 'unreadable-file',
    code: 'file-unreadable',
    file: 'locked.yaml',
    at: { line: 1, column: 1 },
    // root reads any file whatever its mode, so the case cannot be made when the tests run as root.
    skip: isRoot ? 'running as root: permissions do not stop reads' : undefined,
    build: (specs) => {
      write(join(specs, 'locked.yaml'), GOOD.replace('corpus-good', 'locked'));
      chmodSync(join(specs, 'locked.yaml'), 0o000);
    },
  },
];

const CASES: Case[] = [...committedCases(), ...GENERATED];

interface JsonReport {
  summary: { files: number; documents: number; errors: number };
  diagnostics: { code: string; file: string; message: string; hint?: string; range: { start: { line: number; column: number } } }[];
}

/** Runs `interlace validate specs --format json` in-process on a fresh tree holding the case and `extra` files. */
async function validateTree(
  testCase: Case,
  extra: Record<string, string>,
): Promise<{ code: number; report: JsonReport; stderr: string; ms: number }> {
  const tree = tempTree(Object.fromEntries(Object.entries(extra).map(([path, text]) => [`specs/${path}`, text])));
  try {
    mkdirSync(join(tree.root, 'specs'), { recursive: true });
    testCase.build(join(tree.root, 'specs'), tree.root);
    const started = performance.now();
    const result = await runCli(['validate', 'specs', '--format', 'json'], tree.root);
    const ms = performance.now() - started;
    expect(result.stderr, 'the CLI must not fail (exit 2)').toBe('');
    return { code: result.code, report: JSON.parse(result.stdout) as JsonReport, stderr: result.stderr, ms };
  } finally {
    tree.cleanup();
  }
}

/** Runs the CLI as a child process with a small heap and reports its exit code, report and peak memory. */
function validateInChild(testCase: Case): { status: number | null; report?: JsonReport; maxRssMb: number; ms: number; stderr: string } {
  const tree = tempTree({ 'specs/corpus-good.yaml': GOOD, 'specs/zz-other-bad.yaml': OTHER_BAD });
  try {
    testCase.build(join(tree.root, 'specs'), tree.root);
    const reportRss = `data:text/javascript,${encodeURIComponent("process.on('exit', () => process.stderr.write('\\nmaxrss-kb=' + process.resourceUsage().maxRSS + '\\n'))")}`;
    const started = performance.now();
    const child = spawnSync(
      join(REPO, 'node_modules/.bin/node'),
      [
        `--max-old-space-size=${CHILD_HEAP_MB}`,
        `--import=${reportRss}`,
        join(REPO, 'bin/interlace.mjs'),
        'validate',
        'specs',
        '--format',
        'json',
      ],
      { cwd: tree.root, encoding: 'utf8', timeout: CASE_TIMEOUT, maxBuffer: 64 * 1024 * 1024 },
    );
    const ms = performance.now() - started;
    const rss = /maxrss-kb=(\d+)/.exec(child.stderr ?? '');
    let report: JsonReport | undefined;
    try {
      report = JSON.parse(child.stdout) as JsonReport;
    } catch {
      report = undefined;
    }
    return { status: child.status, report, maxRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN, ms, stderr: child.stderr ?? '' };
  } finally {
    tree.cleanup();
  }
}

const prototypeKeys = () => ({
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  function: Object.getOwnPropertyNames(Function.prototype).sort(),
});
const pristine = prototypeKeys();
const measured: string[] = [];

afterAll(() => {
  if (measured.length > 0)
    console.log(`heavy bad inputs (child process, --max-old-space-size=${CHILD_HEAP_MB}):\n  ${measured.join('\n  ')}`);
});

describe('bad-input corpus', () => {
  it('has at least 40 cases, each expecting a code from the catalog', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.name)).size, 'case names are unique').toBe(CASES.length);
    const unknown = CASES.filter((c) => !(c.code in CODES)).map((c) => `${c.name}: ${c.code}`);
    expect(unknown).toEqual([]);
  });

  it('the good neighbour is clean on its own', async () => {
    const alone = await validateTree({ name: 'none', code: '', file: '', build: () => {} }, { 'corpus-good.yaml': GOOD });
    expect(alone.report.diagnostics).toEqual([]);
    expect(alone.code).toBe(0);
  });

  for (const testCase of CASES) {
    it.skipIf(testCase.skip !== undefined)(
      `${testCase.name} → ${testCase.code}`,
      async () => {
        const alone = await validateTree(testCase, {});
        const run = await validateTree(testCase, { 'corpus-good.yaml': GOOD, 'zz-other-bad.yaml': OTHER_BAD });

        expect(run.code).toBe(1);
        const file = `specs/${testCase.file}`;
        const found = run.report.diagnostics.filter((d) => d.code === testCase.code && d.file === file);
        expect(
          found.length,
          `${testCase.code} in ${file}; got ${JSON.stringify(run.report.diagnostics.map((d) => `${d.code} ${d.file}:${d.range.start.line}:${d.range.start.column}`))}`,
        ).toBeGreaterThan(0);
        const first = found[0]!;
        expect(first.range.start.line).toBeGreaterThanOrEqual(1);
        expect(first.range.start.column).toBeGreaterThanOrEqual(1);
        if (testCase.at) expect(found.map((d) => d.range.start)).toContainEqual(testCase.at);
        if (testCase.text) expect(found.map((d) => `${d.message} ${d.hint ?? ''}`).join('\n')).toContain(testCase.text);

        // Nothing else of the run is lost: the good file is loaded and clean, the other bad file still reported.
        expect(run.report.summary.documents).toBe(alone.report.summary.documents + 2);
        expect(run.report.diagnostics.filter((d) => d.file === 'specs/corpus-good.yaml')).toEqual([]);
        expect(run.report.diagnostics).toContainEqual(expect.objectContaining({ code: 'unknown-kind', file: 'specs/zz-other-bad.yaml' }));
        const brief = (d: JsonReport['diagnostics'][number]) => `${d.code} ${d.file}:${d.range.start.line}:${d.range.start.column}`;
        expect(
          run.report.diagnostics.filter((d) => d.file !== 'specs/corpus-good.yaml' && d.file !== 'specs/zz-other-bad.yaml').map(brief),
        ).toEqual(alone.report.diagnostics.map(brief));

        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
      CASE_TIMEOUT,
    );
  }

  for (const testCase of CASES.filter((c) => c.heavy)) {
    it(
      `${testCase.name} stays within ${CHILD_HEAP_MB} MB of heap in a child process`,
      () => {
        const child = validateInChild(testCase);
        expect(child.status, child.stderr).toBe(1);
        expect(child.report?.diagnostics).toContainEqual(expect.objectContaining({ code: testCase.code, file: `specs/${testCase.file}` }));
        expect(child.report?.diagnostics).toContainEqual(
          expect.objectContaining({ code: 'unknown-kind', file: 'specs/zz-other-bad.yaml' }),
        );
        expect(child.maxRssMb).toBeLessThan(CHILD_MAX_RSS_MB);
        measured.push(`${testCase.name}: ${child.ms.toFixed(0)} ms, max RSS ${child.maxRssMb.toFixed(0)} MB`);
      },
      CASE_TIMEOUT,
    );
  }

  it('no case polluted a prototype', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeKeys()).toEqual(pristine);
  });
});
