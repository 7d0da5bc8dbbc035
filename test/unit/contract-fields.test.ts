/**
 * A contract's identity, business keys and classification must name fields its schema declares.
 * Names that every JavaScript object answers to (`toString`, `constructor`, `__proto__`) are not
 * declared fields: they were once accepted because the lookup read inherited properties.
 */
import { describe, expect, it } from 'vitest';
import { estateOf } from '../helpers/estate.ts';

const contract = (identity: string, extra = '') => `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata:
  name: order
spec:
  version: 1.0.0
  owner: team-o2c
  identity: [${identity}]
${extra}  schema:
    type: object
    properties:
      orderNumber: { type: string }
      lines:
        type: array
        items: { $ref: '#/$defs/line' }
    $defs:
      line:
        type: object
        properties:
          sku: { type: string }
`;

function unknownFields(text: string) {
  return estateOf({ 'o.yaml': text }, { allowInvalid: true }).diagnostics.filter((d) => d.code === 'contract-field-unknown');
}

describe('contract field paths', () => {
  it('accepts declared fields, through list items and local $refs', () => {
    expect(unknownFields(contract('orderNumber'))).toEqual([]);
    expect(unknownFields(contract('"lines[].sku"'))).toEqual([]);
  });

  it.each([
    'nosuchfield',
    'toString',
    'constructor',
    'hasOwnProperty',
    'valueOf',
    '__proto__',
    'prototype',
    '"lines[].toString"',
    '"lines[].constructor"',
  ])('rejects %s, which the schema does not declare', (name) => {
    const found = unknownFields(contract(name));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ range: { start: { line: 8 } } });
  });

  it('rejects undeclared inherited names in classification and business keys too', () => {
    const classified = unknownFields(contract('orderNumber', '  classification: { toString: pii }\n'));
    expect(classified).toHaveLength(1);
    const keyed = unknownFields(contract('orderNumber', '  businessKeys: { order: constructor }\n'));
    expect(keyed).toHaveLength(1);
  });
});
