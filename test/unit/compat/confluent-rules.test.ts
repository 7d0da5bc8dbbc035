/**
 * Confluent Schema Registry's JSON Schema compatibility rules, one row per rule and mode. A row gives
 * the mode, the schema before (the previous version) and after (the new version), and the exact set
 * of findings as `direction:change@field` (b = backward: the new version reading old data; f =
 * forward: the old version reading new data). Empty = compatible.
 */
import { describe, expect, it } from 'vitest';
import { checkCompatibility, classifySchemaChange, type CompatibilityMode } from '../../../governance/compat/index.ts';

type Schema = Record<string, unknown>;

const open = (properties: Schema, extra: Schema = {}): Schema => ({ type: 'object', properties, ...extra });
const closed = (properties: Schema, extra: Schema = {}): Schema => ({ type: 'object', properties, additionalProperties: false, ...extra });
const id = { type: 'string' };
const str = { type: 'string' };
/** A one-field object whose field `v` has the given schema (for keyword rows). */
const field = (schema: Schema): Schema => open({ v: schema });

interface Row {
  mode: CompatibilityMode;
  rule: string;
  before: Schema;
  after: Schema;
  expected: string[];
}

const rows: Row[] = [
  // Open content model: adding is not compatible, removing is.
  {
    mode: 'BACKWARD',
    rule: 'open: optional property added',
    before: open({ id }),
    after: open({ id, email: str }),
    expected: ['b:property-added-open@email'],
  },
  {
    mode: 'BACKWARD',
    rule: 'open: property added that accepts anything',
    before: open({ id }),
    after: open({ id, email: {} }),
    expected: [],
  },
  { mode: 'BACKWARD', rule: 'open: property removed', before: open({ id, email: str }), after: open({ id }), expected: [] },
  { mode: 'FORWARD', rule: 'open: optional property added', before: open({ id }), after: open({ id, email: str }), expected: [] },
  {
    mode: 'FORWARD',
    rule: 'open: property removed',
    before: open({ id, email: str }),
    after: open({ id }),
    expected: ['f:property-added-open@email'],
  },
  {
    mode: 'FULL',
    rule: 'open: optional property added',
    before: open({ id }),
    after: open({ id, email: str }),
    expected: ['b:property-added-open@email'],
  },
  {
    mode: 'FULL',
    rule: 'open: property removed',
    before: open({ id, email: str }),
    after: open({ id }),
    expected: ['f:property-added-open@email'],
  },
  {
    mode: 'FULL',
    rule: 'open: untyped property added',
    before: open({ id }),
    after: open({ id, note: { description: 'free text' } }),
    expected: [],
  },

  // Closed content model: adding an optional property is compatible, removing one is not.
  { mode: 'BACKWARD', rule: 'closed: optional property added', before: closed({ id }), after: closed({ id, email: str }), expected: [] },
  {
    mode: 'BACKWARD',
    rule: 'closed: property removed',
    before: closed({ id, email: str }),
    after: closed({ id }),
    expected: ['b:property-removed-closed@email'],
  },
  {
    mode: 'FORWARD',
    rule: 'closed: optional property added',
    before: closed({ id }),
    after: closed({ id, email: str }),
    expected: ['f:property-removed-closed@email'],
  },
  { mode: 'FORWARD', rule: 'closed: property removed', before: closed({ id, email: str }), after: closed({ id }), expected: [] },
  {
    mode: 'FULL',
    rule: 'closed: optional property added',
    before: closed({ id }),
    after: closed({ id, email: str }),
    expected: ['f:property-removed-closed@email'],
  },
  {
    mode: 'FULL',
    rule: 'closed: property removed',
    before: closed({ id, email: str }),
    after: closed({ id }),
    expected: ['b:property-removed-closed@email'],
  },

  // Required properties, with and without a default.
  {
    mode: 'BACKWARD',
    rule: 'closed: required property added without default',
    before: closed({ id }),
    after: closed({ id, email: str }, { required: ['email'] }),
    expected: ['b:required-added@email'],
  },
  {
    mode: 'BACKWARD',
    rule: 'closed: required property added with default',
    before: closed({ id }),
    after: closed({ id, email: { type: 'string', default: '' } }, { required: ['email'] }),
    expected: [],
  },
  {
    mode: 'BACKWARD',
    rule: 'existing property made required',
    before: open({ id }),
    after: open({ id }, { required: ['id'] }),
    expected: ['b:required-added@id'],
  },
  {
    mode: 'FORWARD',
    rule: 'existing property made required',
    before: open({ id }),
    after: open({ id }, { required: ['id'] }),
    expected: [],
  },
  {
    mode: 'FORWARD',
    rule: 'required property made optional',
    before: open({ id }, { required: ['id'] }),
    after: open({ id }),
    expected: ['f:required-added@id'],
  },
  {
    mode: 'FULL',
    rule: 'required property made optional',
    before: open({ id }, { required: ['id'] }),
    after: open({ id }),
    expected: ['f:required-added@id'],
  },

  // Types.
  {
    mode: 'BACKWARD',
    rule: 'type narrowed number → integer',
    before: field({ type: 'number' }),
    after: field({ type: 'integer' }),
    expected: ['b:type-narrowed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'type widened integer → number',
    before: field({ type: 'integer' }),
    after: field({ type: 'number' }),
    expected: [],
  },
  {
    mode: 'FORWARD',
    rule: 'type widened integer → number',
    before: field({ type: 'integer' }),
    after: field({ type: 'number' }),
    expected: ['f:type-narrowed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'null dropped from a type list',
    before: field({ type: ['string', 'null'] }),
    after: field({ type: 'string' }),
    expected: ['b:type-narrowed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'null added to a type list',
    before: field({ type: 'string' }),
    after: field({ type: ['string', 'null'] }),
    expected: [],
  },
  {
    mode: 'FULL',
    rule: 'type changed string → number',
    before: field({ type: 'string' }),
    after: field({ type: 'number' }),
    expected: ['b:type-narrowed@v', 'f:type-narrowed@v'],
  },

  // Enums and const.
  {
    mode: 'BACKWARD',
    rule: 'enum value removed',
    before: field({ enum: ['A', 'B', 'C'] }),
    after: field({ enum: ['A', 'B'] }),
    expected: ['b:enum-value-removed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'enum value added',
    before: field({ enum: ['A', 'B'] }),
    after: field({ enum: ['A', 'B', 'C'] }),
    expected: [],
  },
  {
    mode: 'FORWARD',
    rule: 'enum value added',
    before: field({ enum: ['A', 'B'] }),
    after: field({ enum: ['A', 'B', 'C'] }),
    expected: ['f:enum-value-removed@v'],
  },
  {
    mode: 'FULL',
    rule: 'enum value added',
    before: field({ enum: ['A', 'B'] }),
    after: field({ enum: ['A', 'B', 'C'] }),
    expected: ['f:enum-value-removed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'enum added to a free field',
    before: field({ type: 'string' }),
    after: field({ type: 'string', enum: ['A'] }),
    expected: ['b:enum-added@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'const changed',
    before: field({ const: 'v1' }),
    after: field({ const: 'v2' }),
    expected: ['b:const-changed@v'],
  },

  // Bounds: each keyword tightened (breaking backward) and loosened (fine backward, breaking forward).
  {
    mode: 'BACKWARD',
    rule: 'maxLength decreased',
    before: field({ type: 'string', maxLength: 10 }),
    after: field({ type: 'string', maxLength: 5 }),
    expected: ['b:max-length-decreased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'maxLength added',
    before: field({ type: 'string' }),
    after: field({ type: 'string', maxLength: 5 }),
    expected: ['b:max-length-decreased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'maxLength increased',
    before: field({ type: 'string', maxLength: 5 }),
    after: field({ type: 'string', maxLength: 10 }),
    expected: [],
  },
  {
    mode: 'FORWARD',
    rule: 'maxLength increased',
    before: field({ type: 'string', maxLength: 5 }),
    after: field({ type: 'string', maxLength: 10 }),
    expected: ['f:max-length-decreased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'minLength increased',
    before: field({ type: 'string', minLength: 1 }),
    after: field({ type: 'string', minLength: 2 }),
    expected: ['b:min-length-increased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'minLength decreased',
    before: field({ type: 'string', minLength: 2 }),
    after: field({ type: 'string', minLength: 1 }),
    expected: [],
  },
  {
    mode: 'FORWARD',
    rule: 'minLength decreased',
    before: field({ type: 'string', minLength: 2 }),
    after: field({ type: 'string', minLength: 1 }),
    expected: ['f:min-length-increased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'maximum decreased',
    before: field({ type: 'number', maximum: 100 }),
    after: field({ type: 'number', maximum: 50 }),
    expected: ['b:maximum-decreased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'maximum increased',
    before: field({ type: 'number', maximum: 50 }),
    after: field({ type: 'number', maximum: 100 }),
    expected: [],
  },
  {
    mode: 'BACKWARD',
    rule: 'minimum increased',
    before: field({ type: 'number', minimum: 0 }),
    after: field({ type: 'number', minimum: 1 }),
    expected: ['b:minimum-increased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'minimum decreased',
    before: field({ type: 'number', minimum: 1 }),
    after: field({ type: 'number', minimum: 0 }),
    expected: [],
  },
  {
    mode: 'FORWARD',
    rule: 'minimum decreased',
    before: field({ type: 'number', minimum: 1 }),
    after: field({ type: 'number', minimum: 0 }),
    expected: ['f:minimum-increased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'minimum made exclusive',
    before: field({ type: 'number', minimum: 0 }),
    after: field({ type: 'number', exclusiveMinimum: 0 }),
    expected: ['b:exclusive-bound-tightened@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'exclusiveMaximum decreased',
    before: field({ type: 'number', exclusiveMaximum: 100 }),
    after: field({ type: 'number', exclusiveMaximum: 50 }),
    expected: ['b:exclusive-bound-tightened@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'exclusive bound made inclusive',
    before: field({ type: 'number', exclusiveMaximum: 100 }),
    after: field({ type: 'number', maximum: 100 }),
    expected: [],
  },
  {
    mode: 'FULL',
    rule: 'integer: minimum 1 ≡ exclusiveMinimum 0',
    before: field({ type: 'integer', minimum: 1 }),
    after: field({ type: 'integer', exclusiveMinimum: 0 }),
    expected: [],
  },
  {
    mode: 'BACKWARD',
    rule: 'multipleOf coarser',
    before: field({ type: 'number', multipleOf: 0.01 }),
    after: field({ type: 'number', multipleOf: 0.1 }),
    expected: ['b:multiple-of-changed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'multipleOf finer',
    before: field({ type: 'number', multipleOf: 0.1 }),
    after: field({ type: 'number', multipleOf: 0.01 }),
    expected: [],
  },
  {
    mode: 'BACKWARD',
    rule: 'minItems increased',
    before: field({ type: 'array', minItems: 0 }),
    after: field({ type: 'array', minItems: 1 }),
    expected: ['b:items-min-increased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'maxItems decreased',
    before: field({ type: 'array', maxItems: 10 }),
    after: field({ type: 'array', maxItems: 5 }),
    expected: ['b:items-max-decreased@v'],
  },
  {
    mode: 'FORWARD',
    rule: 'maxItems increased',
    before: field({ type: 'array', maxItems: 5 }),
    after: field({ type: 'array', maxItems: 10 }),
    expected: ['f:items-max-decreased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'uniqueItems added',
    before: field({ type: 'array' }),
    after: field({ type: 'array', uniqueItems: true }),
    expected: ['b:unique-items-added@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'uniqueItems removed',
    before: field({ type: 'array', uniqueItems: true }),
    after: field({ type: 'array' }),
    expected: [],
  },
  {
    mode: 'BACKWARD',
    rule: 'minProperties increased',
    before: field({ type: 'object' }),
    after: field({ type: 'object', minProperties: 1 }),
    expected: ['b:properties-min-increased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'maxProperties decreased',
    before: field({ type: 'object', maxProperties: 9 }),
    after: field({ type: 'object', maxProperties: 3 }),
    expected: ['b:properties-max-decreased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'pattern added',
    before: field({ type: 'string' }),
    after: field({ type: 'string', pattern: '^[A-Z]+$' }),
    expected: ['b:pattern-added@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'pattern changed',
    before: field({ type: 'string', pattern: '^[A-Z]+$' }),
    after: field({ type: 'string', pattern: '^[A-Z0-9]+$' }),
    expected: ['b:pattern-changed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'pattern removed',
    before: field({ type: 'string', pattern: '^[A-Z]+$' }),
    after: field({ type: 'string' }),
    expected: [],
  },
  {
    mode: 'FORWARD',
    rule: 'pattern removed',
    before: field({ type: 'string', pattern: '^[A-Z]+$' }),
    after: field({ type: 'string' }),
    expected: ['f:pattern-added@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'format added',
    before: field({ type: 'string' }),
    after: field({ type: 'string', format: 'email' }),
    expected: ['b:format-added@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'format changed',
    before: field({ type: 'string', format: 'date' }),
    after: field({ type: 'string', format: 'date-time' }),
    expected: ['b:format-changed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'format removed',
    before: field({ type: 'string', format: 'date' }),
    after: field({ type: 'string' }),
    expected: [],
  },
  {
    mode: 'FULL',
    rule: 'format changed',
    before: field({ type: 'string', format: 'date' }),
    after: field({ type: 'string', format: 'date-time' }),
    expected: ['b:format-changed@v', 'f:format-changed@v'],
  },

  // additionalProperties.
  { mode: 'BACKWARD', rule: 'schema closed', before: open({ id }), after: closed({ id }), expected: ['b:additional-properties-closed@'] },
  { mode: 'FORWARD', rule: 'schema closed', before: open({ id }), after: closed({ id }), expected: [] },
  { mode: 'BACKWARD', rule: 'schema opened', before: closed({ id }), after: open({ id }), expected: [] },
  { mode: 'FORWARD', rule: 'schema opened', before: closed({ id }), after: open({ id }), expected: ['f:additional-properties-closed@'] },
  {
    mode: 'BACKWARD',
    rule: 'additionalProperties schema added',
    before: open({ id }),
    after: open({ id }, { additionalProperties: str }),
    expected: ['b:additional-properties-narrowed@'],
  },
  {
    mode: 'BACKWARD',
    rule: 'additionalProperties schema narrowed',
    before: open({ id }, { additionalProperties: str }),
    after: open({ id }, { additionalProperties: { type: 'string', maxLength: 5 } }),
    expected: ['b:max-length-decreased@*'],
  },
  {
    mode: 'BACKWARD',
    rule: 'property added that matches additionalProperties',
    before: open({ id }, { additionalProperties: str }),
    after: open({ id, email: { type: 'string' } }, { additionalProperties: str }),
    expected: [],
  },

  // anyOf / oneOf alternatives.
  {
    mode: 'BACKWARD',
    rule: 'oneOf alternative removed',
    before: field({ oneOf: [{ type: 'string' }, { type: 'number' }] }),
    after: field({ oneOf: [{ type: 'string' }] }),
    expected: ['b:combinator-branch-removed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'oneOf alternative added',
    before: field({ oneOf: [{ type: 'string' }] }),
    after: field({ oneOf: [{ type: 'string' }, { type: 'number' }] }),
    expected: [],
  },
  {
    mode: 'FORWARD',
    rule: 'oneOf alternative added',
    before: field({ oneOf: [{ type: 'string' }] }),
    after: field({ oneOf: [{ type: 'string' }, { type: 'number' }] }),
    expected: ['f:combinator-branch-removed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'anyOf alternative removed',
    before: field({ anyOf: [{ type: 'string' }, { type: 'null' }, { type: 'boolean' }] }),
    after: field({ anyOf: [{ type: 'string' }, { type: 'null' }] }),
    expected: ['b:combinator-branch-removed@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'anyOf alternative added',
    before: field({ anyOf: [{ type: 'string' }] }),
    after: field({ anyOf: [{ type: 'string' }, { type: 'null' }] }),
    expected: [],
  },
  {
    mode: 'FULL',
    rule: 'anyOf reordered',
    before: field({ anyOf: [{ type: 'string' }, { type: 'null' }] }),
    after: field({ anyOf: [{ type: 'null' }, { type: 'string' }] }),
    expected: [],
  },
  {
    mode: 'BACKWARD',
    rule: 'anyOf alternative narrowed',
    before: field({ anyOf: [{ type: 'string', maxLength: 10 }, { type: 'null' }] }),
    after: field({ anyOf: [{ type: 'string', maxLength: 5 }, { type: 'null' }] }),
    expected: ['b:max-length-decreased@v'],
  },
  {
    mode: 'BACKWARD',
    rule: 'plain schema wrapped in a nullable anyOf',
    before: field({ type: 'string' }),
    after: field({ anyOf: [{ type: 'string' }, { type: 'null' }] }),
    expected: [],
  },
  {
    mode: 'BACKWARD',
    rule: 'anyOf added that excludes the old type',
    before: field({ type: 'string' }),
    after: field({ anyOf: [{ type: 'number' }, { type: 'null' }] }),
    expected: ['b:combinator-added@v'],
  },

  // $ref moved or inlined: no finding in any direction.
  {
    mode: 'FULL',
    rule: '$ref: subschema moved into $defs',
    before: open({ id, address: open({ city: str }) }),
    after: { ...open({ id, address: { $ref: '#/$defs/address' } }), $defs: { address: open({ city: str }) } },
    expected: [],
  },
  {
    mode: 'FULL',
    rule: '$ref: subschema inlined',
    before: { ...open({ id, address: { $ref: '#/definitions/address' } }), definitions: { address: open({ city: str }) } },
    after: open({ id, address: open({ city: str }) }),
    expected: [],
  },
  {
    mode: 'BACKWARD',
    rule: '$ref: target narrowed',
    before: { ...open({ address: { $ref: '#/$defs/address' } }), $defs: { address: open({ city: { type: 'string', maxLength: 40 } }) } },
    after: { ...open({ address: { $ref: '#/$defs/address' } }), $defs: { address: open({ city: { type: 'string', maxLength: 20 } }) } },
    expected: ['b:max-length-decreased@address.city'],
  },

  // Recursive schemas terminate.
  {
    mode: 'FULL',
    rule: 'recursive schema unchanged',
    before: { $ref: '#/$defs/node', $defs: { node: open({ name: str, children: { type: 'array', items: { $ref: '#/$defs/node' } } }) } },
    after: { $ref: '#/$defs/node', $defs: { node: open({ name: str, children: { type: 'array', items: { $ref: '#/$defs/node' } } }) } },
    expected: [],
  },
  {
    mode: 'BACKWARD',
    rule: 'recursive schema narrowed',
    before: { $ref: '#/$defs/node', $defs: { node: open({ name: str, children: { type: 'array', items: { $ref: '#/$defs/node' } } }) } },
    after: {
      $ref: '#/$defs/node',
      $defs: { node: open({ name: { type: 'string', maxLength: 8 }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }) },
    },
    expected: ['b:max-length-decreased@name'],
  },

  // Annotations never break.
  {
    mode: 'FULL',
    rule: 'annotations only',
    before: open({ id, email: str }),
    after: open(
      {
        id: { ...id, title: 'Id', description: 'the key', examples: ['A1'], deprecated: true, 'x-pii': false },
        email: { ...str, default: 'n/a', readOnly: true, $comment: 'x' },
      },
      { description: 'Customer' },
    ),
    expected: [],
  },

  // NONE checks nothing.
  { mode: 'NONE', rule: 'closed: property removed', before: closed({ id, email: str }), after: closed({ id }), expected: [] },
  { mode: 'NONE', rule: 'type changed', before: field({ type: 'string' }), after: field({ type: 'number' }), expected: [] },
];

const format = (f: { direction: string; change: string; field: string }): string => `${f.direction[0]}:${f.change}@${f.field}`;

describe('Confluent JSON Schema rules (table)', () => {
  it.each(rows)('$mode: $rule', ({ mode, before, after, expected }) => {
    const findings = checkCompatibility(mode, { version: '2.0.0', schema: after }, [{ version: '1.0.0', schema: before }]);
    expect(findings.map(format).sort()).toEqual([...expected].sort());
    for (const f of findings) expect(f.againstVersion).toBe('1.0.0');
  });

  it('has a row for every mode', () => {
    expect(new Set(rows.map((r) => r.mode))).toEqual(new Set(['BACKWARD', 'FORWARD', 'FULL', 'NONE']));
  });
});

/**
 * Transitive modes: three versions, where v3 is compatible with v2 but not with v1. The plain mode
 * (previous version only) passes; the transitive one reports the finding against v1.
 */
interface TransitiveRow {
  mode: CompatibilityMode;
  rule: string;
  versions: [Schema, Schema, Schema];
  plain: string[];
  transitive: string[];
}

const transitiveRows: TransitiveRow[] = [
  {
    // v2 adds a required property with a default (compatible); v3 drops the default, which v2's
    // data does not need (it always has the property) but v1's data does.
    mode: 'BACKWARD_TRANSITIVE',
    rule: 'default dropped from a property required since v2',
    versions: [
      closed({ id }, { required: ['id'] }),
      closed({ id, note: { type: 'string', default: '' } }, { required: ['id', 'note'] }),
      closed({ id, note: str }, { required: ['id', 'note'] }),
    ],
    plain: [],
    transitive: ['b:required-added@note#1.0.0'],
  },
  {
    // v2 gives a required property a default; v3 stops requiring it: v2 readers fill in the
    // default, v1 readers reject data without it.
    mode: 'FORWARD_TRANSITIVE',
    rule: 'required property dropped after v2 gave it a default',
    versions: [
      closed({ id, note: str }, { required: ['id', 'note'] }),
      closed({ id, note: { type: 'string', default: '' } }, { required: ['id', 'note'] }),
      closed({ id, note: str }, { required: ['id'] }),
    ],
    plain: [],
    transitive: ['f:required-added@note#1.0.0'],
  },
  {
    // v2 removed a property from a closed schema (v1 data may still carry it); v3 only documents.
    mode: 'FULL_TRANSITIVE',
    rule: 'closed property removed in v2, v3 documents only',
    versions: [closed({ id, legacy: str }), closed({ id }), closed({ id: { ...id, description: 'business key' } })],
    plain: [],
    transitive: ['b:property-removed-closed@legacy#1.0.0'],
  },
  {
    mode: 'FULL_TRANSITIVE',
    rule: 'enum value added in v2 and kept in v3',
    versions: [field({ enum: ['A'] }), field({ enum: ['A', 'B'] }), field({ enum: ['A', 'B'], description: 'status' })],
    plain: [],
    transitive: ['f:enum-value-removed@v#1.0.0'],
  },
];

describe('Confluent JSON Schema rules (transitive modes)', () => {
  it.each(transitiveRows)('$mode: $rule', ({ mode, versions, plain, transitive }) => {
    const [v1, v2, v3] = versions;
    const next = { version: '3.0.0', schema: v3 };
    const earlier = [
      { version: '1.0.0', schema: v1 },
      { version: '2.0.0', schema: v2 },
    ];
    const show = (f: { direction: string; change: string; field: string; againstVersion: string }) => `${format(f)}#${f.againstVersion}`;
    const plainMode = mode.replace('_TRANSITIVE', '') as CompatibilityMode;
    expect(checkCompatibility(plainMode, next, earlier).map(show).sort()).toEqual(plain);
    expect(checkCompatibility(mode, next, earlier).map(show).sort()).toEqual(transitive);
  });
});

describe('classifySchemaChange', () => {
  const cases: { name: string; before: Schema; after: Schema; mode: CompatibilityMode; expected: string }[] = [
    { name: 'identical', before: open({ id }), after: open({ id }), mode: 'BACKWARD', expected: 'none' },
    {
      name: 'key order and required order',
      before: open({ id, b: str }, { required: ['id', 'b'] }),
      after: { required: ['b', 'id'], properties: { b: str, id }, type: 'object' },
      mode: 'FULL',
      expected: 'none',
    },
    {
      name: 'subschema moved into $defs',
      before: open({ a: open({ c: str }) }),
      after: { ...open({ a: { $ref: '#/$defs/A' } }), $defs: { A: open({ c: str }) } },
      mode: 'FULL',
      expected: 'none',
    },
    { name: 'description added', before: open({ id }), after: open({ id: { ...id, description: 'key' } }), mode: 'FULL', expected: 'docs' },
    {
      name: 'title, examples, $comment, x-*',
      before: open({ id }),
      after: open({ id }, { title: 'T', examples: [{}], $comment: 'c', 'x-owner': 'o2c' }),
      mode: 'FULL',
      expected: 'docs',
    },
    {
      name: 'default of an optional property',
      before: open({ id }),
      after: open({ id: { ...id, default: 'X' } }),
      mode: 'FULL',
      expected: 'docs',
    },
    {
      name: 'default of a required property',
      before: open({ id }, { required: ['id'] }),
      after: open({ id: { ...id, default: 'X' } }, { required: ['id'] }),
      mode: 'FULL',
      expected: 'additive',
    },
    {
      name: 'enum value added (BACKWARD)',
      before: field({ enum: ['A'] }),
      after: field({ enum: ['A', 'B'] }),
      mode: 'BACKWARD',
      expected: 'additive',
    },
    {
      name: 'enum value added (FORWARD)',
      before: field({ enum: ['A'] }),
      after: field({ enum: ['A', 'B'] }),
      mode: 'FORWARD',
      expected: 'breaking',
    },
    {
      name: 'enum value added (FULL_TRANSITIVE)',
      before: field({ enum: ['A'] }),
      after: field({ enum: ['A', 'B'] }),
      mode: 'FULL_TRANSITIVE',
      expected: 'breaking',
    },
    {
      name: 'optional property added to an open schema',
      before: open({ id }),
      after: open({ id, email: str }),
      mode: 'BACKWARD',
      expected: 'breaking',
    },
    {
      name: 'optional property added to a closed schema',
      before: closed({ id }),
      after: closed({ id, email: str }),
      mode: 'BACKWARD',
      expected: 'additive',
    },
    { name: 'breaking change under NONE', before: closed({ id, email: str }), after: closed({ id }), mode: 'NONE', expected: 'additive' },
  ];
  it.each(cases)('$name → $expected', ({ before, after, mode, expected }) => {
    expect(classifySchemaChange(before, after, mode)).toBe(expected);
  });
});
