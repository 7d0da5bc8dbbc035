// JSON Merge Patch (RFC 7396) as mapping tests use it (`input: { file, merge }`): the RFC's own
// examples, no mutation of the inputs, and keys that would reach a prototype refused.
import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../../lib/json-merge-patch.ts';

const value = (target: unknown, patch: unknown) => {
  const result = applyMergePatch(target, patch);
  if (!result.ok) throw new Error(result.message);
  return result.value;
};

describe('applyMergePatch', () => {
  it('follows the examples of RFC 7396, appendix A', () => {
    expect(value({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(value({ a: 'b' }, { b: 'c' })).toEqual({ a: 'b', b: 'c' });
    expect(value({ a: 'b' }, { a: null })).toEqual({});
    expect(value({ a: 'b', b: 'c' }, { a: null })).toEqual({ b: 'c' });
    expect(value({ a: ['b'] }, { a: 'c' })).toEqual({ a: 'c' });
    expect(value({ a: 'c' }, { a: ['b'] })).toEqual({ a: ['b'] });
    expect(value({ a: { b: 'c' } }, { a: { b: 'd', c: null } })).toEqual({ a: { b: 'd' } });
    expect(value({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(value(['a', 'b'], ['c', 'd'])).toEqual(['c', 'd']);
    expect(value({ a: 'b' }, ['c'])).toEqual(['c']);
    expect(value({ a: 'foo' }, null)).toBeNull();
    expect(value({ a: 'foo' }, 'bar')).toBe('bar');
    expect(value({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
    expect(value([1, 2], { a: 'b', c: null })).toEqual({ a: 'b' });
    expect(value({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });

  it('changes neither argument', () => {
    const target = { a: { b: 1 }, c: [1] };
    const patch = { a: { b: 2 } };
    value(target, patch);
    expect(target).toEqual({ a: { b: 1 }, c: [1] });
    expect(patch).toEqual({ a: { b: 2 } });
  });

  it('refuses keys that would reach a prototype, naming where', () => {
    const patch = JSON.parse('{"a": {"__proto__": {"polluted": true}}}');
    const result = applyMergePatch({ a: {} }, patch);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/"__proto__" at \/a/) });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
