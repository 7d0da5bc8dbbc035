import type { EdiLoop, EdiSegment } from './loop-builder.ts';
import { buildLoops } from './loop-builder.ts';
import { TRANSACTION_LOOPS } from './x12-loops.ts';
import type { X12Delimiters, X12RawSegment } from './x12-tokenize.ts';
import { X12Tokenizer } from './x12-tokenize.ts';

/**
 * Reads an X12 interchange segment by segment and hands over each transaction set as soon as its SE
 * is read, so memory is bounded by the largest transaction set, not the file. `parseX12` builds the
 * whole interchange on top of it; a file pickup can stream.
 */

export type X12Segment = EdiSegment;
export type X12Loop = EdiLoop;

export interface X12Position {
  /** 1-based segment number in the file. */
  segment: number;
  line: number;
  column: number;
}

export interface X12Problem {
  message: string;
  /** 1-based number of the segment the problem is at (0: the end of the file). */
  segment: number;
  line: number;
  column: number;
}

export interface X12ReadOptions {
  /** Nest 810, 850 and 856 into loops (default); false: every set flat, every segment a list. */
  loops?: boolean;
  /** Keep the position of every segment and element by JSON pointer (default true). */
  positions?: boolean;
  /** Refuse a transaction set longer than this many segments (default 1,000,000). */
  maxTransactionSegments?: number;
}

export interface X12TransactionEvent {
  group: number;
  index: number;
  GS: X12Segment;
  transaction: X12Loop;
  /** Positions by JSON pointer from the interchange root (`/groups/0/transactions/0/...`). */
  positions?: Map<string, X12Position>;
}

export interface X12Envelope {
  delimiters?: X12Delimiters;
  ISA?: X12Segment;
  groups: { GS: X12Segment; GE?: X12Segment; transactions: number }[];
  IEA?: X12Segment;
  problems: X12Problem[];
  segments: number;
}

const ENVELOPE = new Set(['ST', 'SE']);

/** Streaming X12 reader: `push` text chunks, `end` once; `onTransaction` is called per transaction set. */
export class X12Reader {
  private readonly tokenizer: X12Tokenizer;
  private readonly envelope: X12Envelope = { groups: [], problems: [], segments: 0 };
  private readonly loops: boolean;
  private readonly keepPositions: boolean;
  private readonly maxTransactionSegments: number;
  private group: X12Envelope['groups'][number] | undefined;
  private transaction: X12RawSegment[] | undefined;
  private last: X12RawSegment | undefined;

  private readonly onTransaction: (event: X12TransactionEvent) => void;

  constructor(onTransaction: (event: X12TransactionEvent) => void, options: X12ReadOptions = {}) {
    this.onTransaction = onTransaction;
    this.loops = options.loops !== false;
    this.keepPositions = options.positions !== false;
    this.maxTransactionSegments = options.maxTransactionSegments ?? 1_000_000;
    this.tokenizer = new X12Tokenizer((seg) => this.segment(seg));
  }

  push(chunk: string): void {
    this.tokenizer.push(chunk);
  }

  /** Segments read so far and the line of the last one. */
  progress(): { segments: number; line: number } {
    return { segments: this.tokenizer.segments, line: this.last?.line ?? 1 };
  }

  /** Finishes the interchange: trailer checks, and every problem found, in file order. */
  end(): X12Envelope {
    const problem = this.tokenizer.end();
    this.envelope.delimiters = this.tokenizer.delimiters;
    this.envelope.segments = this.tokenizer.segments;
    if (problem) {
      this.envelope.problems.push(problem);
      return this.envelope;
    }
    const at = this.last ?? { number: 0, line: 1, column: 1, id: '', elements: [], columns: [] };
    if (this.transaction) this.finishTransaction(undefined);
    if (this.group && !this.group.GE)
      this.problem(at, `functional group ${this.group.GS.GS06 ?? ''} has no GE trailer; expected GE before the end of the file`);
    if (!this.envelope.IEA) this.problem(at, 'the interchange has no IEA trailer; expected IEA as the last segment');
    this.envelope.problems.sort((a, b) => a.segment - b.segment);
    return this.envelope;
  }

  private problem(seg: Pick<X12RawSegment, 'number' | 'line' | 'column' | 'columns'>, message: string, element?: number) {
    const column = element !== undefined ? (seg.columns[element] ?? seg.column) : seg.column;
    this.envelope.problems.push({
      message: seg.number > 0 ? `segment ${seg.number}: ${message}` : message,
      segment: seg.number,
      line: seg.line,
      column,
    });
  }

  private record(seg: X12RawSegment, split: boolean, positions: Map<string, X12Position> | undefined, pointer: string): X12Segment {
    positions?.set(pointer, { segment: seg.number, line: seg.line, column: seg.column });
    const out: X12Segment = {};
    const component = this.tokenizer.delimiters!.component;
    for (let i = 1; i < seg.elements.length; i++) {
      const value = seg.elements[i]!;
      if (value === '') continue;
      const key = `${seg.id}${String(i).padStart(2, '0')}`;
      out[key] = split && value.includes(component) ? value.split(component) : value;
      positions?.set(`${pointer}/${key}`, { segment: seg.number, line: seg.line, column: seg.columns[i]! });
    }
    return out;
  }

  /** Positions of the envelope segments (ISA, GS, GE, IEA); transaction positions go with their event. */
  readonly envelopePositions = new Map<string, X12Position>();

  private segment(seg: X12RawSegment) {
    this.last = seg;
    const env = this.keepPositions ? this.envelopePositions : undefined;
    if (seg.number === 1) {
      this.envelope.ISA = this.record(seg, false, env, '/ISA');
      return;
    }
    if (this.transaction) {
      if (seg.id === 'SE') {
        this.transaction.push(seg);
        this.finishTransaction(seg);
        return;
      }
      if (seg.id !== 'ST' && seg.id !== 'GE' && seg.id !== 'IEA' && seg.id !== 'GS') {
        this.transaction.push(seg);
        if (this.transaction.length > this.maxTransactionSegments)
          this.tokenizer.abort({
            message: `segment ${seg.number}: the transaction set is longer than ${this.maxTransactionSegments} segments; expected its SE trailer`,
            segment: seg.number,
            line: seg.line,
            column: seg.column,
          });
        return;
      }
      this.finishTransaction(undefined);
    }
    if (seg.id === 'ST') {
      if (!this.group) this.problem(seg, 'expected GS (a functional group header) before ST; the transaction set is read without one');
      this.transaction = [seg];
      return;
    }
    if (seg.id === 'GS') {
      if (this.group && !this.group.GE)
        this.problem(seg, `expected GE (the trailer of functional group ${this.group.GS.GS06 ?? ''}) before the next GS`);
      const g = this.envelope.groups.length;
      this.group = { GS: this.record(seg, true, env, `/groups/${g}/GS`), transactions: 0 };
      this.envelope.groups.push(this.group);
      return;
    }
    if (seg.id === 'GE') {
      if (!this.group || this.group.GE) {
        this.problem(seg, 'expected GS or IEA, found a GE without its GS');
        return;
      }
      this.group.GE = this.record(seg, true, env, `/groups/${this.envelope.groups.length - 1}/GE`);
      if (Number(seg.elements[1]) !== this.group.transactions)
        this.problem(seg, `GE01 says ${seg.elements[1]} transaction sets, the group has ${this.group.transactions}`, 1);
      if (seg.elements[2] !== this.group.GS.GS06)
        this.problem(seg, `GE02 control number ${seg.elements[2]} does not match GS06 ${this.group.GS.GS06}`, 2);
      return;
    }
    if (seg.id === 'IEA') {
      if (this.group && !this.group.GE)
        this.problem(seg, `expected GE (the trailer of functional group ${this.group.GS.GS06 ?? ''}) before IEA`);
      this.envelope.IEA = this.record(seg, true, env, '/IEA');
      if (Number(seg.elements[1]) !== this.envelope.groups.length)
        this.problem(seg, `IEA01 says ${seg.elements[1]} functional groups, the interchange has ${this.envelope.groups.length}`, 1);
      const isa13 = this.envelope.ISA?.ISA13;
      if (seg.elements[2] !== isa13) this.problem(seg, `IEA02 control number ${seg.elements[2]} does not match ISA13 ${isa13}`, 2);
      return;
    }
    if (seg.id === 'ISA') {
      this.problem(seg, 'expected IEA before a second ISA; read one interchange per file');
      return;
    }
    this.problem(
      seg,
      `expected ${this.group && !this.group.GE ? 'ST (a transaction set) or GE' : 'GS (a functional group) or IEA'}, found ${seg.id}`,
    );
  }

  private finishTransaction(se: X12RawSegment | undefined) {
    const segments = this.transaction!;
    this.transaction = undefined;
    const st = segments[0]!;
    if (!se)
      this.problem(
        st,
        `transaction set ${st.elements[2] ?? ''} (ST) has no SE trailer; expected SE before ${this.last === st ? 'the end of the file' : 'the next envelope segment'}`,
      );
    else {
      if (Number(se.elements[1]) !== segments.length)
        this.problem(se, `SE01 says ${se.elements[1]} segments, the transaction set has ${segments.length}`, 1);
      if (se.elements[2] !== st.elements[2])
        this.problem(se, `SE02 control number ${se.elements[2]} does not match ST02 ${st.elements[2]}`, 2);
    }
    const groupIndex = Math.max(0, this.envelope.groups.length - 1);
    if (!this.group) {
      this.group = { GS: {}, transactions: 0 };
      this.envelope.groups.push(this.group);
    }
    const index = this.group.transactions++;
    const positions = this.keepPositions ? new Map<string, X12Position>() : undefined;
    const base = `/groups/${groupIndex}/transactions/${index}`;
    const spec = this.loops ? TRANSACTION_LOOPS.get(st.elements[1] ?? '') : undefined;
    const transaction = buildLoops(segments, spec, base, {
      suffix: 'Loop',
      envelope: ENVELOPE,
      record: (seg, pointer) => this.record(seg, true, positions, pointer),
      problem: (seg, message, element) => this.problem(seg, message, element),
    });
    this.onTransaction({ group: groupIndex, index, GS: this.group.GS, transaction, positions });
  }
}
