import type { EdiLoop, EdiSegment } from './loop-builder.ts';
import type { X12Interchange } from './x12-parse.ts';
import type { X12Delimiters } from './x12-tokenize.ts';

/**
 * Writes X12 interchanges from the JSON form parseX12 reads (docs/edi-x12.md), so a mapped document
 * goes out as the partner expects it and reads back unchanged:
 *
 * - ISA elements are padded to their fixed widths (ISA06 to 15 characters, ISA13 to 9 digits, …):
 *   many partner translators still read the ISA by position;
 * - SE01 (segments in the set, ST and SE included) and SE02 (= ST02), GE01/GE02 and IEA01/IEA02 are
 *   computed, so a set edited as JSON stays consistent;
 * - segments come out in the order of the JSON keys (the guide's order), loops (`…Loop`) depth-first;
 * - an element that is a list is written as components joined by the component separator.
 *
 * X12 has no release character: a value holding the element or component separator or the segment
 * terminator cannot be written and is refused with an
 * X12WriteError naming the segment and element (a mapping bug or hostile data, never silently cut).
 */

/** Thrown when a value cannot be written (a delimiter inside data, an ISA value too wide). */
export class X12WriteError extends Error {
  override readonly name = 'X12WriteError';
}

/** Fixed widths of ISA01…ISA16 (X12.5 interchange control structure). */
const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1] as const;
/** ISA elements that are numeric and padded with leading zeros (ISA13, the control number). */
const ZERO_PADDED = new Set([13]);

/** Delimiters as the System's `endpoint.x12` declares them; the X12 defaults otherwise. */
export const DEFAULT_X12_DELIMITERS: X12Delimiters = { element: '*', component: '>', segment: '~', repetition: '^' };

export interface X12WriteOptions {
  /** Put a line break after each segment terminator (readable; readers skip it). Default false. */
  lineBreaks?: boolean;
}

/** Checks that the delimiters are distinct single characters that can never be data. */
export function delimiterProblem(d: X12Delimiters): string | undefined {
  const all = [d.element, d.component, d.segment, ...(d.repetition ? [d.repetition] : [])];
  for (const c of all) {
    if ([...c].length !== 1) return `a delimiter is one character, found ${JSON.stringify(c)}`;
    if (/[A-Za-z0-9 ]/.test(c)) return `a delimiter cannot be a letter, a digit or a space, found ${JSON.stringify(c)}`;
  }
  if (new Set(all).size !== all.length)
    return `the delimiters must differ from each other, found ${all.map((c) => JSON.stringify(c)).join(', ')}`;
  return undefined;
}

/** Writes one interchange. Throws X12WriteError when a value cannot be written. */
export function writeX12(interchange: X12Interchange, options: X12WriteOptions = {}): string {
  const d = interchange.delimiters;
  const problem = delimiterProblem(d);
  if (problem) throw new X12WriteError(problem);
  // The repetition separator splits only elements the guide declares repeatable, so it may stand in
  // other data (real files carry `REF*BM*999999-001` with ISA11 `-`); the reader keeps it as data too.
  const forbidden = [d.element, d.component, d.segment];
  const end = d.segment + (options.lineBreaks && d.segment !== '\n' ? '\n' : '');
  const out: string[] = [];

  const value = (id: string, key: string, v: string | string[] | undefined): string => {
    if (v === undefined) return '';
    const parts = Array.isArray(v) ? v : [v];
    for (const part of parts) {
      if (typeof part !== 'string') throw new X12WriteError(`${key}: expected a string, found ${typeof part}`);
      const hit = forbidden.find((c) => part.includes(c));
      if (hit !== undefined)
        throw new X12WriteError(
          `${key} (segment ${out.length + 1}, ${id}): the value ${JSON.stringify(part.slice(0, 40))} holds the delimiter ${JSON.stringify(hit)}, which X12 cannot escape; change the data or the System's x12 delimiters`,
        );
    }
    return parts.join(d.component);
  };
  const segment = (id: string, seg: EdiSegment) => {
    const elements: string[] = [id];
    for (const [key, v] of Object.entries(seg)) {
      const position = Number(key.slice(id.length));
      if (!key.startsWith(id) || !Number.isInteger(position) || position < 1 || position > 999) continue;
      while (elements.length <= position) elements.push('');
      elements[position] = value(id, key, v);
    }
    while (elements.length > 1 && elements[elements.length - 1] === '') elements.pop();
    out.push(elements.join(d.element) + end);
  };
  const body = (node: EdiLoop) => {
    for (const [key, v] of Object.entries(node)) {
      if (key === 'ST' || key === 'SE') continue;
      if (key.endsWith('Loop') && Array.isArray(v)) {
        for (const child of v as EdiLoop[]) body(child);
      } else if (Array.isArray(v)) {
        for (const seg of v as EdiSegment[]) segment(key, seg);
      } else if (v && typeof v === 'object') segment(key, v as EdiSegment);
    }
  };

  out.push(isaSegment(interchange.ISA, d) + end);
  for (const group of interchange.groups) {
    segment('GS', group.GS);
    group.transactions.forEach((tx) => {
      const st = (tx.ST ?? {}) as EdiSegment;
      const st02 = typeof st.ST02 === 'string' ? st.ST02 : '';
      if (!/^[A-Za-z0-9]{4,9}$/.test(st02))
        throw new X12WriteError(`ST02: expected a control number of 4 to 9 characters, found ${JSON.stringify(st02)}`);
      const start = out.length;
      segment('ST', st);
      body(tx);
      segment('SE', { ...((tx.SE ?? {}) as EdiSegment), SE01: String(out.length - start + 1), SE02: st02 });
    });
    segment('GE', { ...(group.GE ?? {}), GE01: String(group.transactions.length), GE02: String(group.GS.GS06 ?? '') });
  }
  segment('IEA', { ...(interchange.IEA ?? {}), IEA01: String(interchange.groups.length), IEA02: String(interchange.ISA.ISA13 ?? '') });
  return out.join('');
}

/**
 * The ISA segment with every element at its fixed width. ISA11 is the repetition separator from
 * version 00402 on (`U` before); ISA16 the component separator.
 */
function isaSegment(isa: EdiSegment, d: X12Delimiters): string {
  const version = String(isa.ISA12 ?? '00401');
  const fields = ISA_WIDTHS.map((width, i) => {
    const n = i + 1;
    const key = `ISA${String(n).padStart(2, '0')}`;
    let v = isa[key];
    if (n === 11) v = version >= '00402' && d.repetition ? d.repetition : String(v ?? 'U');
    if (n === 16) v = d.component;
    const text = Array.isArray(v) ? v.join(d.component) : String(v ?? '');
    if (text.length > width) throw new X12WriteError(`${key}: ${JSON.stringify(text)} is longer than its ${width} characters`);
    if (n !== 11 && n !== 16 && [d.element, d.segment, d.component].some((c) => text.includes(c)))
      throw new X12WriteError(`${key}: ${JSON.stringify(text)} holds a delimiter`);
    return ZERO_PADDED.has(n) ? text.padStart(width, '0') : text.padEnd(width, ' ');
  });
  return ['ISA', ...fields].join(d.element);
}
