// Numbers in partner CSVs as ERPs, Excel and SAP write them (runtime/adapters/files/csv-number.ts),
// read where the contract says number, and the CSV reader's errors that name line and column
// (runtime/adapters/files/csv.ts).
import { describe, expect, it } from 'vitest';
import { readCsv, writeCsv } from '../../runtime/adapters/files/csv.ts';
import type { CsvOptions } from '../../runtime/adapters/files/csv.ts';
import { readNumber, writeNumber } from '../../runtime/adapters/files/csv-number.ts';
import type { NumberFormat } from '../../runtime/adapters/files/csv-number.ts';
import { FileParseError } from '../../runtime/adapters/files/file-parse-error.ts';
import { requiredColumnsOf } from '../../runtime/adapters/files/files-source-kind.ts';

const DE: NumberFormat = { decimal: ',', thousands: '.' };
const US: NumberFormat = { decimal: '.', thousands: ',' };
const FR: NumberFormat = { decimal: ',', thousands: ' ' };
const CH: NumberFormat = { decimal: '.', thousands: "'" };

describe('readNumber', () => {
  const numbers: [string, NumberFormat, number][] = [
    ['1.234,56', DE, 1234.56],
    ['1.234.567,89', DE, 1234567.89],
    ['1234,56', DE, 1234.56],
    ['12,5', DE, 12.5],
    ['0,05', DE, 0.05],
    ['1,234.56', US, 1234.56],
    ['1,234,567', US, 1234567],
    ['1234.56', US, 1234.56],
    ['1 234,56', FR, 1234.56],
    ['1\u00a0234,56', FR, 1234.56],
    ['1\u202f234\u202f567,5', FR, 1234567.5],
    ["1'234.56", CH, 1234.56],
    ["1'234'567", CH, 1234567],
    ['  42,5 ', DE, 42.5],
    ['\t7\u00a0', { decimal: '.' }, 7],
    ['+12,5', DE, 12.5],
    ['-1.234,56', DE, -1234.56],
    ['1.234,56-', DE, -1234.56],
    ['123,45-', { decimal: ',' }, -123.45],
    ['0-', { decimal: ',' }, -0],
    ['1.5e3', { decimal: '.' }, 1500],
    ['-2E-2', { decimal: '.' }, -0.02],
    ['007', { decimal: '.' }, 7],
  ];
  it.each(numbers)('%j (decimal %o) is %d', (text, format, value) => {
    expect(readNumber(text, format)).toEqual({ value });
  });

  const refused: [string, NumberFormat, string][] = [
    ['12.34.5', DE, '"12.34.5" has its thousands separator in the wrong place: "." separates groups of three digits (-1.234.567,89)'],
    ['1.23,4', DE, 'in the wrong place'],
    ['1.2345,6', DE, 'in the wrong place'],
    ['.123,4', DE, 'in the wrong place'],
    ['1,23', US, 'in the wrong place'],
    ['1  234,5', FR, 'in the wrong place'],
    ["12'34", CH, 'in the wrong place'],
    [
      '1.234,56',
      { decimal: ',' },
      '"1.234,56" is not a number with a decimal comma; if the file groups thousands, set csv.thousands (".")',
    ],
    ['1,234.56', { decimal: '.' }, '"1,234.56" is not a number; if the file groups thousands, set csv.thousands (",")'],
    ['1 234,56', { decimal: ',' }, 'set csv.thousands (" ")'],
    ['1,234.56', DE, 'is not a number with a decimal comma'],
    ['1.234,56', US, 'is not a number'],
    ['12,x', { decimal: ',' }, '"12,x" is not a number with a decimal comma'],
    ['1,5e3', { decimal: ',' }, 'is not a number'],
    ['1,2,3', { decimal: ',' }, 'is not a number'],
    ['-12-', DE, 'is not a number'],
    ['+-1', DE, 'is not a number'],
    ['- 5', DE, 'is not a number'],
    ['-', DE, 'is not a number'],
    ['', DE, 'is not a number'],
    ['EUR 5', DE, 'is not a number'],
    ['5,', DE, 'is not a number'],
    ['0x10', { decimal: '.' }, 'is not a number'],
    ['Infinity', { decimal: '.' }, 'is not a number'],
    ['1e999', { decimal: '.' }, 'too large a number'],
    ['1.234', { decimal: '.', thousands: '.' }, 'csv.thousands and csv.decimal are both "."'],
  ];
  it.each(refused)('%j (format %o) is refused', (text, format, problem) => {
    const result = readNumber(text, format);
    expect(result).toHaveProperty('problem');
    expect((result as { problem: string }).problem).toContain(problem);
  });
});

describe('writeNumber', () => {
  it('writes the decimal separator, and thousands only when the format names them', () => {
    expect(writeNumber(1234567.89, { decimal: ',' })).toBe('1234567,89');
    expect(writeNumber(1234567.89, DE)).toBe('1.234.567,89');
    expect(writeNumber(-1234.5, US)).toBe('-1,234.5');
    expect(writeNumber(123, FR)).toBe('123');
    expect(writeNumber(1000, CH)).toBe("1'000");
    expect(writeNumber(1e21, DE)).toBe('1e+21');
    for (const format of [DE, US, FR, CH])
      for (const n of [0, 5, -999, 1000, 1234567.891, -0.5]) expect(readNumber(writeNumber(n, format), format)).toEqual({ value: n });
  });
  it('keeps writeCsv deterministic: no thousands separator unless configured', () => {
    const rows = [{ id: 'A', amount: 1234567.5 }];
    expect(writeCsv(rows, { delimiter: ';', decimal: ',', header: true })).toBe('id;amount\r\nA;1234567,5\r\n');
    expect(writeCsv(rows, { delimiter: ';', decimal: ',', thousands: '.', header: true })).toBe('id;amount\r\nA;1.234.567,5\r\n');
    // A thousands separator that is the delimiter is quoted, not split.
    expect(writeCsv(rows, { delimiter: ',', decimal: '.', thousands: ',', header: true })).toBe('id,amount\r\nA,"1,234,567.5"\r\n');
  });
});

function refusal(run: () => unknown): FileParseError {
  try {
    run();
  } catch (error) {
    if (error instanceof FileParseError) return error;
    throw error;
  }
  throw new Error('expected a FileParseError');
}

describe('readCsv against the contract', () => {
  const sap: CsvOptions = { delimiter: ';', decimal: ',', thousands: '.', header: true };
  const types = { amount: 'number', quantity: 'integer' } as const;

  it('reads an SAP-style export: grouped thousands, trailing minus, padded numbers', () => {
    const text = 'doc;amount;quantity\r\n4711;1.234,56;1.000\r\n4712;  99,90-;  -3 \r\n4713;"12.345.678,9";+2\r\n';
    expect(readCsv(text, sap, types)).toEqual([
      { doc: '4711', amount: 1234.56, quantity: 1000 },
      { doc: '4712', amount: -99.9, quantity: -3 },
      { doc: '4713', amount: 12345678.9, quantity: 2 },
    ]);
  });

  it('names the line and column of a misplaced grouping', () => {
    const error = refusal(() => readCsv('doc;amount\n1;1.234,5\n2;12.34.5\n', sap, types));
    expect(error.line).toBe(3);
    expect(error.message).toBe(
      'line 3, column amount: "12.34.5" has its thousands separator in the wrong place: "." separates groups of three digits (-1.234.567,89)',
    );
  });

  it('an integer column refuses a decimal even when grouped', () => {
    expect(refusal(() => readCsv('doc;quantity\n1;1.000,5\n', sap, types)).message).toBe(
      'line 2, column quantity: "1.000,5" is not a whole number',
    );
  });

  it('leaves an empty optional cell out, and names line and column of an empty required one', () => {
    expect(readCsv('doc;amount;note\n1;5;\n', sap, types, ['doc', 'amount'])).toEqual([{ doc: '1', amount: 5 }]);
    const error = refusal(() => readCsv('doc;amount;note\n1;5;x\n2;;y\n', sap, types, ['doc', 'amount']));
    expect([error.line, error.message]).toEqual([3, 'line 3, column amount: empty, but the contract requires amount']);
    expect(refusal(() => readCsv('doc;amount\n"";5\n', sap, types, ['doc'])).message).toBe(
      'line 2, column doc: empty, but the contract requires doc',
    );
  });

  it('takes the required columns from the contract: nested ones by dotted name, not what no single column stands for', () => {
    const schema = {
      type: 'object',
      required: ['invoiceNumber', 'amount', 'customer', 'lines', 'meta', 'ref', 'unlisted'],
      properties: {
        invoiceNumber: { type: 'string' },
        amount: { type: 'number' },
        customer: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, name: { type: 'string' } } },
        lines: { type: 'array', items: { type: 'object' } },
        meta: { type: 'object' },
        ref: { $ref: '#/$defs/x' },
        note: { type: 'string' },
      },
    };
    expect(requiredColumnsOf(schema)).toEqual(['invoiceNumber', 'amount', 'customer.id', 'unlisted']);
  });

  it('names a required column the header lacks', () => {
    const error = refusal(() => readCsv('doc;note\n1;x\n', sap, types, ['doc', 'amount', 'customer.id']));
    expect([error.line, error.message]).toEqual([
      1,
      'line 1: the header has no column "amount", "customer.id", which the contract requires',
    ]);
  });
});
