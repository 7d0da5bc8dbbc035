import type { EdiLoop, EdiSegment } from './loop-builder.ts';
import { parseX12 } from './x12-parse.ts';
import type { X12Problem } from './x12-parse.ts';
import { X12Tokenizer } from './x12-tokenize.ts';

/**
 * 997 functional acknowledgements, both ways. `acknowledge` reads an inbound interchange and answers
 * each functional group with one 997 transaction set (AK1 naming the group, an AK2 loop per
 * transaction set with its AK3 segment errors and AK5 verdict, AK9 for the group); `readAcknowledgement`
 * reads a partner's 997 back into which of our groups and sets it accepted or rejected.
 *
 * Codes are X12's: AK5/AK9 status A (accepted), R (rejected), P (partially accepted: some sets
 * rejected); AK502 (element 718) 2 trailer missing, 3 ST02/SE02 differ, 4 SE01 count wrong,
 * 5 segments in error; AK304 (720) 5 segment exceeds maximum use, 8 segment has data element errors;
 * AK905 (716) 3 GE missing, 4 GS06/GE02 differ, 5 GE01 count wrong.
 */

/** One inbound functional group's 997 (a transaction set in the loop form of docs/edi-x12.md). */
export interface GroupAcknowledgement {
  /** GS01 and GS06 of the acknowledged group. */
  functionalId: string;
  groupControl: string;
  /** AK901. */
  status: 'A' | 'P' | 'R';
  /** The 997 without ST02 and SE (the envelope writer numbers it). */
  transaction: EdiLoop;
}

export interface AcknowledgementResult {
  /** The inbound ISA and GS sender/receiver, to address the answer (undefined when the ISA is unreadable). */
  interchange?: { senderQualifier: string; senderId: string; receiverQualifier: string; receiverId: string; control: string };
  acknowledgements: GroupAcknowledgement[];
  /** Everything the parser found, in file order (segment numbers name where). */
  problems: X12Problem[];
}

const trim = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/**
 * Segment number → segment id for the segments in `wanted`, read again from the text: a segment in
 * error may be one the parser did not keep (a second occurrence of a single segment).
 */
function segmentIds(text: string, wanted: ReadonlySet<number>): Map<number, string> {
  const ids = new Map<number, string>();
  if (wanted.size === 0) return ids;
  const tokenizer = new X12Tokenizer((seg) => {
    if (wanted.has(seg.number)) ids.set(seg.number, seg.id);
  });
  tokenizer.push(text);
  tokenizer.end();
  return ids;
}

/** AK502 for the problems of one set: the trailer's own codes first, else "segments in error". */
function setErrorCode(messages: string[]): string {
  if (messages.some((m) => /has no SE trailer/.test(m))) return '2';
  if (messages.some((m) => /SE02 control number/.test(m))) return '3';
  if (messages.some((m) => /SE01 says/.test(m))) return '4';
  return '5';
}

/** How `acknowledge` answers. */
interface AcknowledgeOptions {
  /**
   * The receiver refuses the interchange as a whole (a file pickup moves a file with any problem to
   * its error directory and publishes none of its sets): every set is rejected (AK5 R; AK502 and AK3s
   * where the set has problems of its own) and every group (AK9 R, AK904 0), so the partner resends.
   */
  refuseAll?: boolean;
}

/**
 * One 997 per functional group of `text`. A set with a problem inside it (from its ST to its SE) is
 * rejected (AK5 R) with an AK3 per segment in error; a group problem (GE missing or inconsistent,
 * reading stopped inside the group) rejects the group (AK9 R); otherwise a group with some rejected
 * sets is P, with none A. With `refuseAll`, every set and group is R. An unreadable ISA gives no
 * acknowledgement (there is nobody to address it to).
 */
export function acknowledge(text: string, options: AcknowledgeOptions = {}): AcknowledgementResult {
  const parsed = parseX12(text, { positions: true });
  const value = parsed.value;
  if (!value) return { acknowledgements: [], problems: parsed.problems };
  const ids = segmentIds(text, new Set(parsed.problems.map((p) => p.segment)));
  const claimed = new Set<X12Problem>();
  const at = (pointer: string) => parsed.positions.get(pointer)?.segment;
  const acknowledgements = value.groups.map((group, g): GroupAcknowledgement => {
    const loops: EdiLoop[] = [];
    let accepted = 0;
    const starts = group.transactions.map((_, i) => at(`/groups/${g}/transactions/${i}/ST`) ?? 0);
    group.transactions.forEach((tx, i) => {
      const start = starts[i]!;
      const end = at(`/groups/${g}/transactions/${i}/SE`) ?? (starts[i + 1] ?? Number.MAX_SAFE_INTEGER) - 1;
      const own = parsed.problems.filter((p) => p.segment >= start && p.segment <= end);
      for (const p of own) claimed.add(p);
      const st = (tx.ST ?? {}) as EdiSegment;
      const loop: EdiLoop = { AK2: { AK201: String(st.ST01 ?? ''), AK202: String(st.ST02 ?? '') } };
      const segmentErrors = own.filter((p) => p.segment > start && p.segment !== at(`/groups/${g}/transactions/${i}/SE`));
      if (segmentErrors.length > 0)
        loop.AK3Loop = [...new Map(segmentErrors.map((p) => [p.segment, p])).values()].map((p) => ({
          AK3: {
            AK301: ids.get(p.segment) ?? '',
            AK302: String(p.segment - start + 1),
            AK304: /more than once/.test(p.message) ? '5' : '8',
          },
        }));
      if (own.length === 0 && !options.refuseAll) accepted++;
      loop.AK5 =
        own.length > 0
          ? { AK501: 'R', AK502: setErrorCode(own.map((p) => p.message)) }
          : options.refuseAll
            ? { AK501: 'R' }
            : { AK501: 'A' };
      loops.push(loop);
    });
    // Problems of this group outside its sets: from its GS to the next group's GS (or the end).
    const gs = at(`/groups/${g}/GS`) ?? 0;
    const next = at(`/groups/${g + 1}/GS`) ?? Number.MAX_SAFE_INTEGER;
    const groupProblems = parsed.problems.filter((p) => !claimed.has(p) && (p.segment >= gs || p.segment === 0) && p.segment < next);
    const codes = new Set<string>();
    for (const p of groupProblems) {
      if (/has no GE trailer|expected GE/.test(p.message)) codes.add('3');
      else if (/GE02 control number/.test(p.message)) codes.add('4');
      else if (/GE01 says/.test(p.message)) codes.add('5');
      else if (!/IEA/.test(p.message)) codes.add('3');
    }
    if (!group.GE) codes.add('3');
    const total = group.transactions.length;
    const status = codes.size > 0 || accepted === 0 ? 'R' : accepted < total ? 'P' : 'A';
    const ak9: EdiSegment = {
      AK901: status,
      AK902: String(group.GE?.GE01 ?? total),
      AK903: String(total),
      AK904: String(accepted),
    };
    [...codes].sort().forEach((code, i) => {
      if (i < 5) ak9[`AK9${String(5 + i).padStart(2, '0')}`] = code;
    });
    return {
      functionalId: String(group.GS.GS01 ?? ''),
      groupControl: String(group.GS.GS06 ?? ''),
      status,
      transaction: {
        ST: { ST01: '997' },
        AK1: { AK101: String(group.GS.GS01 ?? ''), AK102: String(group.GS.GS06 ?? '') },
        ...(loops.length > 0 ? { AK2Loop: loops } : {}),
        AK9: ak9,
      },
    };
  });
  const isa = value.ISA;
  return {
    interchange: {
      senderQualifier: trim(isa.ISA05),
      senderId: trim(isa.ISA06),
      receiverQualifier: trim(isa.ISA07),
      receiverId: trim(isa.ISA08),
      control: trim(isa.ISA13),
    },
    acknowledgements,
    problems: parsed.problems,
  };
}

/** What a partner's 997 says about one of our functional groups. */
export interface AcknowledgementReceived {
  functionalId: string;
  /** AK102: the GS06 of the group it answers. */
  groupControl: string;
  /** AK901: A accepted, E accepted with errors, P partially accepted, R rejected. */
  status: string;
  sets: { setId: string; control: string; status: string; code?: string }[];
}

/** Reads a 997 transaction set (loop form, as parseX12 gives it) into what it acknowledges; undefined when it has no AK1. */
export function readAcknowledgement(transaction: EdiLoop): AcknowledgementReceived | undefined {
  const first = (v: unknown): EdiSegment | undefined =>
    Array.isArray(v) ? (v[0] as EdiSegment | undefined) : (v as EdiSegment | undefined);
  const ak1 = first(transaction.AK1);
  if (!ak1?.AK102) return undefined;
  const ak9 = first(transaction.AK9);
  const loops = (Array.isArray(transaction.AK2Loop) ? transaction.AK2Loop : []) as EdiLoop[];
  return {
    functionalId: String(ak1.AK101 ?? ''),
    groupControl: String(ak1.AK102),
    status: String(ak9?.AK901 ?? ''),
    sets: loops.map((loop) => {
      const ak2 = first(loop.AK2) ?? {};
      const ak5 = first(loop.AK5) ?? {};
      return {
        setId: String(ak2.AK201 ?? ''),
        control: String(ak2.AK202 ?? ''),
        status: String(ak5.AK501 ?? ''),
        ...(ak5.AK502 !== undefined ? { code: String(ak5.AK502) } : {}),
      };
    }),
  };
}
