import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseX12 } from '../../generators/edi/x12-parse.ts';
import { X12Reader } from '../../generators/edi/x12-reader.ts';

const fixture = (name: string) => readFileSync(new URL(`../../test/generators/sap-order/specs/fixtures/${name}`, import.meta.url), 'utf8');
const edi = (name: string) => readFileSync(new URL(`../fixtures/edi/${name}`, import.meta.url), 'utf8');
const vics850 = () => fixture('850_VICS_4010_node-x12.edi');

describe('X12 parser', () => {
  it('parses the VICS 850 into loops with element keys and positions', () => {
    const result = parseX12(vics850());
    expect(result.problems).toEqual([]);
    const po = result.value!.groups[0]!.transactions[0]!;
    expect(po.BEG).toEqual({ BEG01: '00', BEG02: 'SA', BEG03: '08292233294', BEG05: '20101127', BEG06: '610385385' });
    expect((po.PO1Loop as any[]).length).toBe(6);
    expect((po.PO1Loop as any[])[1].PO1.PO102).toBe('220');
    expect((po.PO1Loop as any[])[1].PID[0].PID05).toBe('MEDIUM WIDGET');
    expect((po.N1Loop as any[])[0].N4).toEqual({ N401: 'SOLON', N402: 'OH', N403: '44139' });
    expect(result.value!.delimiters).toEqual({ element: '*', component: '>', segment: '~', repetition: null });
    expect(result.positions.get('/groups/0/transactions/0/PO1Loop/1/PO1/PO102')).toEqual({ segment: 18, line: 18, column: 7 });
  });

  it('nests 856 HL loops by their parent ids', () => {
    const result = parseX12(readFileSync(new URL('../../specs/fixtures/erp/x12/856_ASN_4060_node-x12.edi', import.meta.url), 'utf8'));
    expect(result.problems).toEqual([]);
    const asn = result.value!.groups[0]!.transactions[0] as any;
    expect(asn.HLLoop[0].HL.HL03).toBe('S');
    expect(asn.HLLoop[0].HLLoop[0].PRF.PRF01).toBe('99999817');
    expect(asn.HLLoop[0].HLLoop[0].HLLoop.map((i: any) => i.SN1.SN102)).toEqual(['24', '6']);
    expect(result.value!.delimiters.repetition).toBe('-');
  });

  it('reads the ISA by delimiter: trimmed fields, "|" separators, a BOM, indentation and newline terminators', () => {
    const result = parseX12(edi('810_trimmed_isa_newlines.edi'));
    expect(result.problems).toEqual([]);
    expect(result.value!.delimiters).toEqual({ element: '|', component: ':', segment: '\n', repetition: '^' });
    expect(result.value!.ISA.ISA06).toBe('ACMESUPPLY');
    expect(result.value!.IEA).toEqual({ IEA01: '1', IEA02: '000000123' });
    // CR/LF line ends work the same, and so does `~` followed by CR/LF.
    const crlf = edi('810_trimmed_isa_newlines.edi').replace(/\n/g, '\r\n');
    expect(parseX12(crlf).problems).toEqual([]);
    expect(parseX12(crlf).value!.delimiters.segment).toBe('\n');
    const tilde = edi('810_trimmed_isa_newlines.edi').replace(/\n/g, '~\r\n');
    expect(parseX12(tilde).problems).toEqual([]);
    expect(parseX12(tilde).value).toEqual({ ...parseX12(crlf).value, delimiters: { ...parseX12(crlf).value!.delimiters, segment: '~' } });
  });

  it('reads a VICS 850 whose ISA fields are trimmed (not fixed-width) the same as the padded one', () => {
    const trimmed = vics850().replace(/^ISA[^~]*~/, (isa) => isa.replace(/ +\*/g, '*'));
    expect(trimmed).not.toBe(vics850());
    const result = parseX12(trimmed);
    expect(result.problems).toEqual([]);
    expect(result.value!.groups).toEqual(parseX12(vics850()).value!.groups);
  });

  it('nests each 810 IT1 line with its own PID, SAC and TXI segments', () => {
    const invoice = parseX12(edi('810_trimmed_isa_newlines.edi')).value!.groups[0]!.transactions[0] as any;
    expect(invoice.BIG.BIG02).toBe('INV-7781');
    expect(invoice.IT1Loop.map((l: any) => l.IT1.IT102)).toEqual(['12', '6', '1']);
    expect(invoice.IT1Loop[0].PID[0].PID05).toBe('BLUE WIDGET');
    expect(invoice.IT1Loop[0].SAC[0].SAC16).toBe('DISCOUNT 5%');
    expect(invoice.IT1Loop[0].TXI[0].TXI02).toBe('2.55');
    expect(invoice.IT1Loop[1].PID.map((p: any) => p.PID05)).toEqual(['RED GADGET CASE', '6 PER CASE']);
    expect(invoice.IT1Loop[2].PID).toBeUndefined();
    // Summary segments leave the last line's loop.
    expect(invoice.TDS.TDS01).toBe('26175');
    expect(invoice.SAC[0].SAC16).toBe('FREIGHT');
    expect(invoice.TXI[0].TXI02).toBe('9.57');
    expect(invoice.CTT.CTT01).toBe('3');
  });

  it('keeps the flat output on request (every segment a list, in file order)', () => {
    const flat = parseX12(edi('810_trimmed_isa_newlines.edi'), { loops: false }).value!.groups[0]!.transactions[0] as any;
    expect(flat.IT1.length).toBe(3);
    expect(flat.PID.length).toBe(3);
    expect(flat.ST).toEqual({ ST01: '810', ST02: '0001' });
  });

  it('nests a cross-dock 856 shipment → order → pack → item with two orders', () => {
    const asn = parseX12(edi('856_crossdock_two_orders.edi')).value!.groups[0]!.transactions[0] as any;
    const shipment = asn.HLLoop[0];
    expect(asn.HLLoop.length).toBe(1);
    expect(shipment.HLLoop.map((o: any) => [o.HL.HL03, o.PRF.PRF01])).toEqual([
      ['O', 'PO-4410'],
      ['O', 'PO-4415'],
    ]);
    const [first, second] = shipment.HLLoop;
    expect(first.HLLoop.map((p: any) => p.MAN[0].MAN02)).toEqual(['00000123450000000017', '00000123450000000024']);
    expect(first.HLLoop.map((p: any) => p.HLLoop.map((i: any) => [i.LIN.LIN03, i.SN1.SN102]))).toEqual([
      [['012345678905', '12']],
      [['012345678912', '6']],
    ]);
    expect(second.N1Loop[0].N1.N102).toBe('STORE 57');
    expect(second.HLLoop[0].HLLoop[0].SN1.SN102).toBe('24');
  });

  it('names the segment number and what it expected in every problem', () => {
    expect(parseX12('GS*PO~').problems[0]).toMatchObject({ line: 1, column: 1, message: expect.stringMatching(/expected an ISA segment/) });
    expect(parseX12('ISA*00*short~').problems[0]!.message).toBe(
      'segment 1 (ISA): expected 16 ISA elements separated by "*", found 2 (is the ISA segment cut short?)',
    );
    const broken = vics850().replace('SE*33*', 'SE*34*');
    expect(parseX12(broken).problems.map((p) => p.message)).toEqual(['segment 35: SE01 says 34 segments, the transaction set has 33']);
    expect(parseX12(broken).problems[0]).toMatchObject({ segment: 35, line: 35, column: 4 });
    const badId = vics850().replace('PO1*2*', 'po1*2*');
    expect(parseX12(badId).problems[0]!.message).toMatch(/^segment 18: expected a segment id .* found "po1"$/);
    const noSe = vics850().replace(/SE\*33\*000000010~\s*/, '');
    expect(parseX12(noSe).problems.map((p) => p.message)[0]).toMatch(
      /^segment \d+: transaction set 000000010 \(ST\) has no SE trailer; expected SE/,
    );
    const badParent = edi('856_crossdock_two_orders.edi').replace('HL*9*8*I', 'HL*9*88*I');
    expect(parseX12(badParent).problems[0]!.message).toMatch(
      /^segment 31: HL02 parent 88 is not the id of an earlier HL; expected one of 1, 2, 3/,
    );
    const badIsa16 = vics850().replace('*000003438*0*P*>~', '*000003438*0*P*A~');
    expect(parseX12(badIsa16).problems[0]!.message).toMatch(/^segment 1 \(ISA\): /);
  });

  it('survives mutated input without throwing', () => {
    const base = edi('856_crossdock_two_orders.edi');
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 500; n++) {
      const chars = [...base];
      for (let k = 0; k < 1 + Math.floor(random() * 5); k++) {
        const at = Math.floor(random() * chars.length);
        if (random() < 0.5) chars.splice(at, 1 + Math.floor(random() * 20));
        else chars.splice(at, 0, '*~>:\n\uFEFFISA'[Math.floor(random() * 10)]!);
      }
      const result = parseX12(chars.join(''));
      for (const problem of result.problems) expect(problem.message).toMatch(/segment|ISA|file/);
    }
  });

  it('streams transaction sets one at a time from chunks of any size', () => {
    const text = edi('856_crossdock_two_orders.edi');
    const whole = parseX12(text).value!.groups[0]!.transactions[0];
    for (const size of [1, 7, 100]) {
      const seen: unknown[] = [];
      const reader = new X12Reader((event) => seen.push(event.transaction), { positions: false });
      for (let at = 0; at < text.length; at += size) reader.push(text.slice(at, at + size));
      expect(reader.end().problems).toEqual([]);
      expect(seen).toEqual([whole]);
    }
  });
});
