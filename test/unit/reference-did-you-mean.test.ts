import { describe, expect, it } from 'vitest';
import { estateOf } from '../helpers/estate.ts';
import { contract, HEADER, ORDER_SCHEMA_CLOSED } from '../helpers/specs.ts';

const mapping = (from: string) =>
  `${HEADER}\nkind: Mapping\nmetadata: { name: shop-order-to-order }\nspec:\n  owner: team-o2c\n  from: ${from}\n  to: order@2\n  rules:\n    - { target: orderNumber, from: id }\n`;
const files = {
  's.yaml': contract('shop-order', '1.0.0', 'type: object\nproperties:\n  id: { type: string }'),
  'o.yaml': contract('order', '2.0.0', ORDER_SCHEMA_CLOSED),
};

function unresolved(from: string) {
  return estateOf({ ...files, 'm.yaml': mapping(from) }, { allowInvalid: true }).diagnostics.filter((d) => d.code === 'ref-unresolved');
}

describe('a misspelt reference gets a did-you-mean, as a misspelt field does', () => {
  it("suggests the closest name with the reference's own version", () => {
    const [finding] = unresolved('shop-ordr@1');
    expect(finding!.message).toBe('DataContract "shop-ordr" does not exist');
    expect(finding!.hint).toBe('Did you mean `shop-order@1`?');
    expect(unresolved('shoporder@1')[0]!.hint).toBe('Did you mean `shop-order@1`?');
  });

  it('does not guess when nothing is close', () => {
    expect(unresolved('invoice@1')[0]!.hint).toBe('Add a DataContract named `invoice`, or fix the reference.');
  });
});
