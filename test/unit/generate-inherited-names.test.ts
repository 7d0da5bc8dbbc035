/**
 * Contract fields named like Object.prototype members (`hasOwnProperty`, `toString`, ...) are legal
 * JSON; json-schema-to-typescript threw on them (issue 10, finding 10). The types must keep the names.
 */
import { describe, expect, it } from 'vitest';
import { contractDeclarations } from '../../generators/types/generate-types.ts';
import { hideInheritedNames } from '../../generators/types/inherited-names.ts';

const INHERITED = Object.getOwnPropertyNames(Object.prototype).filter((n) => n !== '__proto__' && n !== 'constructor');

describe('contract fields named like Object.prototype members', () => {
  it('generate their declarations under their own names', async () => {
    const properties = Object.fromEntries([['id', { type: 'string' }], ...INHERITED.map((name) => [name, { type: 'string' }])]);
    const text = await contractDeclarations({
      name: 'inherited',
      major: 1,
      version: '1.0.0',
      schema: {
        type: 'object',
        required: ['id', 'hasOwnProperty'],
        properties: {
          ...properties,
          nested: { type: 'object', properties: { valueOf: { type: 'number' } } },
          kind: { enum: ['toString', 'plain'] },
        },
      },
    });
    expect(text).toMatch(/^hasOwnProperty: string$/m);
    for (const name of INHERITED.filter((n) => n !== 'hasOwnProperty')) expect(text).toContain(`\n${name}?: string | undefined\n`);
    expect(text).toContain('valueOf?: number');
    expect(text).toContain('"toString" | "plain"');
    expect(text).not.toContain('InterlaceHidden');
  });

  it('picks placeholders that no schema text contains', () => {
    const hidden = hideInheritedNames({ properties: { toString: {}, InterlaceHidden0_0: {} } });
    expect(Object.keys(hidden.value.properties)).toEqual(['InterlaceHidden1_0', 'InterlaceHidden0_0']);
    expect(hidden.restore('InterlaceHidden1_0 InterlaceHidden0_0')).toBe('toString InterlaceHidden0_0');
  });

  it('leaves a schema without such names as it is', () => {
    const schema = { properties: { id: {} } };
    expect(hideInheritedNames(schema).value).toBe(schema);
  });
});
