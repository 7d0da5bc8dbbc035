/** The structural check beyond the Confluent table: resolution, combinators, arrays, patterns, values. */
import { describe, expect, it } from 'vitest';
import { findIncompatibilities } from '../../../governance/compat/index.ts';

const find = (reader: object | boolean, writer: object | boolean): string[] =>
  findIncompatibilities(reader, writer).map((f) => `${f.change}@${f.field}`);

describe('boolean schemas', () => {
  it('true and {} accept everything; false accepts nothing', () => {
    expect(find(true, { type: 'string' })).toEqual([]);
    expect(find({}, { type: 'string' })).toEqual([]);
    expect(find({ type: 'string' }, false)).toEqual([]);
    expect(find(false, { type: 'string' })).toEqual(['schema-false@']);
    expect(find({ type: 'object', properties: { a: false } }, { type: 'object', properties: { a: { type: 'string' } } })).toEqual([
      'schema-false@a',
    ]);
  });
  it('a missing type means any type', () => {
    expect(find({ type: 'string' }, {})).toEqual(['type-narrowed@']);
    expect(find({}, { type: 'string' })).toEqual([]);
  });
});

describe('references and allOf', () => {
  const defs = {
    $defs: {
      money: {
        type: 'object',
        required: ['amount'],
        properties: { amount: { type: 'number' }, currency: { type: 'string', maxLength: 3 } },
      },
    },
  };
  it('merges allOf on the writer side against an inlined reader', () => {
    const writer = { allOf: [{ $ref: '#/$defs/money' }, { properties: { note: { type: 'string' } } }], ...defs };
    const reader = {
      type: 'object',
      required: ['amount'],
      properties: { amount: { type: 'number' }, currency: { type: 'string', maxLength: 3 }, note: { type: 'string' } },
    };
    expect(find(reader, writer)).toEqual([]);
    expect(find(writer, reader)).toEqual([]);
  });
  it('applies keywords next to a $ref as one more conjunct', () => {
    const writer = { properties: { c: { $ref: '#/$defs/code' } }, $defs: { code: { type: 'string', maxLength: 10 } } };
    const reader = { properties: { c: { $ref: '#/$defs/code', maxLength: 5 } }, $defs: { code: { type: 'string', maxLength: 10 } } };
    expect(findIncompatibilities(reader, writer).map((f) => [f.change, f.field, f.schemaPointer])).toEqual([
      ['max-length-decreased', 'c', '/properties/c'],
    ]);
  });
  it('terminates on mutually recursive definitions and on a self-referencing root', () => {
    const a = {
      $ref: '#/$defs/a',
      $defs: {
        a: { type: 'object', properties: { b: { $ref: '#/$defs/b' } } },
        b: { type: 'object', properties: { a: { $ref: '#/$defs/a' }, n: { type: 'integer' } } },
      },
    };
    const narrowed = structuredClone(a);
    narrowed.$defs.b.properties.n = { type: 'integer', minimum: 0 } as never;
    expect(find(a, a)).toEqual([]);
    expect(find(narrowed, a)).toEqual(['minimum-increased@b.n']);
    const json = {
      anyOf: [
        { type: ['string', 'number', 'boolean', 'null'] },
        { type: 'array', items: { $ref: '#' } },
        { type: 'object', additionalProperties: { $ref: '#' } },
      ],
    };
    expect(find(json, json)).toEqual([]);
    expect(find(json, structuredClone(json))).toEqual([]);
  });
  it('reports a $ref it cannot resolve unless the writer has the same one', () => {
    expect(find({ $ref: 'https://example.com/x.json' }, { $ref: 'https://example.com/x.json' })).toEqual([]);
    expect(find({ properties: { a: { $ref: 'other.json' } } }, { properties: { a: { type: 'string' } } })).toEqual([
      'constraint-changed@a',
    ]);
  });
});

describe('anyOf / oneOf', () => {
  const shipment = (kinds: string[]) => ({
    type: 'object',
    properties: {
      event: {
        oneOf: kinds.map((kind) => ({
          type: 'object',
          required: ['kind'],
          properties: { kind: { const: kind }, at: { type: 'string', format: 'date-time' } },
        })),
      },
    },
  });
  it('finds the removed alternative of a discriminated union', () => {
    expect(find(shipment(['picked', 'shipped']), shipment(['picked', 'shipped', 'delivered']))).toEqual([
      'combinator-branch-removed@event',
    ]);
    expect(find(shipment(['picked', 'shipped', 'delivered']), shipment(['picked', 'shipped']))).toEqual([]);
    const [finding] = findIncompatibilities(shipment(['picked']), shipment(['picked', 'shipped']));
    expect(finding?.schemaPointer).toBe('/properties/event/oneOf/1');
    expect(finding?.message).toContain('alternative #2 of oneOf');
  });
  it('reads a writer anyOf against a plain reader alternative by alternative', () => {
    expect(find({ type: 'string' }, { anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual(['type-narrowed@']);
    expect(find({ type: ['string', 'null'] }, { anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual([]);
  });
  it('checks the object keywords shared by all alternatives once', () => {
    const writer = { type: 'object', properties: { id: { type: 'string' } }, anyOf: [{ required: ['a'] }, { required: ['b'] }] };
    const reader = {
      type: 'object',
      properties: { id: { type: 'string', maxLength: 5 } },
      anyOf: [{ required: ['a'] }, { required: ['b'] }],
    };
    expect(find(reader, writer)).toEqual(['max-length-decreased@id']);
  });
});

describe('objects', () => {
  it('treats a property added to an open writer against its additionalProperties schema', () => {
    const writer = { type: 'object', additionalProperties: { type: 'string' } };
    expect(find({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }, writer)).toEqual([]);
    expect(find({ type: 'object', properties: { a: { type: 'integer' } }, additionalProperties: { type: 'string' } }, writer)).toEqual([
      'property-added-open@a',
    ]);
  });
  it('handles patternProperties by matching names and pattern text', () => {
    const attrs = (schema: object, extra: object = {}) => ({
      type: 'object',
      properties: { attributes: { type: 'object', patternProperties: { '^x-': schema }, ...extra } },
    });
    expect(find(attrs({ type: 'string' }), attrs({ type: 'string' }))).toEqual([]);
    expect(find(attrs({ type: 'string', maxLength: 5 }), attrs({ type: 'string' }))).toEqual(['max-length-decreased@attributes[/^x-/]']);
    expect(
      find({ type: 'object', properties: { attributes: { type: 'object', additionalProperties: false } } }, attrs({ type: 'string' })),
    ).toEqual(['additional-properties-closed@attributes']);
    expect(find(attrs({ type: 'string' }), { type: 'object', properties: { attributes: { type: 'object' } } })).toEqual([
      'pattern-properties-added@attributes[/^x-/]',
    ]);
    // A declared property whose name matches a writer pattern is checked against that pattern's schema.
    expect(
      find(
        { type: 'object', properties: { 'x-a': { type: 'string' } } },
        { type: 'object', patternProperties: { '^x-': { type: 'string' } } },
      ),
    ).toEqual([]);
  });
  it('quotes names that are not plain identifiers', () => {
    const writer = { type: 'object', properties: { 'ship to': { type: 'object', properties: { '@id': { type: 'string' } } } } };
    const reader = {
      type: 'object',
      properties: { 'ship to': { type: 'object', properties: { '@id': { type: 'string', minLength: 3 } } } },
    };
    expect(find(reader, writer)).toEqual(['min-length-increased@["ship to"]["@id"]']);
  });
  it('checks dependentRequired and propertyNames', () => {
    const base = { type: 'object', properties: { iban: { type: 'string' }, bic: { type: 'string' } } };
    expect(find({ ...base, dependentRequired: { iban: ['bic'] } }, base)).toEqual(['dependent-required-added@']);
    expect(find({ ...base, dependentRequired: { iban: ['bic'] } }, { ...base, dependentRequired: { iban: ['bic'] } })).toEqual([]);
    expect(find({ ...base, propertyNames: { maxLength: 4 } }, base)).toEqual(['property-names-narrowed@']);
    expect(find({ ...base, propertyNames: { maxLength: 4 } }, { ...base, additionalProperties: false })).toEqual([]);
  });
});

describe('arrays', () => {
  it('compares prefixItems position by position and items for the rest', () => {
    const point = (y: object) => ({
      type: 'object',
      properties: { point: { type: 'array', prefixItems: [{ type: 'number' }, y], items: false } },
    });
    expect(find(point({ type: 'number' }), point({ type: 'number' }))).toEqual([]);
    expect(find(point({ type: 'integer' }), point({ type: 'number' }))).toEqual(['type-narrowed@point[1]']);
    expect(find({ type: 'array', prefixItems: [{ type: 'string' }] }, { type: 'array', items: { type: 'string' } })).toEqual([]);
    expect(find({ type: 'array', items: { type: 'string' } }, { type: 'array', prefixItems: [{ type: 'string' }] })).toEqual([
      'type-narrowed@[]',
    ]);
  });
  it('reads draft-07 tuple items', () => {
    expect(find({ type: 'array', items: [{ type: 'string', maxLength: 2 }] }, { type: 'array', items: [{ type: 'string' }] })).toEqual([
      'max-length-decreased@[0]',
    ]);
  });
  it('checks contains', () => {
    expect(find({ type: 'array', contains: { const: 'x' } }, { type: 'array' })).toEqual(['contains-added@']);
    expect(find({ type: 'array', contains: { type: 'string' } }, { type: 'array', contains: { const: 'x' } })).toEqual([]);
    expect(find({ type: 'array', contains: { type: 'string' }, minContains: 2 }, { type: 'array', contains: { type: 'string' } })).toEqual([
      'contains-changed@',
    ]);
  });
});

describe('values, not and unknown constraints', () => {
  it('checks enum values against new limits instead of reporting the limit', () => {
    expect(find({ type: 'string', maxLength: 3 }, { enum: ['EUR', 'USD'] })).toEqual([]);
    expect(find({ type: 'string', maxLength: 2, pattern: '^[A-Z]+$' }, { enum: ['EUR', 'US'] })).toEqual(['max-length-decreased@']);
    expect(find({ type: 'integer', minimum: 1 }, { enum: [0, 1, 2] })).toEqual(['minimum-increased@']);
    expect(find({ enum: [true, false, null] }, { type: ['boolean', 'null'] })).toEqual([]);
  });
  it('accepts a not that the writer can never meet, reports one it might', () => {
    expect(find({ type: 'string', not: { type: 'null' } }, { type: 'string' })).toEqual([]);
    expect(find({ type: 'string', not: { const: '' } }, { type: 'string' })).toEqual(['not-added@']);
    expect(find({ type: 'string', not: { const: '' } }, { type: 'string', not: { enum: ['', ' '] } })).toEqual([]);
    expect(find({ not: { const: 'X' } }, { enum: ['A', 'B'] })).toEqual([]);
  });
  it('reports a changed if/then/else but not an unchanged one', () => {
    const rule = { if: { properties: { country: { const: 'US' } } }, then: { required: ['state'] } };
    const base = { type: 'object', properties: { country: { type: 'string' }, state: { type: 'string' } } };
    expect(find({ ...base, ...rule }, { ...base, ...rule })).toEqual([]);
    expect(find({ ...base, ...rule }, base)).toEqual(['constraint-changed@']);
  });
  it('never reports annotations or vendor keywords', () => {
    const writer = { type: 'object', properties: { a: { type: 'string' } } };
    const reader = {
      type: 'object',
      title: 'T',
      'x-classification': 'pii',
      properties: { a: { type: 'string', description: 'd', examples: ['x'], deprecated: true, contentMediaType: 'text/plain' } },
    };
    expect(find(reader, writer)).toEqual([]);
  });
  it('uses the default labels and one sentence per message', () => {
    const [f] = findIncompatibilities({ type: 'integer' }, { type: 'number' });
    expect(f?.message).toBe(
      'The root value accepts integer in the reader schema but the writer schema allows number, so values of type number (non-integer) would be rejected.',
    );
  });
});
