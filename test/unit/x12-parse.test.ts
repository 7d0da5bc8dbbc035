import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseX12 } from '../../generators/edi/x12-parse.ts';

const fixture = (name: string) => readFileSync(new URL(`../../test/generators/sap-order/specs/fixtures/${name}`, import.meta.url), 'utf8');

describe('X12 parser', () => {
  it('parses the VICS 850 into loops with element keys and positions', () => {
    const result = parseX12(fixture('850_VICS_4010_node-x12.edi'));
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

  it('reports malformed input with a position instead of throwing', () => {
    expect(parseX12('GS*PO~').problems[0]).toMatchObject({ line: 1, column: 1 });
    expect(parseX12('ISA*00*short~').problems[0]!.message).toMatch(/106/);
    const broken = fixture('850_VICS_4010_node-x12.edi').replace('SE*33*', 'SE*34*');
    expect(broken && parseX12(broken).problems.map((p) => p.message)).toEqual(['SE01 says 34 segments, the transaction set has 33']);
  });
});
