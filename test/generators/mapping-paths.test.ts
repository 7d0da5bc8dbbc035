import { describe, expect, it } from 'vitest';
import { estateDiagnostics, runEstateTests } from '../helpers/mapping-estate.ts';

/**
 * Issue 14 (item 1, the rest): `each` and `from` paths through nested lists (`shipments[].orders[]`)
 * and single items (`shipments[0]`), `flatten()`, diagnostics at the rule for a path that does not
 * fit the contract; and time zones on the timestamp getters and on `convert: { date }`, so a 21:00
 * New York order on the 3rd keeps the 3rd as its `orderDate`.
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
      createdAt: { type: string, format: date-time }
      shipments:
        type: array
        items:
          type: object
          required: [number]
          properties:
            number: { type: string }
            orders:
              type: array
              items:
                type: object
                required: [po]
                properties:
                  po: { type: string }
                  skus: { type: array, items: { type: string } }
---
apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: summary }
spec:
  version: 1.0.0
  owner: t
  schema:
    type: object
    additionalProperties: false
    required: [id]
    properties:
      id: { type: string }
      firstShipment: { type: string }
      firstPo: { type: string }
      skus: { type: string }
      orderDate: { type: string, format: date }
      day: { type: integer }
      hour: { type: integer }
      weekday: { type: integer }
      orders:
        type: array
        items:
          type: object
          additionalProperties: false
          required: [po]
          properties: { po: { type: string }, position: { type: integer } }
`;

function estate(rules: string, tests: string): Record<string, string> {
  return {
    'specs/contracts.yaml': CONTRACTS,
    'specs/m.yaml': `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: m }
spec:
  from: notice@1
  to: summary@1
  rules:
    - { target: id, from: id }
${rules}
  tests:
${tests}
`,
  };
}

const CROSS_DOCK = `{ id: N1, createdAt: "2026-12-04T02:00:00Z", shipments: [{ number: S1, orders: [{ po: P1, skus: [A, B] }, { po: P2, skus: [C] }] }, { number: S2, orders: [{ po: P3 }] }] }`;

describe('paths through nested lists, [0] and flatten() (issue 14)', () => {
  it('maps every order of every shipment with each: shipments[].orders[]', async () => {
    expect(
      await runEstateTests(
        estate(
          `    - target: orders
      each: shipments[].orders[]
      rules:
        - { target: po, from: po }
        - { target: position, expr: index }`,
          `    - name: cross-dock
      input: ${CROSS_DOCK}
      expected: { id: N1, orders: [{ po: P1, position: 0 }, { po: P2, position: 1 }, { po: P3, position: 2 }] }`,
        ),
      ),
    ).toEqual([['cross-dock', true, undefined]]);
  });

  it('reads single items with [0] in from and each, and flattens lists in expressions', async () => {
    expect(
      await runEstateTests(
        estate(
          `    - { target: firstShipment, from: "shipments[0].number" }
    - { target: firstPo, from: "shipments[0].orders[0].po" }
    - { target: skus, expr: "source.shipments.map(s, s.orders.map(o, has(o.skus) ? o.skus : [])).flatten().flatten().join(',')" }
    - target: orders
      each: "shipments[1].orders"
      rules:
        - { target: po, from: po }`,
          `    - name: cross-dock
      input: ${CROSS_DOCK}
      expected: { id: N1, firstShipment: S1, firstPo: P1, skus: "A,B,C", orders: [{ po: P3 }] }
    - name: no shipments
      input: { id: N2 }
      expected: { id: N2 }`,
        ),
      ),
    ).toEqual([
      ['cross-dock', true, undefined],
      ['no shipments', true, undefined],
    ]);
  });

  it('reports a path that does not fit the contract at its rule, with did-you-mean', async () => {
    const found = await estateDiagnostics(
      estate(
        `    - target: orders
      each: shipments[].ordrs[]
      rules:
        - { target: po, from: po }
    - { target: firstPo, from: "id[0]" }
    - { target: firstShipment, from: "shipments[x].number" }
    - { target: skus, expr: "source.shipments.flatten(source.id)" }`,
        `    - { name: t, input: { id: "1" }, expected: { id: "1" } }`,
      ),
    );
    expect(found).toEqual([
      ['mapping-field-unknown', 10, expect.stringContaining("has no property 'ordrs'; did you mean 'orders'?")],
      ['mapping-field-unknown', 13, expect.stringContaining('`id` is not a list')],
      ['mapping-field-unknown', 14, expect.stringContaining('unexpected')],
      ['mapping-unsupported', 15, expect.stringContaining('depth of flatten must be an integer literal')],
    ]);
  });
});

describe('time zones on dates (issue 14)', () => {
  it('keeps a 21:00 New York order on the 3rd as the 3rd: getters with a zone and convert date with a zone', async () => {
    expect(
      await runEstateTests(
        estate(
          `    - { target: orderDate, from: createdAt, convert: { date: iso, zone: America/New_York } }
    - { target: day, expr: "timestamp(source.createdAt).getDate('America/New_York')" }
    - { target: hour, expr: "timestamp(source.createdAt).getHours('America/New_York')" }
    - { target: weekday, expr: "timestamp(source.createdAt).getDayOfWeek('America/New_York')" }`,
          `    - name: 21:00 New York on 2026-12-03 (02:00 UTC on the 4th)
      input: { id: N1, createdAt: "2026-12-04T02:00:00Z" }
      expected: { id: N1, orderDate: "2026-12-03", day: 3, hour: 21, weekday: 4 }`,
        ),
      ),
    ).toEqual([['21:00 New York on 2026-12-03 (02:00 UTC on the 4th)', true, undefined]]);
  });

  it('refuses a getter zone that is no IANA name, at the rule', async () => {
    const found = await estateDiagnostics(
      estate(
        `    - { target: day, expr: "timestamp(source.createdAt).getDate('New York')" }
    - { target: orderDate, from: createdAt, convert: { date: iso, zone: Mars/Olympus } }`,
        `    - { name: t, input: { id: "1" }, expected: { id: "1" } }`,
      ),
    );
    expect(found).toEqual([
      ['mapping-unsupported', 9, expect.stringContaining("'New York' is not one")],
      ['mapping-unsupported', 10, expect.stringContaining("'Mars/Olympus' is not an IANA time zone")],
    ]);
  });
});
