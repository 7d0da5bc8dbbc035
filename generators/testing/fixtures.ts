import { parseX12 } from '../edi/x12-parse.ts';
import type { X12Position } from '../edi/x12-parse.ts';
import { resolvePointer } from '../../language/schema/json-pointer.ts';

/** A fixture as a mapping test declares it: inline data, or a file with an optional pointer. */
export type FixtureRef = { kind: 'inline'; value: unknown } | { kind: 'file'; file: string; pointer?: string };

/** A fixture is a file reference when it has `file` (and at most `pointer`); anything else is inline data. */
export function fixtureRef(value: unknown): FixtureRef {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const record = value as Record<string, unknown>;
    if (typeof record.file === 'string' && keys.every((k) => k === 'file' || k === 'pointer')) {
      return { kind: 'file', file: record.file, ...(typeof record.pointer === 'string' ? { pointer: record.pointer } : {}) };
    }
  }
  return { kind: 'inline', value };
}

export type LoadedFixture =
  | { ok: true; value: unknown; positions?: Map<string, X12Position> }
  | { ok: false; message: string; line?: number; column?: number };

/** True for raw X12: by extension, or because the text starts with an ISA segment. */
export function isX12(fileName: string, text: string): boolean {
  return /\.(edi|x12)$/i.test(fileName) || /^\s*ISA./.test(text);
}

/**
 * Parses a fixture file's text (JSON or raw X12) and applies the pointer. For X12 without a pointer
 * the value is the interchange's only transaction set, the usual mapping input. Pure.
 */
export function loadFixture(fileName: string, text: string, pointer: string | undefined): LoadedFixture {
  let value: unknown;
  let positions: Map<string, X12Position> | undefined;
  if (isX12(fileName, text)) {
    const parsed = parseX12(text);
    const problem = parsed.problems[0];
    if (!parsed.value || problem)
      return { ok: false, message: `X12: ${problem?.message ?? 'cannot parse'}`, line: problem?.line, column: problem?.column };
    value = parsed.value;
    positions = parsed.positions;
    if (pointer === undefined) {
      const sets = parsed.value.groups.flatMap((g) => g.transactions);
      if (sets.length !== 1)
        return {
          ok: false,
          message: `the interchange holds ${sets.length} transaction sets; say which with a pointer such as /groups/0/transactions/0`,
        };
      pointer = '/groups/0/transactions/0';
    }
  } else {
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { ok: false, message: `not JSON or X12: ${(error as Error).message}` };
    }
  }
  if (pointer === undefined) return { ok: true, value, positions };
  const resolved = resolvePointer(value, pointer);
  if (!resolved.ok) return { ok: false, message: `pointer ${pointer} does not resolve: nothing at ${resolved.at}` };
  const rebased =
    positions && new Map([...positions].filter(([p]) => p.startsWith(pointer!)).map(([p, v]) => [p.slice(pointer!.length), v] as const));
  return { ok: true, value: resolved.value, positions: rebased };
}
