import { parseEdifact } from '../edi/edifact-parse.ts';
import { parseX12 } from '../edi/x12-parse.ts';
import type { X12Position } from '../edi/x12-parse.ts';
import { resolvePointer } from '../../language/schema/json-pointer.ts';

/**
 * A fixture as a mapping test declares it: inline data, or a file with an optional pointer and an
 * optional JSON merge patch (`merge`, RFC 7396) applied to what the file and pointer give.
 */
export type FixtureRef = { kind: 'inline'; value: unknown } | { kind: 'file'; file: string; pointer?: string; merge?: unknown };

const FILE_KEYS = new Set(['file', 'pointer', 'merge']);

/** A fixture is a file reference when it has `file` (and at most `pointer` and `merge`); anything else is inline data. */
export function fixtureRef(value: unknown): FixtureRef {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const record = value as Record<string, unknown>;
    if (typeof record.file === 'string' && keys.every((k) => FILE_KEYS.has(k))) {
      return {
        kind: 'file',
        file: record.file,
        ...(typeof record.pointer === 'string' ? { pointer: record.pointer } : {}),
        ...(Object.hasOwn(record, 'merge') ? { merge: record.merge } : {}),
      };
    }
  }
  return { kind: 'inline', value };
}

export type LoadedFixture =
  | { ok: true; value: unknown; positions?: Map<string, X12Position> }
  | { ok: false; message: string; line?: number; column?: number };

/** The format of a fixture file: by its content first, since partner files end in `.edi` whether they hold X12 or EDIFACT. */
export function fixtureFormat(fileName: string, text: string): 'x12' | 'edifact' | 'json' {
  const start = text.replace(/^\uFEFF?\s*/, '').slice(0, 3);
  if (start === 'ISA') return 'x12';
  if (start === 'UNA' || start === 'UNB') return 'edifact';
  if (/\.x12$/i.test(fileName)) return 'x12';
  if (/\.(edifact|edf)$/i.test(fileName)) return 'edifact';
  // An `.edi` file that starts with neither: X12's reader says what it expected to find.
  if (/\.edi$/i.test(fileName)) return 'x12';
  return 'json';
}

/** A single-document interchange's default pointer, or why a pointer is needed. */
function onlyDocument(count: number, pointer: string, what: string): { ok: true; pointer: string } | { ok: false; message: string } {
  if (count === 1) return { ok: true, pointer };
  return { ok: false, message: `the interchange holds ${count} ${what}; say which with a pointer such as ${pointer}` };
}

/**
 * Parses a fixture file's text (JSON, raw X12 or EDIFACT; fixtureFormat) and applies the pointer.
 * Without a pointer, an X12 interchange's value is its only transaction set and an EDIFACT
 * interchange's its only message, the usual mapping input. Pure.
 */
export function loadFixture(fileName: string, text: string, pointer: string | undefined): LoadedFixture {
  let value: unknown;
  let positions: Map<string, X12Position> | undefined;
  const format = fixtureFormat(fileName, text);
  if (format === 'x12') {
    const parsed = parseX12(text);
    const problem = parsed.problems[0];
    if (!parsed.value || problem)
      return { ok: false, message: `X12: ${problem?.message ?? 'cannot parse'}`, line: problem?.line, column: problem?.column };
    value = parsed.value;
    positions = parsed.positions;
    if (pointer === undefined) {
      const only = onlyDocument(parsed.value.groups.flatMap((g) => g.transactions).length, '/groups/0/transactions/0', 'transaction sets');
      if (!only.ok) return only;
      pointer = only.pointer;
    }
  } else if (format === 'edifact') {
    const parsed = parseEdifact(text);
    const problem = parsed.problems.find((p) => p.severity === 'error');
    if (!parsed.value || problem)
      return { ok: false, message: `EDIFACT: ${problem?.message ?? 'cannot parse'}`, line: problem?.line, column: problem?.column };
    value = parsed.value;
    positions = parsed.positions;
    if (pointer === undefined) {
      const only = onlyDocument(parsed.value.messages.length, '/messages/0', 'messages');
      if (!only.ok) return only;
      pointer = only.pointer;
    }
  } else {
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { ok: false, message: `not JSON, X12 or EDIFACT: ${(error as Error).message}` };
    }
  }
  if (pointer === undefined) return { ok: true, value, positions };
  const resolved = resolvePointer(value, pointer);
  if (!resolved.ok) return { ok: false, message: `pointer ${pointer} does not resolve: nothing at ${resolved.at}` };
  const rebased =
    positions && new Map([...positions].filter(([p]) => p.startsWith(pointer!)).map(([p, v]) => [p.slice(pointer!.length), v] as const));
  return { ok: true, value: resolved.value, positions: rebased };
}
