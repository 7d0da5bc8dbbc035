import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../generators/testing/fixtures.ts';

const edi = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/edi', name), 'utf8');

/**
 * `interlace test` reads a mapping test's fixture file by its content: partner files end in `.edi`
 * whether they hold X12 or EDIFACT (issue 13: an EDIFACT `.edi` fixture was parsed as X12 and refused
 * with "an X12 interchange starts with an ISA segment").
 */
describe('mapping test fixtures are read by content: EDIFACT, X12 or JSON', () => {
  it('an EDIFACT .edi fixture with UNA is parsed as EDIFACT, its only message the default value', () => {
    const loaded = loadFixture('orders.edi', edi('ORDERS_EANCOM_D96A_una_release.edi'), undefined);
    expect(loaded.ok, loaded.ok ? '' : loaded.message).toBe(true);
    const message = (loaded as { value: Record<string, unknown> }).value;
    expect(message.BGM).toMatchObject({ BGM02: 'PO-4410' });
    expect(Array.isArray(message.LINGroup)).toBe(true);
  });

  it('an EDIFACT fixture without UNA (starts with UNB) is EDIFACT too, and a pointer picks into the interchange', () => {
    const loaded = loadFixture('desadv.edi', edi('DESADV_EANCOM_D96A_no_una.edi'), '/messages/0/BGM');
    expect(loaded.ok, loaded.ok ? '' : loaded.message).toBe(true);
    expect((loaded as { value: unknown }).value).toMatchObject({ BGM02: 'ASN-5512' });
  });

  it('a broken EDIFACT fixture names EDIFACT and the line, not X12', () => {
    const loaded = loadFixture('bad.edi', "UNA:+.? 'UNB+UNOC:3+A+B+230915:1402+1'\nUNH+1+ORDERS:D:96A:UN'\nBGM+220'\n", undefined);
    expect(loaded.ok).toBe(false);
    expect((loaded as { message: string }).message).toMatch(/^EDIFACT: /);
  });

  it('an X12 .edi fixture is still X12', () => {
    const loaded = loadFixture('810.edi', edi('810_trimmed_isa_newlines.edi'), undefined);
    expect(loaded.ok, loaded.ok ? '' : loaded.message).toBe(true);
    expect(JSON.stringify((loaded as { value: unknown }).value)).toContain('IT1');
  });

  it('JSON stays JSON, whatever the extension', () => {
    expect(loadFixture('order.json', '{"a":1}', undefined)).toEqual({ ok: true, value: { a: 1 } });
  });
});
