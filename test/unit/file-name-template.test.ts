// File names from business keys (runtime/adapters/files/file-name-template.ts) and CSV as drop
// targets write it (csv.ts): no path traversal from a key's value, dates in UTC, quoting and the
// decimal comma.
import { describe, expect, it } from 'vitest';
import { writeCsv } from '../../runtime/adapters/files/csv.ts';
import { FileNameUnfilled, fillFileName } from '../../runtime/adapters/files/file-name-template.ts';
import { UnsafeFileName } from '../../runtime/adapters/files/file-sink.ts';

const at = new Date('2026-03-09T23:30:05Z');

describe('file-name templates', () => {
  it('fills business keys, field paths and UTC date patterns', () => {
    const payload = { invoice: { number: 'INV-0042' }, customer: { id: 'C 7/9' } };
    expect(fillFileName('{invoiceNumber}-{yyyyMMdd}.csv', payload, { invoiceNumber: 'invoice.number' }, at)).toBe('INV-0042-20260309.csv');
    expect(fillFileName('{customer.id}_{yyyy-MM-dd_HHmmss}.json', payload, {}, at)).toBe('C_7_9_2026-03-09_233005.json');
    expect(fillFileName('x-{messageHash}.json', payload, {}, at, 'abcdef012345')).toBe('x-abcdef012345.json');
  });

  it('keeps a hostile value inside the directory', () => {
    for (const value of ['../../etc/passwd', '..', '/abs/path', 'a\\..\\b', '.hidden', 'nul\u0000x', '..\u2025..']) {
      const name = fillFileName('{n}.csv', { n: value }, {}, at);
      expect(name).not.toMatch(/[/\\]|\.\./);
      expect(name.startsWith('.')).toBe(false);
    }
    expect(fillFileName('{n}.csv', { n: '../../etc/passwd' }, {}, at)).toBe('_._etc_passwd.csv');
    // The template itself is the spec author's, but is checked the same way.
    expect(() => fillFileName('../{n}.csv', { n: 'a' }, {}, at)).toThrow(UnsafeFileName);
  });

  it('names the missing key', () => {
    expect(() => fillFileName('{invoiceNumber}.csv', {}, { invoiceNumber: 'invoice.number' }, at)).toThrow(FileNameUnfilled);
    expect(() => fillFileName('{invoiceNumber}.csv', {}, { invoiceNumber: 'invoice.number' }, at)).toThrow(/invoice\.number/);
  });
});

describe('CSV writing', () => {
  it('writes one row per line item with the header fields repeated, quoting and the decimal comma', () => {
    const invoice = {
      invoiceNumber: 'INV-1',
      customer: { name: 'Müller; Söhne "GmbH"' },
      total: 1234.5,
      lines: [
        { sku: 'A-1', quantity: 2, amount: 10.25 },
        { sku: 'B\n2', quantity: 1, amount: 7 },
      ],
    };
    expect(writeCsv(invoice, { delimiter: ';', decimal: ',', header: true })).toBe(
      [
        'invoiceNumber;customer.name;total;sku;quantity;amount',
        'INV-1;"Müller; Söhne ""GmbH""";1234,5;A-1;2;10,25',
        'INV-1;"Müller; Söhne ""GmbH""";1234,5;"B\n2";1;7',
        '',
      ].join('\r\n'),
    );
    expect(writeCsv([{ a: 1.5, b: null }, { b: 'x' }], { delimiter: ',', decimal: '.', header: false })).toBe('1.5,\r\n,x\r\n');
  });
});
