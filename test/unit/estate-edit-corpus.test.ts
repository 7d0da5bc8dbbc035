/**
 * One-line mistakes in the example estate: each case in test/corpus/estate-edits/ copies specs/,
 * makes one edit, and `interlace validate` must answer with a diagnostic at the edit's position and
 * exit 1 — never exit 2, never a stack trace. A document that fails its schema must never reach code
 * that assumes its shape.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../language/diagnostics/codes.ts';
import { runCli } from '../helpers/cli.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EDITS = join(REPO, 'test/corpus/estate-edits');
const CASE_TIMEOUT = 30_000;

interface EstateEdit {
  name: string;
  code: string;
  /** Where the diagnostic is expected, relative to specs/. */
  at: { file: string; line: number; column: number };
  text?: string;
  /** The file edited, relative to specs/. */
  file: string;
  find: string;
  replace: string;
}

const EXPECT = /^expect:\s*([a-z0-9-]+)\s+in\s+(\S+)\s+at\s+(\d+):(\d+)(?:\s+"([^"]*)")?\s*$/;

/** Reads `<name>.edit` (format in the folder's README.md). */
function parseEdit(name: string, text: string): EstateEdit {
  const lines = text.replace(/\n$/, '').split('\n');
  const expectation = EXPECT.exec(lines[0] ?? '');
  const file = /^file:\s*(\S+)\s*$/.exec(lines[1] ?? '');
  const findAt = lines.indexOf('--- find');
  const replaceAt = lines.indexOf('--- replace');
  if (!expectation || !file || findAt !== 2 || replaceAt < findAt) throw new Error(`${name}: not an estate edit (see README.md)`);
  const block = (from: number, to: number) =>
    lines
      .slice(from, to)
      .map((line) => `${line}\n`)
      .join('');
  return {
    name,
    code: expectation[1]!,
    at: { file: expectation[2]!, line: Number(expectation[3]), column: Number(expectation[4]) },
    text: expectation[5],
    file: file[1]!,
    find: block(findAt + 1, replaceAt),
    replace: block(replaceAt + 1, lines.length),
  };
}

const CASES = readdirSync(EDITS)
  .filter((entry) => entry.endsWith('.edit'))
  .sort()
  .map((entry) => parseEdit(entry.replace(/\.edit$/, ''), readFileSync(join(EDITS, entry), 'utf8')));

interface JsonReport {
  diagnostics: { code: string; file: string; message: string; hint?: string; range: { start: { line: number; column: number } } }[];
}

describe('example-estate edits', () => {
  it('has the cases, each expecting a code from the catalog', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(6);
    expect(CASES.filter((c) => !(c.code in CODES)).map((c) => c.name)).toEqual([]);
  });

  for (const testCase of CASES) {
    it(
      `${testCase.name} → ${testCase.code}`,
      async () => {
        const tree = tempTree({});
        try {
          const specs = join(tree.root, 'specs');
          cpSync(join(REPO, 'specs'), specs, { recursive: true });
          const path = join(specs, testCase.file);
          const original = readFileSync(path, 'utf8');
          expect(original.split(testCase.find).length - 1, `the find text occurs once in specs/${testCase.file}`).toBe(1);
          writeFileSync(
            path,
            original.replace(testCase.find, () => testCase.replace),
          );

          const result = await runCli(['validate', 'specs', '--format', 'json'], tree.root);
          expect(result.stderr, 'the CLI must not fail (exit 2)').toBe('');
          expect(result.code).toBe(1);
          const report = JSON.parse(result.stdout) as JsonReport;
          const brief = report.diagnostics.map((d) => `${d.code} ${d.file}:${d.range.start.line}:${d.range.start.column}`);
          const found = report.diagnostics.filter((d) => d.code === testCase.code && d.file === `specs/${testCase.at.file}`);
          expect(
            found.map((d) => d.range.start),
            brief.join('\n'),
          ).toContainEqual({ line: testCase.at.line, column: testCase.at.column });
          if (testCase.text) expect(found.map((d) => `${d.message} ${d.hint ?? ''}`).join('\n')).toContain(testCase.text);
        } finally {
          tree.cleanup();
        }
      },
      CASE_TIMEOUT,
    );
  }
});
