import { describe, expect, it } from 'vitest';
import { estateDiagnostics, generateEstate, runEstateTests } from '../helpers/mapping-estate.ts';

/**
 * A fan-out computes the fields that do not depend on the item (`source.…` expressions: a parsed
 * date, a search by qualifier) once per message, before the items (bench/mapping-fan-out.ts). That
 * must not change what a mapping means: a message with no items fails on nothing, an optional object
 * left out evaluates none of its other fields, a per-message value that fails still fails the
 * message, and `filter(…)[0]` (compiled to `find`) is still the first match.
 */
const CONTRACTS = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: notice }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    required: [id]
    properties:
      id: { type: string }
      sentAt: { type: string }
      code: { type: string }
      orders: { type: array, items: { type: object, required: [po], properties: { po: { type: string } } } }
      parties:
        type: array
        items: { type: object, required: [role], properties: { role: { type: string }, name: { type: string } } }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: shipment }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    additionalProperties: false
    required: [id, po]
    properties:
      id: { type: string }
      po: { type: string }
      sentAt: { type: string, format: date-time }
      from:
        type: object
        additionalProperties: false
        required: [name]
        properties: { name: { type: string }, day: { type: string } }
`;

const MAPPING = `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: m }
spec:
  from: notice@1
  to: shipment@1
  each: orders
  rules:
    - { target: id, expr: "source.id + '-' + string(index + 1)" }
    - { target: po, from: po }
    - { target: sentAt, expr: "parseDate(source.sentAt, 'CCYYMMDDHHMMss', 'America/New_York')" }
    - { target: from.name, expr: "source.parties.filter(p, p.role == 'SF')[0].name" }
    - { target: from.day, expr: "parseDate(source.code, 'CCYYMMDD')" }
  tests:
`;

function estate(tests: string): Record<string, string> {
  return { 'specs/contracts.yaml': CONTRACTS, 'specs/m.yaml': `${MAPPING}${tests}` };
}

describe('fan-out fields computed once per message', () => {
  it('moves the item-independent fields before the items, and only those', async () => {
    const result = await generateEstate(estate('    - { name: t, input: { id: N1 }, expected: [] }\n'));
    const text = result.files.get('mappings/m.ts')!;
    expect(text).toMatch(/if \(list\.length === 0\) return \[\];/);
    // sentAt and from.name are per message; from.day is made only with from (when from.name has a value).
    expect(text).toMatch(/const once_\d+: ShipmentV1\["sentAt"\] = /);
    expect(text).toMatch(/const once_\d+: NonNullable<ShipmentV1\["from"\]>\["name"\] \| null \| undefined = /);
    expect(text).not.toMatch(/const once_\d+: NonNullable<ShipmentV1\["from"\]>\["day"\]/);
    expect(text).toContain('?.find((v_p) => (v_p?.role === "SF"))!');
  });

  it('keeps what the mapping means: no items, an object left out, a failing value, the first match', async () => {
    const results = await runEstateTests(
      estate(`    - name: two orders share the message's values
      input: { id: N1, sentAt: "20261203210000", code: "20261204", orders: [{ po: P1 }, { po: P2 }], parties: [{ role: SF, name: First }, { role: SF, name: Second }] }
      expected:
        - { id: N1-1, po: P1, sentAt: "2026-12-04T02:00:00.000Z", from: { name: First, day: "2026-12-04" } }
        - { id: N1-2, po: P2, sentAt: "2026-12-04T02:00:00.000Z", from: { name: First, day: "2026-12-04" } }
    - name: no orders, so the unparsable date fails nothing
      input: { id: N2, sentAt: "not a date", orders: [] }
      expected: []
    - name: no ship-from, so its day is never parsed
      input: { id: N3, code: "not a date", orders: [{ po: P1 }] }
      expected: [{ id: N3-1, po: P1 }]
    - name: a ship-from, so its day is parsed and fails
      input: { id: N4, code: "not a date", orders: [{ po: P1 }], parties: [{ role: SF, name: S }] }
      expected: [{ id: N4-1, po: P1, from: { name: S } }]
    - name: an unparsable date with orders fails the message
      input: { id: N5, sentAt: "not a date", orders: [{ po: P1 }] }
      expected: [{ id: N5-1, po: P1 }]
`),
    );
    expect(results).toEqual([
      ["two orders share the message's values", true, undefined],
      ['no orders, so the unparsable date fails nothing', true, undefined],
      ['no ship-from, so its day is never parsed', true, undefined],
      ['a ship-from, so its day is parsed and fails', false, expect.stringContaining("does not match the pattern 'CCYYMMDD'")],
      ['an unparsable date with orders fails the message', false, expect.stringContaining("does not match the pattern 'CCYYMMDDHHMMss'")],
    ]);
  });

  it('reports a wrong per-message value at its own rule, as before', async () => {
    const files = estate('    - { name: t, input: { id: N1 }, expected: [] }\n');
    // sentAt (line 11) and from.name (line 12) get numbers: both move before the items.
    files['specs/m.yaml'] = files['specs/m.yaml']!.replace(
      `expr: "parseDate(source.sentAt, 'CCYYMMDDHHMMss', 'America/New_York')"`,
      'expr: "size(source.parties)"',
    ).replace(`expr: "source.parties.filter(p, p.role == 'SF')[0].name"`, 'expr: "size(source.id)"');
    expect(await estateDiagnostics(files)).toEqual([
      ['mapping-type-error', 11, expect.stringContaining('sentAt')],
      ['mapping-type-error', 12, expect.stringContaining('from.name')],
    ]);
  });
});
