// The X12 interchange writer (generators/edi/x12-write.ts, x12-envelope.ts) against the project's own
// reader: whatever is written parses back to the same JSON, with fixed-width ISA fields, computed
// SE/GE/IEA counts, and any delimiters. And 997 acknowledgements (x12-997.ts) for accepted and
// rejected sets, read back the way an inbound 997 is reconciled.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EdiLoop, EdiSegment } from '../../generators/edi/loop-builder.ts';
import { acknowledge, readAcknowledgement } from '../../generators/edi/x12-997.ts';
import { x12Interchange } from '../../generators/edi/x12-envelope.ts';
import type { X12EnvelopeSettings } from '../../generators/edi/x12-envelope.ts';
import { parseX12 } from '../../generators/edi/x12-parse.ts';
import { DEFAULT_X12_DELIMITERS, X12WriteError, writeX12 } from '../../generators/edi/x12-write.ts';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const FIXTURES = {
  asn: '../../specs/fixtures/erp/x12/856_ASN_4060_node-x12.edi',
  vics850: '../../test/generators/sap-order/specs/fixtures/850_VICS_4010_node-x12.edi',
  crossdock: '../fixtures/edi/856_crossdock_two_orders.edi',
  trimmed810: '../fixtures/edi/810_trimmed_isa_newlines.edi',
};

const settings = (overrides: Partial<X12EnvelopeSettings> = {}): X12EnvelopeSettings => ({
  senderQualifier: 'ZZ',
  senderId: 'INTERLACE',
  receiverQualifier: '01',
  receiverId: '4405197800',
  applicationSenderId: 'INTERLACE',
  applicationReceiverId: '4405197800',
  version: '004010VICS',
  interchangeVersion: '00401',
  usage: 'T',
  acknowledgementRequested: false,
  delimiters: DEFAULT_X12_DELIMITERS,
  ...overrides,
});

const invoice = (): EdiLoop =>
  ({
    BIG: { BIG01: '20260301', BIG02: 'INV-7', BIG04: 'PO-4410' },
    N1Loop: [{ N1: { N101: 'ST', N102: 'DC 12', N103: '92', N104: '0012' }, N3: [{ N301: '1 DOCK RD' }], N4: { N401: 'SOLON' } }],
    IT1Loop: [
      {
        IT1: { IT101: '1', IT102: '3', IT103: 'EA', IT104: '10.50', IT106: 'VP', IT107: 'W-1' },
        PID: [{ PID01: 'F', PID05: 'BLUE WIDGET' }],
        SAC: [{ SAC01: 'C', SAC02: 'D240', SAC05: '150' }],
      },
      { IT1: { IT101: '2', IT102: '1', IT103: 'EA', IT104: '4', IT106: 'VP', IT107: 'W-2' }, PID: [{ PID01: 'F', PID05: 'RED' }] },
    ],
    TDS: { TDS01: '3550' },
    CTT: { CTT01: '2' },
  }) as EdiLoop;

describe('X12 writer', () => {
  it('writes the fixtures back byte for byte, and a trimmed ISA padded to its fixed widths', () => {
    for (const name of ['asn', 'vics850', 'crossdock'] as const) {
      const text = read(FIXTURES[name]);
      const parsed = parseX12(text);
      expect(parsed.problems).toEqual([]);
      expect({ name, text: writeX12(parsed.value!, { lineBreaks: true }).trimEnd() }).toEqual({ name, text: text.trimEnd() });
    }
    const trimmed = parseX12(read(FIXTURES.trimmed810));
    const written = writeX12(trimmed.value!);
    const isa = written.slice(0, written.indexOf('\n'));
    expect(isa).toBe('ISA|00|          |00|          |ZZ|ACMESUPPLY     |ZZ|RETAILCO       |230915|1402|^|00501|000000123|0|P|:');
    expect(isa.length).toBe(105);
    const back = parseX12(written);
    expect(back.problems).toEqual([]);
    expect(back.value!.groups).toEqual(trimmed.value!.groups);
  });

  it('builds ISA/GS/ST…SE/GE/IEA from the settings with one control number, and counts SE segments itself', () => {
    const interchange = x12Interchange(
      settings(),
      '810',
      [{ ...invoice(), SE: { SE01: '99', SE02: 'x' } }],
      42,
      new Date('2026-03-01T09:05:00Z'),
    );
    const text = writeX12(interchange);
    expect(
      text.startsWith('ISA*00*          *00*          *ZZ*INTERLACE      *01*4405197800     *260301*0905*U*00401*000000042*0*T*>~'),
    ).toBe(true);
    expect(text).toContain('GS*IN*INTERLACE*4405197800*20260301*0905*42*X*004010VICS~ST*810*0042~BIG*20260301*INV-7**PO-4410~');
    // ST, BIG, N1, N3, N4, IT1, PID, SAC, IT1, PID, TDS, CTT, SE
    expect(text).toContain('CTT*2~SE*13*0042~GE*1*42~IEA*1*000000042~');
    const back = parseX12(text);
    expect(back.problems).toEqual([]);
    const tx = back.value!.groups[0]!.transactions[0]!;
    expect(((tx.IT1Loop as EdiLoop[])[0]!.SAC as EdiSegment[])[0]!.SAC05).toBe('150');
    expect(tx.SE).toEqual({ SE01: '13', SE02: '0042' });
    expect(back.value!.ISA.ISA15).toBe('T');
  });

  it('writes with any delimiters the reader then reads', () => {
    const cases = [
      { element: '*', component: '>', segment: '~', repetition: '^' },
      { element: '|', component: ':', segment: '\n', repetition: '^' },
      { element: '^', component: '\\', segment: "'", repetition: '{' },
      { element: '\u001d', component: '\u001f', segment: '\u001c', repetition: '\u001e' },
      { element: '+', component: '<', segment: '!', repetition: '}' },
    ];
    for (const delimiters of cases)
      for (const interchangeVersion of ['00401', '00501']) {
        const interchange = x12Interchange(
          settings({ delimiters, interchangeVersion }),
          '810',
          [invoice()],
          7,
          new Date('2026-03-01T00:00:00Z'),
        );
        const text = writeX12(interchange, { lineBreaks: true });
        const back = parseX12(text);
        expect({ delimiters, problems: back.problems }).toEqual({ delimiters, problems: [] });
        expect(back.value!.delimiters).toEqual({ ...delimiters, repetition: interchangeVersion >= '00402' ? delimiters.repetition : null });
        const { ST: _st, SE: _se, ...content } = back.value!.groups[0]!.transactions[0]!;
        expect(content).toEqual(invoice());
      }
  });

  it('refuses data holding a delimiter, an ISA value wider than its field, and delimiters that clash', () => {
    const bad = invoice();
    ((bad.IT1Loop as EdiLoop[])[0]!.PID as EdiSegment[])[0]!.PID05 = 'WIDGET*BLUE';
    expect(() => writeX12(x12Interchange(settings(), '810', [bad], 1, new Date()))).toThrow(
      /PID05 \(segment 9, PID\): the value "WIDGET\*BLUE" holds the delimiter "\*"/,
    );
    expect(() => writeX12(x12Interchange(settings({ senderId: 'A-SENDER-ID-LONGER' }), '810', [invoice()], 1, new Date()))).toThrow(
      /ISA06: "A-SENDER-ID-LONGER" is longer than its 15 characters/,
    );
    expect(() =>
      writeX12(
        x12Interchange(
          settings({ delimiters: { element: '*', component: '*', segment: '~', repetition: '^' } }),
          '810',
          [invoice()],
          1,
          new Date(),
        ),
      ),
    ).toThrow(X12WriteError);
    expect(() => x12Interchange(settings(), '999', [invoice()], 1, new Date())).toThrow(
      /no functional group id is known for transaction set 999/,
    );
  });
});

describe('997 functional acknowledgements', () => {
  it('accepts every set of a clean interchange, one 997 per group', () => {
    const result = acknowledge(read(FIXTURES.asn));
    expect(result.interchange).toMatchObject({ senderId: '4405197800', receiverId: '999999999', control: '000000049' });
    expect(result.acknowledgements).toEqual([
      {
        functionalId: 'SH',
        groupControl: '49',
        status: 'A',
        transaction: {
          ST: { ST01: '997' },
          AK1: { AK101: 'SH', AK102: '49' },
          AK2Loop: [{ AK2: { AK201: '856', AK202: '0008' }, AK5: { AK501: 'A' } }],
          AK9: { AK901: 'A', AK902: '1', AK903: '1', AK904: '1' },
        },
      },
    ]);
  });

  it('rejects a set that failed to parse, with its segment errors, and accepts the others (P)', () => {
    const good = writeX12(x12Interchange(settings(), '810', [invoice(), invoice(), invoice()], 300, new Date('2026-03-01T00:00:00Z')));
    // Set 2: a second TDS where one may stand (segment in error); set 3: SE01 off by one.
    const sets = good.split('ST*810*');
    sets[2] = sets[2]!.replace('TDS*3550~', 'TDS*3550~TDS*1~').replace(/SE\*13\*/, 'SE*14*');
    sets[3] = sets[3]!.replace(/SE\*13\*/, 'SE*12*');
    const text = sets.join('ST*810*');
    const result = acknowledge(text);
    const [ack] = result.acknowledgements;
    expect(ack!.status).toBe('P');
    expect(ack!.transaction.AK2Loop).toEqual([
      { AK2: { AK201: '810', AK202: '3000001' }, AK5: { AK501: 'A' } },
      {
        AK2: { AK201: '810', AK202: '3000002' },
        AK3Loop: [{ AK3: { AK301: 'TDS', AK302: '12', AK304: '5' } }],
        AK5: { AK501: 'R', AK502: '5' },
      },
      { AK2: { AK201: '810', AK202: '3000003' }, AK5: { AK501: 'R', AK502: '4' } },
    ]);
    expect(ack!.transaction.AK9).toEqual({ AK901: 'P', AK902: '3', AK903: '3', AK904: '1' });

    // Written as an interchange and read back the way an inbound 997 is reconciled.
    const reply = writeX12(x12Interchange(settings(), '997', [ack!.transaction], 301, new Date()));
    const parsed = parseX12(reply);
    expect(parsed.problems).toEqual([]);
    expect(readAcknowledgement(parsed.value!.groups[0]!.transactions[0]!)).toEqual({
      functionalId: 'IN',
      groupControl: '300',
      status: 'P',
      sets: [
        { setId: '810', control: '3000001', status: 'A' },
        { setId: '810', control: '3000002', status: 'R', code: '5' },
        { setId: '810', control: '3000003', status: 'R', code: '4' },
      ],
    });
  });

  it('refuses a whole interchange when told (a file pickup refused the file): every set and group R, sound sets without a code', () => {
    const good = writeX12(x12Interchange(settings(), '810', [invoice(), invoice()], 310, new Date('2026-03-01T00:00:00Z')));
    const sets = good.split('ST*810*');
    sets[2] = sets[2]!.replace(/SE\*13\*/, 'SE*12*');
    const [ack] = acknowledge(sets.join('ST*810*'), { refuseAll: true }).acknowledgements;
    expect(ack!.status).toBe('R');
    expect(ack!.transaction.AK2Loop).toEqual([
      { AK2: { AK201: '810', AK202: '3100001' }, AK5: { AK501: 'R' } },
      { AK2: { AK201: '810', AK202: '3100002' }, AK5: { AK501: 'R', AK502: '4' } },
    ]);
    expect(ack!.transaction.AK9).toEqual({ AK901: 'R', AK902: '2', AK903: '2', AK904: '0' });
    // A clean interchange refused whole is rejected too.
    expect(acknowledge(good, { refuseAll: true }).acknowledgements[0]!.transaction.AK9).toMatchObject({ AK901: 'R', AK904: '0' });
  });

  it('rejects a group whose GE is missing or wrong, and answers nothing when the ISA is unreadable', () => {
    const text = writeX12(x12Interchange(settings(), '810', [invoice()], 5, new Date('2026-03-01T00:00:00Z')));
    const wrongCount = acknowledge(text.replace('GE*1*5~', 'GE*2*5~'));
    expect(wrongCount.acknowledgements[0]!.transaction.AK9).toEqual({ AK901: 'R', AK902: '2', AK903: '1', AK904: '1', AK905: '5' });
    const noGe = acknowledge(text.replace('GE*1*5~', ''));
    expect(noGe.acknowledgements[0]!.status).toBe('R');
    expect(noGe.acknowledgements[0]!.transaction.AK9).toMatchObject({ AK901: 'R', AK905: '3' });
    expect(acknowledge('ISA*00*garbage~')).toEqual({ acknowledgements: [], problems: [expect.objectContaining({ segment: 1 })] });
  });
});
