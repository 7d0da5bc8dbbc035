import { MESSAGE_GROUPS } from './edifact-groups.ts';
import type { EdiLoop, EdiSegment } from './loop-builder.ts';
import { buildLoops } from './loop-builder.ts';

/**
 * Parses a UN/EDIFACT interchange (UNA service string advice, UNB…UNZ, UNH…UNT messages) into JSON
 * (docs/edi-edifact.md):
 *
 * ```
 * { delimiters: {component, element, decimal, release, repetition, segment}, UNA: true|false,
 *   UNB: {UNB01: ["UNOC", "3"], …}, messages: [ { UNH, BGM, DTM: [..], NADGroup: [..], LINGroup: [..], UNT } ],
 *   UNZ: {…} }
 * ```
 *
 * A segment is an object keyed by element position (`NAD02`); empty elements are left out; an element
 * with components is the list of its components (empty ones kept as ""). The release character is
 * resolved (`?+` is a literal +). ORDERS, DESADV and INVOIC nest into segment groups named by their
 * trigger (edifact-groups.ts); other messages parse flat. Pure; problems name the segment number,
 * never thrown. A missing UNZ is a warning.
 */
export interface EdifactDelimiters {
  component: string;
  element: string;
  decimal: string;
  release: string;
  repetition: string;
  segment: string;
}

export interface EdifactInterchange {
  delimiters: EdifactDelimiters;
  /** The interchange started with a UNA service string advice. */
  UNA: boolean;
  UNB: EdiSegment;
  messages: EdiLoop[];
  /** Functional group headers and trailers, when the interchange has them (rare). */
  UNG?: EdiSegment[];
  UNE?: EdiSegment[];
  UNZ?: EdiSegment;
}

export interface EdifactProblem {
  message: string;
  severity: 'error' | 'warning';
  segment: number;
  line: number;
  column: number;
}

export interface EdifactParseResult {
  value?: EdifactInterchange;
  /** Position of each segment by JSON pointer (`/messages/0/LINGroup/1/LIN`). */
  positions: Map<string, { segment: number; line: number; column: number }>;
  problems: EdifactProblem[];
}

export interface EdifactReadOptions {
  /** Nest ORDERS, DESADV and INVOIC into segment groups (default); false: every message flat. */
  groups?: boolean;
  /** Most segments read into one value (default 200,000). */
  maxSegments?: number;
}

/** The syntax 3/4 defaults when there is no UNA. */
export const DEFAULT_EDIFACT_DELIMITERS: EdifactDelimiters = {
  component: ':',
  element: '+',
  decimal: '.',
  release: '?',
  repetition: ' ',
  segment: "'",
};

interface RawSegment {
  id: string;
  /** Components of each element (index 0: the tag). */
  components: string[][];
  /** Each element as the loop builder reads it: its first component. */
  elements: string[];
  number: number;
  line: number;
  column: number;
}

const ENVELOPE = new Set(['UNH', 'UNT']);

export function parseEdifact(text: string, options: EdifactReadOptions = {}): EdifactParseResult {
  const positions: EdifactParseResult['positions'] = new Map();
  const problems: EdifactProblem[] = [];
  const maxSegments = options.maxSegments ?? 200_000;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = pos;
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) {
      if (text[pos] === '\n') {
        line++;
        lineStart = pos + 1;
      }
      pos++;
    }
  };
  const fail = (message: string, segment: number): EdifactParseResult => {
    problems.push({ message, severity: 'error', segment, line, column: pos - lineStart + 1 });
    return { positions, problems };
  };
  skipSpace();
  let delimiters = DEFAULT_EDIFACT_DELIMITERS;
  const una = text.startsWith('UNA', pos);
  if (una) {
    const advice = text.slice(pos + 3, pos + 9);
    if (advice.length < 6 || /[A-Za-z0-9]/.test(advice.slice(0, 2) + advice.slice(3)) || new Set(advice).size < 5)
      return fail(
        `segment 1 (UNA): expected six service characters after UNA (component, element, decimal, release, repetition, terminator, such as :+.? '), found ${JSON.stringify(advice)}`,
        1,
      );
    const [component, element, decimal, release, repetition, segment] = [...advice] as [string, string, string, string, string, string];
    delimiters = { component, element, decimal, release, repetition, segment };
    pos += 9;
    skipSpace();
  }
  const { component, element, release, segment: terminator } = delimiters;

  // Tokenize: one pass, honouring the release character.
  const raw: RawSegment[] = [];
  const number0 = una ? 1 : 0;
  while (pos < text.length) {
    const start = { line, column: pos - lineStart + 1 };
    const components: string[][] = [];
    let current: string[] = [];
    let piece = '';
    let from = pos;
    let ended = false;
    while (pos < text.length) {
      const c = text[pos]!;
      if (c === release) {
        if (pos + 1 >= text.length)
          return fail(
            `segment ${number0 + raw.length + 1}: the file ends after the release character ${JSON.stringify(release)}; expected the character it releases`,
            number0 + raw.length + 1,
          );
        piece += text.slice(from, pos) + text[pos + 1];
        pos += 2;
        from = pos;
        continue;
      }
      if (c === '\n') {
        line++;
        lineStart = pos + 1;
      }
      if (c === component || c === element || c === terminator) {
        current.push(piece + text.slice(from, pos));
        piece = '';
        if (c !== component) {
          components.push(current);
          current = [];
        }
        pos++;
        from = pos;
        if (c === terminator) {
          ended = true;
          break;
        }
        continue;
      }
      pos++;
    }
    if (!ended) {
      current.push(piece + text.slice(from, pos));
      components.push(current);
    }
    const number = number0 + raw.length + 1;
    const id = (components[0] ?? [''])[0]!.replace(/^\s+/, '');
    if (!/^[A-Z][A-Z0-9]{2}$/.test(id) || components[0]!.length > 1)
      return fail(
        `segment ${number}: expected a segment tag (three capital letters or digits, such as UNH or NAD), found ${JSON.stringify(id.slice(0, 10))}`,
        number,
      );
    if (!ended && !(id === 'UNZ' || raw.length === 0))
      problems.push({
        message: `segment ${number}: ${id} has no segment terminator ${JSON.stringify(terminator)}; read to the end of the file`,
        severity: 'warning',
        segment: number,
        ...start,
      });
    raw.push({ id, components, elements: components.map((c) => c[0]!), number, ...start });
    if (raw.length > maxSegments) return fail(`segment ${number}: more than ${maxSegments} segments`, number);
    skipSpace();
  }

  const problem = (seg: RawSegment, message: string, severity: EdifactProblem['severity'] = 'error') =>
    problems.push({ message: `segment ${seg.number}: ${message}`, severity, segment: seg.number, line: seg.line, column: seg.column });
  const record = (seg: RawSegment, pointer: string): EdiSegment => {
    positions.set(pointer, { segment: seg.number, line: seg.line, column: seg.column });
    const out: EdiSegment = {};
    for (let i = 1; i < seg.components.length; i++) {
      const parts = seg.components[i]!;
      if (parts.length === 1 && parts[0] === '') continue;
      out[`${seg.id}${String(i).padStart(2, '0')}`] = parts.length === 1 ? parts[0]! : parts;
    }
    return out;
  };

  const first = raw[0];
  if (!first || first.id !== 'UNB') {
    if (first) problem(first, `expected UNB (the interchange header)${una ? ' after UNA' : ''}, found ${first.id}`);
    else
      problems.push({
        message: 'the file is empty; an EDIFACT interchange starts with UNA or UNB',
        severity: 'error',
        segment: 0,
        line,
        column: 1,
      });
    return { positions, problems };
  }
  const value: EdifactInterchange = { delimiters, UNA: una, UNB: record(first, '/UNB'), messages: [] };
  const syntax = first.components[1]?.[0] ?? '';
  if (!/^UNO[A-Z]$/.test(syntax))
    problem(first, `UNB01 syntax identifier ${JSON.stringify(syntax)} is not UNOA…UNOY; expected such as UNOC:3`, 'warning');
  let groups = 0;
  let i = 1;
  while (i < raw.length) {
    const seg = raw[i]!;
    if (seg.id === 'UNH') {
      let end = i + 1;
      while (end < raw.length && !['UNT', 'UNH', 'UNZ', 'UNE', 'UNG'].includes(raw[end]!.id)) end++;
      const closed = raw[end]?.id === 'UNT';
      const segments = raw.slice(i, closed ? end + 1 : end);
      const m = value.messages.length;
      if (!closed)
        problem(
          seg,
          `message ${seg.elements[1] ?? ''} (UNH) has no UNT trailer; expected UNT before ${raw[end] ? raw[end]!.id : 'the end of the file'}`,
        );
      else {
        const unt = raw[end]!;
        if (Number(unt.elements[1]) !== segments.length)
          problem(unt, `UNT01 says ${unt.elements[1]} segments, the message has ${segments.length} (UNH to UNT)`);
        if (unt.elements[2] !== seg.elements[1]) problem(unt, `UNT02 reference ${unt.elements[2]} does not match UNH01 ${seg.elements[1]}`);
      }
      const type = seg.components[2]?.[0] ?? '';
      const spec = options.groups === false ? undefined : MESSAGE_GROUPS.get(type);
      value.messages.push(
        buildLoops(segments, spec, `/messages/${m}`, {
          suffix: 'Group',
          envelope: ENVELOPE,
          record,
          problem: (s, message) => problem(s, message),
        }),
      );
      i = closed ? end + 1 : end;
      continue;
    }
    if (seg.id === 'UNG' || seg.id === 'UNE') {
      const list = value[seg.id] ?? [];
      value[seg.id] = list;
      list.push(record(seg, `/${seg.id}/${list.length}`));
      if (seg.id === 'UNG') groups++;
      i++;
      continue;
    }
    if (seg.id === 'UNZ') {
      value.UNZ = record(seg, '/UNZ');
      const count = groups > 0 ? groups : value.messages.length;
      if (Number(seg.elements[1]) !== count)
        problem(seg, `UNZ01 says ${seg.elements[1]} ${groups > 0 ? 'groups' : 'messages'}, the interchange has ${count}`);
      if (seg.elements[2] !== first.elements[5])
        problem(seg, `UNZ02 reference ${seg.elements[2]} does not match UNB05 ${first.elements[5]}`);
      if (i + 1 < raw.length) problem(raw[i + 1]!, `expected nothing after UNZ, found ${raw[i + 1]!.id}; read one interchange per file`);
      break;
    }
    problem(seg, `expected UNH (a message), UNG or UNZ, found ${seg.id}`);
    i++;
  }
  if (!value.UNZ) {
    const last = raw[raw.length - 1]!;
    problem(last, 'the interchange has no UNZ trailer; expected UNZ as the last segment (read anyway)', 'warning');
  }
  problems.sort((a, b) => a.segment - b.segment);
  return { value, positions, problems };
}
