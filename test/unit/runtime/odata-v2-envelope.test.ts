// A workflow call to an OData V2 System reads the entity (or the rows), not the `d` envelope around it.
import { describe, expect, it } from 'vitest';
import { withoutODataV2Envelope } from '../../../runtime/workflow/activities/delivery-activities.ts';

describe('withoutODataV2Envelope', () => {
  it('takes an entity out of d, and the rows of a collection out of d.results', () => {
    expect(withoutODataV2Envelope({ d: { SalesOrder: '1001', __metadata: { id: 'x' } } })).toEqual({
      SalesOrder: '1001',
      __metadata: { id: 'x' },
    });
    expect(withoutODataV2Envelope({ d: { results: [{ a: 1 }, { a: 2 }] } })).toEqual([{ a: 1 }, { a: 2 }]);
    expect(withoutODataV2Envelope({ d: { results: [{ a: 1 }], __next: 'skip=1', __count: '9' } })).toEqual([{ a: 1 }]);
  });

  it('leaves alone what is not an envelope: more keys than d, a d that is not an object, an entity with a results field', () => {
    expect(withoutODataV2Envelope({ d: { a: 1 }, e: 2 })).toEqual({ d: { a: 1 }, e: 2 });
    expect(withoutODataV2Envelope({ d: 'text' })).toBe('text');
    expect(withoutODataV2Envelope({ d: null })).toBeNull();
    expect(withoutODataV2Envelope({ d: { results: [1], Material: 'X' } })).toEqual({ results: [1], Material: 'X' });
    expect(withoutODataV2Envelope([1, 2])).toEqual([1, 2]);
    expect(withoutODataV2Envelope('plain')).toBe('plain');
    expect(withoutODataV2Envelope(null)).toBeNull();
  });
});
