import type { LoopSpec } from './x12-loops.ts';
import { TRANSACTION_LOOPS } from './x12-loops.ts';

/**
 * Parses an X12 interchange into the JSON form documented in docs/edi-x12.md:
 *
 * ```
 * { delimiters: {element, component, segment, repetition},
 *   ISA: {ISA01…ISA16}, IEA: {…},
 *   groups: [ { GS: {…}, GE: {…}, transactions: [ { ST: {…}, BEG: {BEG01: "00", …}, REF: [ … ],
 *                                                   N1Loop: [ {N1, N3: […], N4} ], PO1Loop: [ … ], SE: {…} } ] } ] }
 * ```
 *
 * A segment is an object keyed by element position (`BEG03`); empty elements are left out; an element
 * holding the component separator is the list of its components. In 850 and 856 a segment that may
 * repeat is always a list, one that may not is an object, and loops are lists under `<ID>Loop`
 * (`PO1Loop`, `N1Loop`, `HLLoop` nested by HL02 parent ids). Other sets parse flat (every segment a
 * list). Positions (segment number, line, column) are kept beside the value, by JSON pointer, so a
 * failing test can point into the EDI file. Pure; malformed input is reported, never thrown.
 */
export type X12Segment = Record<string, string | string[]>;
export type X12Loop = { [key: string]: X12Segment | X12Segment[] | X12Loop[] };

export interface X12Interchange {
  delimiters: { element: string; component: string; segment: string; repetition: string | null };
  ISA: X12Segment;
  groups: { GS: X12Segment; transactions: X12Loop[]; GE?: X12Segment }[];
  IEA?: X12Segment;
}

export interface X12Position {
  /** 1-based segment number in the file. */
  segment: number;
  line: number;
  column: number;
}

export interface X12Problem {
  message: string;
  line: number;
  column: number;
}

export interface X12ParseResult {
  value?: X12Interchange;
  /** Position of each segment and element, by JSON pointer (`/groups/0/transactions/0/PO1Loop/2/PO1/PO102`). */
  positions: Map<string, X12Position>;
  problems: X12Problem[];
}

interface RawSegment {
  id: string;
  elements: string[];
  /** Offset of each element's first character (index 0: the segment id). */
  offsets: number[];
  number: number;
}

const MAX_SEGMENTS = 200_000;

export function parseX12(text: string): X12ParseResult {
  const positions = new Map<string, X12Position>();
  const problems: X12Problem[] = [];
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const where = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const fail = (message: string, offset: number): X12ParseResult => {
    problems.push({ message, ...where(offset) });
    return { positions, problems };
  };

  const start = text.search(/\S/);
  if (start === -1 || !text.startsWith('ISA', start)) return fail('an X12 interchange starts with an ISA segment', Math.max(0, start));
  // ISA is fixed-width: the element separator is its 4th character, ISA16 (the component separator) its
  // 105th and the segment terminator its 106th.
  if (text.length < start + 106) return fail('the ISA segment is shorter than its fixed 106 characters', start);
  const element = text[start + 3]!;
  const component = text[start + 104]!;
  const segment = text[start + 105]!;
  if (/[A-Za-z0-9\s]/.test(element) || /[A-Za-z0-9]/.test(segment) || element === segment) {
    return fail(
      `cannot read the delimiters from the ISA segment (element ${JSON.stringify(element)}, segment ${JSON.stringify(segment)})`,
      start,
    );
  }

  const raw: RawSegment[] = [];
  let pos = start;
  while (pos < text.length) {
    while (pos < text.length && /[\r\n\t ]/.test(text[pos]!)) pos++;
    if (pos >= text.length) break;
    let end = text.indexOf(segment, pos);
    if (end === -1) end = text.length;
    const body = text.slice(pos, end);
    const elements: string[] = [];
    const offsets: number[] = [];
    let at = 0;
    for (const part of body.split(element)) {
      elements.push(part);
      offsets.push(pos + at);
      at += part.length + 1;
    }
    const id = elements[0]!;
    if (!/^[A-Z][A-Z0-9]{1,2}$/.test(id))
      return fail(`segment ${raw.length + 1} has no valid segment id (found ${JSON.stringify(id.slice(0, 10))})`, pos);
    raw.push({ id, elements, offsets, number: raw.length + 1 });
    if (raw.length > MAX_SEGMENTS) return fail(`more than ${MAX_SEGMENTS} segments`, pos);
    pos = end + 1;
  }

  const isa = raw[0]!;
  const version = isa.elements[12] ?? '';
  const repetition = version >= '00402' && isa.elements[11] && !/[A-Za-z0-9]/.test(isa.elements[11]) ? isa.elements[11] : null;
  const record = (seg: RawSegment, pointer: string, split: boolean): X12Segment => {
    positions.set(pointer, { segment: seg.number, ...where(seg.offsets[0]!) });
    const out: X12Segment = {};
    for (let i = 1; i < seg.elements.length; i++) {
      const value = seg.elements[i]!;
      if (value === '') continue;
      const key = `${seg.id}${String(i).padStart(2, '0')}`;
      out[key] = split && value.includes(component) ? value.split(component) : value;
      positions.set(`${pointer}/${key}`, { segment: seg.number, ...where(seg.offsets[i]!) });
    }
    return out;
  };

  const interchange: X12Interchange = {
    delimiters: { element, component, segment, repetition },
    ISA: record(isa, '/ISA', false),
    groups: [],
  };
  let i = 1;
  while (i < raw.length) {
    const seg = raw[i]!;
    if (seg.id === 'IEA') {
      interchange.IEA = record(seg, '/IEA', true);
      if (Number(seg.elements[1]) !== interchange.groups.length)
        problems.push({
          message: `IEA01 says ${seg.elements[1]} functional groups, the interchange has ${interchange.groups.length}`,
          ...where(seg.offsets[1] ?? seg.offsets[0]!),
        });
      if (seg.elements[2] !== isa.elements[13])
        problems.push({
          message: `IEA02 control number ${seg.elements[2]} does not match ISA13 ${isa.elements[13]}`,
          ...where(seg.offsets[2] ?? seg.offsets[0]!),
        });
      i++;
      continue;
    }
    if (seg.id !== 'GS') {
      problems.push({ message: `expected GS (a functional group) or IEA, found ${seg.id}`, ...where(seg.offsets[0]!) });
      i++;
      continue;
    }
    const g = interchange.groups.length;
    const group: X12Interchange['groups'][number] = { GS: record(seg, `/groups/${g}/GS`, true), transactions: [] };
    interchange.groups.push(group);
    i++;
    while (i < raw.length && raw[i]!.id !== 'GE' && raw[i]!.id !== 'IEA') {
      if (raw[i]!.id !== 'ST') {
        problems.push({ message: `expected ST (a transaction set), found ${raw[i]!.id}`, ...where(raw[i]!.offsets[0]!) });
        i++;
        continue;
      }
      const stAt = i;
      let end = i + 1;
      while (end < raw.length && raw[end]!.id !== 'SE' && raw[end]!.id !== 'ST' && raw[end]!.id !== 'GE') end++;
      const segments = raw.slice(stAt, raw[end]?.id === 'SE' ? end + 1 : end);
      const t = group.transactions.length;
      group.transactions.push(buildTransaction(segments, `/groups/${g}/transactions/${t}`, record, problems, where));
      i = raw[end]?.id === 'SE' ? end + 1 : end;
    }
    if (raw[i]?.id === 'GE') {
      group.GE = record(raw[i]!, `/groups/${g}/GE`, true);
      if (Number(raw[i]!.elements[1]) !== group.transactions.length)
        problems.push({
          message: `GE01 says ${raw[i]!.elements[1]} transaction sets, the group has ${group.transactions.length}`,
          ...where(raw[i]!.offsets[1] ?? raw[i]!.offsets[0]!),
        });
      i++;
    } else {
      problems.push({ message: 'functional group has no GE trailer', ...where(seg.offsets[0]!) });
    }
  }
  if (!interchange.IEA) problems.push({ message: 'interchange has no IEA trailer', ...where(text.length) });
  return { value: interchange, positions, problems };
}

type Record_ = (seg: RawSegment, pointer: string, split: boolean) => X12Segment;

function buildTransaction(
  segments: RawSegment[],
  base: string,
  record: Record_,
  problems: X12Problem[],
  where: (offset: number) => { line: number; column: number },
): X12Loop {
  const st = segments[0]!;
  const se = segments[segments.length - 1]!;
  if (se.id !== 'SE') problems.push({ message: `transaction set ${st.elements[2] ?? ''} has no SE trailer`, ...where(st.offsets[0]!) });
  else {
    if (Number(se.elements[1]) !== segments.length)
      problems.push({
        message: `SE01 says ${se.elements[1]} segments, the transaction set has ${segments.length}`,
        ...where(se.offsets[1] ?? se.offsets[0]!),
      });
    if (se.elements[2] !== st.elements[2])
      problems.push({
        message: `SE02 control number ${se.elements[2]} does not match ST02 ${st.elements[2]}`,
        ...where(se.offsets[2] ?? se.offsets[0]!),
      });
  }
  const rootSpec = TRANSACTION_LOOPS.get(st.elements[1] ?? '');
  const root: X12Loop = {};
  // Open loops, innermost last: each with its spec, object and JSON pointer.
  const stack: { spec: LoopSpec | undefined; node: X12Loop; pointer: string }[] = [{ spec: rootSpec, node: root, pointer: base }];
  const hlById = new Map<string, { node: X12Loop; pointer: string }>();

  const place = (frame: { spec: LoopSpec | undefined; node: X12Loop; pointer: string }, seg: RawSegment) => {
    const repeats = !frame.spec || (frame.spec.repeats.has(seg.id) && seg.id !== 'ST' && seg.id !== 'SE');
    if (repeats && seg.id !== 'ST' && seg.id !== 'SE') {
      frame.node[seg.id] ??= [];
      const list = frame.node[seg.id] as X12Segment[];
      list.push(record(seg, `${frame.pointer}/${seg.id}/${list.length}`, true));
    } else {
      if (frame.node[seg.id] !== undefined) {
        problems.push({ message: `${seg.id} occurs more than once where it may occur once; the first is kept`, ...where(seg.offsets[0]!) });
        return;
      }
      frame.node[seg.id] = record(seg, `${frame.pointer}/${seg.id}`, true);
    }
  };
  const open = (parent: { node: X12Loop; pointer: string }, spec: LoopSpec, seg: RawSegment) => {
    const key = `${seg.id}Loop`;
    parent.node[key] ??= [];
    const list = parent.node[key] as X12Loop[];
    const node: X12Loop = {};
    const pointer = `${parent.pointer}/${key}/${list.length}`;
    list.push(node);
    node[seg.id] = record(seg, `${pointer}/${seg.id}`, true);
    return { spec, node, pointer };
  };

  for (const seg of segments) {
    if (!rootSpec) {
      place(stack[0]!, seg);
      continue;
    }
    if (seg.id === 'HL' && rootSpec.loops.has('HL')) {
      // HL loops nest by their parent id (HL02), which may point at any earlier HL.
      const parentId = seg.elements[2] ?? '';
      const parent = parentId === '' ? { node: root, pointer: base } : hlById.get(parentId);
      if (!parent)
        problems.push({ message: `HL02 parent ${parentId} is not an earlier HL01`, ...where(seg.offsets[2] ?? seg.offsets[0]!) });
      const frame = open(parent ?? { node: root, pointer: base }, rootSpec.loops.get('HL')!, seg);
      hlById.set(seg.elements[1] ?? '', { node: frame.node, pointer: frame.pointer });
      stack.length = 1;
      stack.push(frame);
      continue;
    }
    if (seg.id === 'SE' || seg.id === 'ST') {
      stack.length = 1;
      place(stack[0]!, seg);
      continue;
    }
    // A loop start closes every loop deeper than the one it belongs to.
    let opened = false;
    for (let depth = stack.length - 1; depth >= 0; depth--) {
      const spec = stack[depth]!.spec?.loops.get(seg.id);
      if (spec) {
        stack.length = depth + 1;
        stack.push(open(stack[depth]!, spec, seg));
        opened = true;
        break;
      }
    }
    if (opened) continue;
    let placed = false;
    for (let depth = stack.length - 1; depth >= 0; depth--) {
      if (stack[depth]!.spec?.members.has(seg.id)) {
        stack.length = depth + 1;
        place(stack[depth]!, seg);
        placed = true;
        break;
      }
    }
    if (!placed) {
      // Not in the loop table: keep it, as a list where it occurred, rather than lose data.
      const frame = stack[stack.length - 1]!;
      frame.node[seg.id] ??= [];
      const list = frame.node[seg.id] as X12Segment[];
      if (Array.isArray(list)) list.push(record(seg, `${frame.pointer}/${seg.id}/${list.length}`, true));
    }
  }
  return root;
}
