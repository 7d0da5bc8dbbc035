/**
 * The compatibility check runs contract patterns on RE2 (issue 10 #11): a base revision's enum value
 * crafted against a head revision's backtracking pattern must not stall `interlace check`.
 */
import { describe, expect, it } from 'vitest';
import { findIncompatibilities } from '../../../governance/compat/index.ts';

describe('patterns in the compatibility check', () => {
  it('an enum value against ^(a+)+$ is compared at once', () => {
    const crafted = `${'a'.repeat(40)}!`;
    const started = performance.now();
    const found = findIncompatibilities({ type: 'string', pattern: '^(a+)+$' }, { type: 'string', enum: [crafted, 'aaa'] });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(found.map((f) => f.change)).not.toEqual([]);
  });

  it('still tells matching values from others', () => {
    expect(findIncompatibilities({ type: 'string', pattern: '^[A-Z]{3}$' }, { type: 'string', enum: ['EUR', 'USD'] })).toEqual([]);
    expect(findIncompatibilities({ type: 'string', pattern: '^[A-Z]{3}$' }, { type: 'string', enum: ['EUR', 'euro'] })).not.toEqual([]);
  });
});
