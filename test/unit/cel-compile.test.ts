import { transpile } from 'typescript';
import { describe, expect, it } from 'vitest';
import { compileCel } from '../../generators/mappings/cel/compile-cel.ts';

function compile(text: string) {
  const helpers = new Set<string>();
  const hoisted: string[] = [];
  const result = compileCel(text, {
    variables: new Map([
      ['source', 'source'],
      ['item', 'item'],
    ]),
    helper: (name) => (helpers.add(name), name),
    hoist: (init) => (hoisted.push(init), `PATTERN_${hoisted.length}`),
    target: 'x',
  });
  return { result, helpers, hoisted };
}

/** Evaluates compiled code with the runtime helpers, as a generated module would. */
async function evaluate(text: string, source: unknown): Promise<unknown> {
  const { result, hoisted } = compile(text);
  if (!result.ok) throw new Error(result.problems[0]!.message);
  const support = await import('../../generators/support/index.ts');
  const fn = new Function(
    'source',
    'add',
    'size',
    'eq',
    'isIn',
    'toInt',
    'toDouble',
    'toText',
    'at',
    'toTimestamp',
    'formatDate',
    'linearRegExp',
    // The code is TypeScript (`xs?.[0]!`): stripped of types as the bundle linker does.
    transpile(`${hoisted.map((h, i) => `const PATTERN_${i + 1} = ${h};`).join('\n')}\nreturn ${result.code};`),
  );
  return fn(
    source,
    support.add,
    support.size,
    support.eq,
    support.isIn,
    support.toInt,
    support.toDouble,
    support.toText,
    support.at,
    support.toTimestamp,
    support.formatDate,
    support.linearRegExp,
  );
}

describe('CEL → TypeScript', () => {
  it('compiles operators, functions and macros to plain JavaScript', async () => {
    const src = {
      lines: [
        { qty: 2, sku: 'A' },
        { qty: 0, sku: 'B' },
      ],
      status: 'OPEN',
      total: '12.50',
      tags: ['x'],
    };
    expect(await evaluate('source.lines.exists(l, l.qty > 0)', src)).toBe(true);
    expect(await evaluate('source.lines.all(l, l.qty > 0)', src)).toBe(false);
    expect(await evaluate('source.lines.exists_one(l, l.qty > 0)', src)).toBe(true);
    expect(await evaluate('source.lines.filter(l, l.qty > 0).map(l, l.sku)', src)).toEqual(['A']);
    expect(await evaluate('source.lines.map(l, l.qty > 0, l.sku + "!")', src)).toEqual(['A!']);
    expect(await evaluate('size(source.lines) == 2 && source.status == "OPEN" ? "yes" : "no"', src)).toBe('yes');
    expect(await evaluate('double(source.total) * 2.0', src)).toBe(25);
    expect(await evaluate('int("42") + 1', src)).toBe(43);
    expect(await evaluate('"x" in source.tags && !("y" in source.tags)', src)).toBe(true);
    expect(await evaluate('has(source.missing) ? 1 : 2', src)).toBe(2);
    expect(await evaluate('source.status.lowerAscii().startsWith("op")', src)).toBe(true);
    expect(await evaluate('source.status.matches("^[A-Z]+$")', src)).toBe(true);
    // matches() runs on RE2: a backtracking pattern answers at once (JavaScript's engine would take hours).
    const started = performance.now();
    expect(await evaluate('source.code.matches("^(a+)+$")', { code: `${'a'.repeat(40)}!` })).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await evaluate('source.tags == ["x"]', src)).toBe(true);
    expect(await evaluate('-(-3)', src)).toBe(3);
    expect(await evaluate('{"a": 1}["a"]', src)).toBe(1);
    expect(await evaluate('[1, 2] + [3]', src)).toEqual([1, 2, 3]);
    expect(await evaluate('"a" + "b" + string(1 + 2)', src)).toBe('ab3');
  });

  it('treats a missing field as absent: access, index, methods, macros and conversions give undefined', async () => {
    const src = { order: { lines: [{ sku: 'A' }] } };
    expect(await evaluate('source.missing.deeper.still', src)).toBeUndefined();
    expect(await evaluate('source.missing[0].sku', src)).toBeUndefined();
    expect(await evaluate('source.missing.exists(l, l.sku == "A")', src)).toBeUndefined();
    expect(await evaluate('source.missing.filter(l, true).map(l, l.sku)', src)).toBeUndefined();
    expect(await evaluate('int(source.missing)', src)).toBeUndefined();
    expect(await evaluate('string(source.missing)', src)).toBeUndefined();
    expect(await evaluate('source.missing.startsWith("a")', src)).toBeUndefined();
    expect(await evaluate('source.order.lines[0].sku', src)).toBe('A');
    expect(await evaluate('source.order.lines[3].sku', src)).toBeUndefined();
    expect(await evaluate('has(source.order.lines[0].sku) && !has(source.order.lines[0].qty)', src)).toBe(true);
  });

  it('indexes with a computed index through own entries only', async () => {
    const src = { xs: ['a', 'b', 'c'], m: { k: 1 }, key: '__proto__', ctor: 'constructor' };
    expect(await evaluate('source.xs[size(source.xs) - 1]', src)).toBe('c');
    expect(await evaluate('source.xs[size(source.xs)]', src)).toBeUndefined();
    expect(await evaluate('source.xs[-1 + 0]', src)).toBeUndefined();
    expect(await evaluate('source.m["k" + ""]', src)).toBe(1);
    expect(await evaluate('source.m[source.key]', src)).toBeUndefined();
    expect(await evaluate('source.m[source.ctor]', src)).toBeUndefined();
    expect(compile('source.xs[size(source.xs) - 1]').helpers).toContain('at');
  });

  it('supports timestamps (UTC getters, int and string) and formatDate', async () => {
    const src = { d: '2026-11-27', t: '2026-11-25T14:32:10.500Z', z: '2026-01-01T00:30:00+01:00' };
    expect(await evaluate('timestamp(source.t).getFullYear()', src)).toBe(2026);
    expect(await evaluate('timestamp(source.t).getMonth()', src)).toBe(10);
    expect(await evaluate('timestamp(source.t).getDate()', src)).toBe(25);
    expect(await evaluate('timestamp(source.t).getDayOfMonth()', src)).toBe(24);
    expect(await evaluate('timestamp(source.t).getHours() * 100 + timestamp(source.t).getMinutes()', src)).toBe(1432);
    expect(await evaluate('timestamp(source.z).getFullYear()', src)).toBe(2025);
    // In a zone: 02:00 UTC on the 4th is 21:00 on the 3rd in New York.
    const late = { t: '2026-12-04T02:00:00Z' };
    expect(await evaluate("timestamp(source.t).getDate('America/New_York')", late)).toBe(3);
    expect(await evaluate("timestamp(source.t).getHours('America/New_York')", late)).toBe(21);
    expect(await evaluate("timestamp(source.t).getDate('Europe/Berlin')", late)).toBe(4);
    expect(await evaluate('int(timestamp(source.d))', src)).toBe(1795737600);
    expect(await evaluate('string(timestamp(source.d))', src)).toBe('2026-11-27T00:00:00.000Z');
    expect(await evaluate('timestamp(source.d) < timestamp(source.t)', src)).toBe(false);
    expect(await evaluate("formatDate(source.d, 'yyyymmdd')", src)).toBe('20261127');
    expect(await evaluate("formatDate(source.d, 'odata-v2')", src)).toBe('/Date(1795737600000)/');
    expect(await evaluate("formatDate(source.t, 'hhmm')", src)).toBe('1432');
    expect(await evaluate("formatDate(source.t, 'hhmmss')", src)).toBe('143210');
    expect(await evaluate("formatDate(source.t, 'iso-date')", src)).toBe('2026-11-25');
    expect(await evaluate("formatDate(source.z, 'iso')", src)).toBe('2025-12-31T23:30:00.000Z');
    expect(await evaluate("formatDate(source.d, 'yymmdd')", src)).toBe('261127');
    expect(await evaluate("formatDate(timestamp(source.t), 'yyyymmdd')", src)).toBe('20261125');
    expect(await evaluate("formatDate(source.missing, 'yyyymmdd')", src)).toBeUndefined();
    await expect(evaluate("formatDate('2026-02-30', 'yyyymmdd')", src)).rejects.toThrow(/not an ISO 8601 date/);
    await expect(evaluate("timestamp('2026-11-27T10:00:00')", src)).rejects.toThrow(/with a time zone/);
  });

  it('refuses what is outside the subset, with the offset in the expression', () => {
    const refused = (text: string) => {
      const { result } = compile(text);
      expect(result.ok).toBe(false);
      return result.ok ? undefined : result.problems[0];
    };
    expect(refused('duration("1h")')?.message).toMatch(/function `duration` is not supported/);
    // A getter's zone must be an IANA name, as a literal (`getHours('Europe/Berlin')` is fine).
    expect(refused('timestamp(source.at).getHours("Mars/Olympus")')?.message).toMatch(/IANA zone name/);
    expect(refused('timestamp(source.at).getHours(source.zone)')?.message).toMatch(/IANA zone name/);
    expect(refused("formatDate(source.at, 'dd.mm.yyyy')")?.message).toMatch(/'yyyymmdd'/);
    expect(refused('formatDate(source.at, source.format)')?.message).toMatch(/string literal/);
    expect(refused('source.lines[1.5]')?.message).toMatch(/integer \(list\) or a string \(map\)/);
    expect(refused('b"bytes"')?.message).toMatch(/bytes/);
    expect(refused('Foo{a: 1}')?.message).toMatch(/message literals/);
    expect(refused('source.x + unknown')).toMatchObject({ offset: 11, message: expect.stringMatching(/unknown name `unknown`/) });
    expect(refused('source.a.matches(source.b)')?.message).toMatch(/constant pattern/);
    expect(refused('source.a.matches("^(?=x)")')?.message).toMatch(/linear-time engine/);
    expect(refused('9007199254740993')?.message).toMatch(/2\^53/);
    expect(refused('source.(')?.message).toMatch(/does not parse/);
  });
});
