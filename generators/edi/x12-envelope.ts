import { X12_FUNCTIONAL_IDS } from '../../language/validate/x12-transaction-sets.ts';
import type { EdiLoop, EdiSegment } from './loop-builder.ts';
import type { X12Interchange } from './x12-parse.ts';
import type { X12Delimiters } from './x12-tokenize.ts';

/** What the ISA and GS of an outbound interchange say: a System's `endpoint.x12` with its defaults filled in. */
export interface X12EnvelopeSettings {
  /** ISA05/ISA06: our qualifier and interchange id. */
  senderQualifier: string;
  senderId: string;
  /** ISA07/ISA08: the partner's. */
  receiverQualifier: string;
  receiverId: string;
  /** GS02/GS03 application codes (often the interchange ids). */
  applicationSenderId: string;
  applicationReceiverId: string;
  /** GS08, e.g. `004010VICS`. */
  version: string;
  /** ISA12, e.g. `00401`. */
  interchangeVersion: string;
  /** ISA15: `P` production, `T` test. */
  usage: 'P' | 'T';
  /** ISA14: ask the partner for a TA1 interchange acknowledgement. */
  acknowledgementRequested: boolean;
  delimiters: X12Delimiters;
}

/** GS01 of each transaction set Interlace writes (language/validate/x12-transaction-sets.ts). */
export const FUNCTIONAL_IDS: ReadonlyMap<string, string> = X12_FUNCTIONAL_IDS;

/** ISA09/ISA10 and GS04/GS05 from one instant, in UTC. */
function stamps(at: Date): { yymmdd: string; ccyymmdd: string; hhmm: string } {
  const iso = at.toISOString();
  const ccyymmdd = iso.slice(0, 10).replaceAll('-', '');
  return { ccyymmdd, yymmdd: ccyymmdd.slice(2), hhmm: iso.slice(11, 16).replace(':', '') };
}

/**
 * One interchange with one functional group of `transactions` (all of set `setId`), every control
 * number from `control`: ISA13 = GS06 = `control`, ST02 = `control` (at least 4 digits) for a single
 * set, `control` and a sequence for several. One allocated number per interchange keeps ISA13, GS06
 * and ST02 unique together and lets a 997's AK1 (GS06) name the interchange it answers.
 */
export function x12Interchange(
  settings: X12EnvelopeSettings,
  setId: string,
  transactions: readonly EdiLoop[],
  control: number,
  at: Date,
  functionalId: string | undefined = FUNCTIONAL_IDS.get(setId),
): X12Interchange {
  if (!functionalId) throw new Error(`no functional group id is known for transaction set ${setId}; name one`);
  const { yymmdd, ccyymmdd, hhmm } = stamps(at);
  const isa: EdiSegment = {
    ISA01: '00',
    ISA02: '',
    ISA03: '00',
    ISA04: '',
    ISA05: settings.senderQualifier,
    ISA06: settings.senderId,
    ISA07: settings.receiverQualifier,
    ISA08: settings.receiverId,
    ISA09: yymmdd,
    ISA10: hhmm,
    ISA11: 'U',
    ISA12: settings.interchangeVersion,
    ISA13: String(control).padStart(9, '0'),
    ISA14: settings.acknowledgementRequested ? '1' : '0',
    ISA15: settings.usage,
    ISA16: settings.delimiters.component,
  };
  const gs: EdiSegment = {
    GS01: functionalId,
    GS02: settings.applicationSenderId,
    GS03: settings.applicationReceiverId,
    GS04: ccyymmdd,
    GS05: hhmm,
    GS06: String(control),
    GS07: 'X',
    GS08: settings.version,
  };
  const sets = transactions.map((tx, i): EdiLoop => {
    const st02 = transactions.length === 1 ? String(control).padStart(4, '0') : `${control}`.slice(-5) + String(i + 1).padStart(4, '0');
    const { ST, SE: _se, ...content } = tx;
    return { ST: { ...((ST ?? {}) as EdiSegment), ST01: setId, ST02: st02 }, ...content };
  });
  return { delimiters: settings.delimiters, ISA: isa, groups: [{ GS: gs, transactions: sets }] };
}
