/**
 * Real-shaped contracts: a sales order with lines[] and an SAP OData-style payload. Checks the field
 * paths, schema pointers, labels and the wording users see.
 */
import { describe, expect, it } from 'vitest';
import { checkCompatibility, findIncompatibilities } from '../../../governance/compat/index.ts';

function orderV1(): Record<string, any> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Sales order',
    type: 'object',
    additionalProperties: false,
    required: ['orderNumber', 'lines'],
    properties: {
      '@odata.etag': { type: 'string' },
      orderNumber: { type: 'string', pattern: '^SO-[0-9]{6}$' },
      status: { enum: ['open', 'released', 'shipped'] },
      customer: { $ref: '#/$defs/customer' },
      lines: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['sku', 'quantity'],
          properties: {
            sku: { type: 'string', maxLength: 40 },
            quantity: { type: 'integer', minimum: 1, maximum: 1000 },
            unitPrice: { type: 'number', multipleOf: 0.01 },
          },
        },
      },
      to_Item: {
        type: 'object',
        properties: { results: { type: 'array', items: { type: 'object', properties: { Material: { type: 'string', maxLength: 40 } } } } },
      },
    },
    $defs: {
      customer: { type: 'object', properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' } } },
    },
  };
}

describe('an order contract', () => {
  it('is compatible with itself and with an annotated, restructured copy', () => {
    const v2 = orderV1();
    v2.description = 'Order as released to the warehouse';
    v2.properties.lines.items = { $ref: '#/$defs/line' };
    v2.$defs.line = orderV1().properties.lines.items;
    v2.$defs.line.properties.quantity.description = 'ordered quantity, in sales units';
    expect(findIncompatibilities(orderV1(), orderV1())).toEqual([]);
    expect(checkCompatibility('FULL_TRANSITIVE', { version: '1.1.0', schema: v2 }, [{ version: '1.0.0', schema: orderV1() }])).toEqual([]);
  });

  it('reports each breaking change at its field, with a pointer into the new schema', () => {
    const v2 = orderV1();
    v2.properties.lines.items.properties.quantity.maximum = 100;
    v2.properties.to_Item.properties.results.items.properties.Material.maxLength = 18;
    delete v2.properties['@odata.etag'];
    v2.$defs.customer.properties.phone = { type: 'string' };
    v2.properties.status.enum = ['open', 'shipped'];
    const findings = checkCompatibility('BACKWARD', { version: '2.0.0', schema: v2 }, [{ version: '1.0.0', schema: orderV1() }]);
    expect(findings.map((f) => [f.change, f.field, f.schemaPointer])).toEqual([
      ['enum-value-removed', 'status', '/properties/status'],
      ['property-added-open', 'customer.phone', '/$defs/customer/properties/phone'],
      ['maximum-decreased', 'lines[].quantity', '/properties/lines/items/properties/quantity'],
      ['max-length-decreased', 'to_Item.results[].Material', '/properties/to_Item/properties/results/items/properties/Material'],
      // Properties only the writer declares come after the reader's, in the writer's order.
      ['property-removed-closed', '["@odata.etag"]', '/properties/@odata.etag'],
    ]);
    expect(findings.every((f) => f.direction === 'backward' && f.againstVersion === '1.0.0')).toBe(true);

    const byChange = Object.fromEntries(findings.map((f) => [f.change, f]));
    expect(byChange['maximum-decreased']?.message).toBe(
      "'lines[].quantity' may be at most 100 in the new version 2.0.0, stricter than 1000 in version 1.0.0, so data written with version 1.0.0 between the two limits would be rejected.",
    );
    expect(byChange['enum-value-removed']?.message).toBe(
      '\'status\' no longer allows "released" in the new version 2.0.0, but version 1.0.0 allows it.',
    );
    expect(byChange['property-removed-closed']?.message).toContain('does not allow undeclared properties');
    expect(byChange['property-removed-closed']?.hint).toContain('deprecated');
  });

  it('explains why adding an optional field to an open object breaks, and what to do instead', () => {
    const v2 = orderV1();
    v2.$defs.customer.properties.phone = { type: 'string' };
    const [finding, ...rest] = findIncompatibilities(v2, orderV1());
    expect(rest).toEqual([]);
    expect(finding?.change).toBe('property-added-open');
    expect(finding?.field).toBe('customer.phone');
    expect(finding?.message).toContain("may already contain 'phone' with any value");
    expect(finding?.hint).toContain('any type');
    expect(finding?.hint).toContain('"additionalProperties": false');
    expect(finding?.hint).toContain('new major version');
    expect(finding?.hint).toContain('patternProperties');
  });

  it('names the versions the other way round for forward findings', () => {
    const v2 = orderV1();
    v2.properties.lines.items.properties.sku.maxLength = 80;
    const findings = checkCompatibility('FULL', { version: '1.2.0', schema: v2 }, [{ version: '1.1.0', schema: orderV1() }]);
    expect(findings.map((f) => [f.direction, f.change, f.field])).toEqual([['forward', 'max-length-decreased', 'lines[].sku']]);
    expect(findings[0]?.message).toBe(
      "'lines[].sku' may be at most 40 characters long in version 1.1.0, stricter than 80 in the new version 1.2.0, so data written with the new version 1.2.0 between the two limits would be rejected.",
    );
  });

  it('keeps line-level requirements apart from order-level ones', () => {
    const v2 = orderV1();
    v2.properties.lines.items.required = ['sku', 'quantity', 'unitPrice'];
    v2.required = ['orderNumber', 'lines', 'status'];
    v2.properties.status.default = 'open';
    expect(findIncompatibilities(v2, orderV1()).map((f) => [f.change, f.field, f.schemaPointer])).toEqual([
      ['required-added', 'lines[].unitPrice', '/properties/lines/items/properties/unitPrice'],
    ]);
  });
});
