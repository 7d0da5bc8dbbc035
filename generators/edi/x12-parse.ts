import type { X12Delimiters } from './x12-tokenize.ts';
import type { X12Loop, X12Position, X12Problem, X12ReadOptions, X12Segment } from './x12-reader.ts';
import { X12Reader } from './x12-reader.ts';

export type { X12Loop, X12Position, X12Problem, X12ReadOptions, X12Segment } from './x12-reader.ts';

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
 * holding the component separator is the list of its components. In 810, 850 and 856 a segment that
 * may repeat is always a list, one that may not is an object, and loops are lists under `<ID>Loop`
 * (`IT1Loop`, `PO1Loop`, `N1Loop`, `HLLoop` nested by HL02 parent ids). Other sets, and every set
 * with `{ loops: false }`, parse flat (every segment a list). Positions (segment number, line,
 * column) are kept beside the value, by JSON pointer, so a failing test can point into the EDI file.
 * Pure; malformed input is reported (the message names the segment number), never thrown.
 */
export interface X12Interchange {
  delimiters: X12Delimiters;
  ISA: X12Segment;
  groups: { GS: X12Segment; transactions: X12Loop[]; GE?: X12Segment }[];
  IEA?: X12Segment;
}

export interface X12ParseResult {
  value?: X12Interchange;
  /** Position of each segment and element, by JSON pointer (`/groups/0/transactions/0/PO1Loop/2/PO1/PO102`). */
  positions: Map<string, X12Position>;
  problems: X12Problem[];
}

/** Most segments `parseX12` builds into one value; larger files are read with X12Reader, transaction by transaction. */
const MAX_SEGMENTS = 200_000;

export function parseX12(text: string, options: X12ReadOptions & { maxSegments?: number } = {}): X12ParseResult {
  const maxSegments = options.maxSegments ?? MAX_SEGMENTS;
  const positions = new Map<string, X12Position>();
  const transactions: X12Loop[][] = [];
  const reader = new X12Reader((event) => {
    const list = transactions[event.group] ?? [];
    transactions[event.group] = list;
    list.push(event.transaction);
    if (event.positions) for (const [pointer, position] of event.positions) positions.set(pointer, position);
  }, options);
  // Fed in slices so that an oversized file is refused after maxSegments, not after building it all.
  const slice = 1 << 20;
  let refused: X12Problem | undefined;
  for (let at = 0; at < text.length && !refused; at += slice) {
    reader.push(text.slice(at, at + slice));
    const envelope = reader.progress();
    if (envelope.segments > maxSegments)
      refused = {
        message: `segment ${envelope.segments}: more than ${maxSegments} segments; read a file this large transaction by transaction (X12Reader)`,
        segment: envelope.segments,
        line: envelope.line,
        column: 1,
      };
  }
  if (refused) return { positions: new Map(), problems: [refused] };
  const envelope = reader.end();
  for (const [pointer, position] of reader.envelopePositions) positions.set(pointer, position);
  if (!envelope.ISA || !envelope.delimiters) return { positions, problems: envelope.problems };
  const value: X12Interchange = {
    delimiters: envelope.delimiters,
    ISA: envelope.ISA,
    groups: envelope.groups.map((g, i) => ({ GS: g.GS, transactions: transactions[i] ?? [], ...(g.GE ? { GE: g.GE } : {}) })),
    ...(envelope.IEA ? { IEA: envelope.IEA } : {}),
  };
  return { value, positions, problems: envelope.problems };
}
