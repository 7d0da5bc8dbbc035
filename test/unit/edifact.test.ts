import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEdifact } from '../../generators/edi/edifact-parse.ts';
import { writeEdifact } from '../../generators/edi/edifact-write.ts';

const edi = (name: string) => readFileSync(new URL(`../fixtures/edi/${name}`, import.meta.url), 'utf8');
const FILES = ['ORDERS_EANCOM_D96A_una_release.edi', 'DESADV_EANCOM_D96A_no_una.edi', 'INVOIC_EANCOM_D96A_una.edi'];

describe('EDIFACT parser and writer', () => {
  it('reads UNA service characters and resolves the release character', () => {
    const result = parseEdifact(edi('ORDERS_EANCOM_D96A_una_release.edi'));
    expect(result.problems).toEqual([]);
    const order = result.value!.messages[0] as any;
    expect(result.value!.UNA).toBe(true);
    expect(result.value!.UNB.UNB05).toBe('ORD0001');
    expect(order.FTX[0].FTX04).toBe("Deliver to dock 3: ring bell + wait's fine");
    expect(order.NADGroup[1].CTAGroup[0].COM[0].COM01).toEqual(['+3212345678', 'TE']);
    expect(order.LINGroup.map((l: any) => [l.LIN.LIN03[0], l.QTY[0].QTY01[1], l.PRIGroup[0].PRI.PRI01[1]])).toEqual([
      ['4000862141404', '12', '4.25'],
      ['4000862141411', '6', '18.00'],
    ]);
    expect(order.NADGroup[0].RFFGroup[0].RFF.RFF01).toEqual(['VA', 'BE0123456789']);
    expect(result.positions.get('/messages/0/LINGroup/1/LIN')).toEqual({ segment: 21, line: 21, column: 1 });
  });

  it('uses the default delimiters without UNA, nests DESADV CPS by parent, and warns on a missing UNZ', () => {
    const result = parseEdifact(edi('DESADV_EANCOM_D96A_no_una.edi'));
    expect(result.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        segment: 26,
        message: expect.stringMatching(/^segment 26: the interchange has no UNZ trailer/),
      }),
    ]);
    const asn = result.value!.messages[0] as any;
    expect(result.value!.delimiters.segment).toBe("'");
    expect(asn.CPSGroup.length).toBe(1);
    expect(
      asn.CPSGroup[0].CPSGroup.map((p: any) => [
        p.CPS.CPS01,
        p.PACGroup[0].PCIGroup[0].GINGroup[0].GIN.GIN02,
        p.LINGroup[0].QTY[0].QTY01[1],
      ]),
    ).toEqual([
      ['2', '354123450000000017', '12'],
      ['3', '354123450000000024', '6'],
    ]);
  });

  it('keeps INVOIC line amounts in their line and the summary after UNS at the root', () => {
    const invoice = parseEdifact(edi('INVOIC_EANCOM_D96A_una.edi')).value!.messages[0] as any;
    expect(parseEdifact(edi('INVOIC_EANCOM_D96A_una.edi')).value!.delimiters.decimal).toBe(',');
    expect(invoice.LINGroup[1].ALCGroup[0].MOAGroup[0].MOA.MOA01).toEqual(['204', '5,40']);
    expect(invoice.MOAGroup.map((m: any) => m.MOA.MOA01[0])).toEqual(['77', '79']);
    expect(invoice.TAXGroup[0].MOA[0].MOA01).toEqual(['124', '32,26']);
  });

  it('writes what it reads: parse → write → parse is the same value, and canonical text is byte-identical', () => {
    for (const name of FILES) {
      const first = parseEdifact(edi(name)).value!;
      const written = writeEdifact(first, { newline: true });
      const again = parseEdifact(written);
      expect(again.problems).toEqual([]);
      expect({ ...again.value, UNZ: undefined }).toEqual({ ...first, UNZ: undefined });
    }
    const orders = edi('ORDERS_EANCOM_D96A_una_release.edi');
    expect(writeEdifact(parseEdifact(orders).value!, { newline: true })).toBe(orders);
  });

  it('releases delimiter characters in data on write', () => {
    const value = parseEdifact(edi('ORDERS_EANCOM_D96A_una_release.edi')).value!;
    (value.messages[0] as any).BGM.BGM02 = "PO+1:2'?";
    const text = writeEdifact(value);
    expect(text).toContain("BGM+220+PO?+1?:2?'??+9'");
    expect((parseEdifact(text).value!.messages[0] as any).BGM.BGM02).toBe("PO+1:2'?");
  });

  it('names the segment number and what it expected, and never throws on mutated input', () => {
    const orders = edi('ORDERS_EANCOM_D96A_una_release.edi');
    expect(parseEdifact(orders.replace('UNT+25+1', 'UNT+24+1')).problems[0]!.message).toBe(
      'segment 27: UNT01 says 24 segments, the message has 25 (UNH to UNT)',
    );
    expect(parseEdifact(orders.replace("QTY+21:6'", "qty+21:6'")).problems[0]!.message).toMatch(
      /^segment 22: expected a segment tag .* found "qty"$/,
    );
    expect(parseEdifact('UNA:+').problems[0]!.message).toMatch(/^segment 1 \(UNA\): expected six service characters/);
    expect(parseEdifact(orders.replace(/UNH\+1\+ORDERS[\s\S]*/, "BGM+220'")).problems[0]!.message).toBe(
      'segment 3: expected UNH (a message), UNG or UNZ, found BGM',
    );
    expect(parseEdifact('UNB+UNOC:3+A+B+230915:1402+X+?').problems[0]!.message).toMatch(/release character/);
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 500; n++) {
      const chars = [...orders];
      for (let k = 0; k < 1 + Math.floor(random() * 5); k++) {
        const at = Math.floor(random() * chars.length);
        if (random() < 0.5) chars.splice(at, 1 + Math.floor(random() * 20));
        else chars.splice(at, 0, "+:'?\nUNHA"[Math.floor(random() * 9)]!);
      }
      for (const problem of parseEdifact(chars.join('')).problems) expect(problem.message).toMatch(/segment|file/);
    }
  });
});
