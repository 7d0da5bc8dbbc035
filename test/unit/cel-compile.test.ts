import { describe, expect, it } from 'vitest';
import { compileCel } from '../../generators/mappings/cel/compile-cel.ts';

function compile(text: string) {
  const helpers = new Set<string>();
  const hoisted: string[] = [];
  const result = compileCel(text, {
    variables: new Map([['source', 'source'], ['item', 'item']]),
    helper: (name) => (helpers.add(name), name),
    hoist: (init) => (hoisted.push(init), `PATTERN_${hoisted.length}`),
  });
  return { result, helpers, hoisted };
}

/** Evaluates compiled code with the runtime helpers, as a generated module would. */
async function evaluate(text: string, source: unknown): Promise<unknown> {
  const { result, hoisted } = compile(text);
  if (!result.ok) throw new Error(result.problems[0]!.message);
  const support = await import('../../runtime/mapping-support/cel.ts');
  const fn = new Function('source', 'size', 'eq', 'isIn', 'toInt', 'toDouble', 'toText',
    `${hoisted.map((h, i) => `const PATTERN_${i + 1} = ${h};`).join('\n')}\nreturn ${result.code};`);
  return fn(source, support.size, support.eq, support.isIn, support.toInt, support.toDouble, support.toText);
}

describe('CEL → TypeScript', () => {
  it('compiles operators, functions and macros to plain JavaScript', async () => {
    const src = { lines: [{ qty: 2, sku: 'A' }, { qty: 0, sku: 'B' }], status: 'OPEN', total: '12.50', tags: ['x'] };
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
    expect(await evaluate('source.tags == ["x"]', src)).toBe(true);
    expect(await evaluate('-(-3)', src)).toBe(3);
    expect(await evaluate('{"a": 1}["a"]', src)).toBe(1);
  });

  it('refuses what is outside the subset, with the offset in the expression', () => {
    const refused = (text: string) => {
      const { result } = compile(text);
      expect(result.ok).toBe(false);
      return result.ok ? undefined : result.problems[0];
    };
    expect(refused('timestamp("2020-01-01T00:00:00Z")')?.message).toMatch(/timestamp/);
    expect(refused('b"bytes"')?.message).toMatch(/bytes/);
    expect(refused('Foo{a: 1}')?.message).toMatch(/message literals/);
    expect(refused('source.x + unknown')).toMatchObject({ offset: 11, message: expect.stringMatching(/unknown name `unknown`/) });
    expect(refused('source.a.matches(source.b)')?.message).toMatch(/constant pattern/);
    expect(refused('9007199254740993')?.message).toMatch(/2\^53/);
    expect(refused('source.(')?.message).toMatch(/does not parse/);
  });
});
