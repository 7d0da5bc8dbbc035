/**
 * Splits X12 text into segments. The delimiters are read from the ISA segment by delimiter, not by
 * fixed width, because real partner files trim ISA fields, start with a BOM, indent, and end segments
 * with `~`, `~\r\n` or a bare newline. Text is fed in chunks so that a large file is read in linear
 * time without holding it whole.
 */

export interface X12Delimiters {
  element: string;
  component: string;
  segment: string;
  repetition: string | null;
}

/** One segment with where it starts; element columns assume the segment does not span lines. */
export interface X12RawSegment {
  id: string;
  elements: string[];
  /** 1-based segment number in the file. */
  number: number;
  line: number;
  column: number;
  /** Column of each element's first character (index 0: the segment id). */
  columns: number[];
}

export interface X12TokenProblem {
  message: string;
  segment: number;
  line: number;
  column: number;
}

/** Longest text without a segment terminator before the input is refused (bounds memory). */
const MAX_SEGMENT_LENGTH = 1 << 20;
/** The ISA segment, however trimmed or padded, must end within this many characters. */
const MAX_ISA_LENGTH = 512;

const NOT_A_DELIMITER = /[A-Za-z0-9 ]/;

/** Reads the delimiters from the start of an ISA segment (`text` starts at `ISA`); null while more text is needed. */
function readIsaDelimiters(text: string, final: boolean): { delimiters: X12Delimiters; length: number } | { problem: string } | null {
  if (text.length < 4) return final ? { problem: 'the file ends inside the ISA segment' } : null;
  const element = text[3]!;
  if (NOT_A_DELIMITER.test(element) || /\s/.test(element))
    return { problem: `expected the element separator right after "ISA" (such as "*"), found ${JSON.stringify(element)}` };
  // ISA has 16 elements: after the 16th separator come ISA16 (the component separator, one character)
  // and the segment terminator.
  const elements: string[] = [];
  let at = 4;
  let count = 1;
  while (count < 16) {
    const next = text.indexOf(element, at);
    if (next === -1 || next > MAX_ISA_LENGTH) {
      if (next === -1 && !final && text.length < MAX_ISA_LENGTH) return null;
      return {
        problem: `expected 16 ISA elements separated by ${JSON.stringify(element)}, found ${count}${count < 16 ? ` (is the ISA segment cut short?)` : ''}`,
      };
    }
    elements.push(text.slice(at, next));
    at = next + 1;
    count++;
  }
  if (text.length < at + 2)
    return final
      ? { problem: 'the file ends inside the ISA segment (expected ISA16, the component separator, and the segment terminator)' }
      : null;
  const component = text[at]!;
  let segment = text[at + 1]!;
  let length = at + 2;
  if (segment === '\r') {
    if (text.length < at + 3 && !final) return null;
    if (text[at + 2] === '\n') {
      segment = '\n';
      length++;
    }
  }
  if (NOT_A_DELIMITER.test(component) || component === element)
    return {
      problem: `expected ISA16 to be one component separator character (such as ">" or ":"), found ${JSON.stringify(text.slice(at, at + 2))}`,
    };
  if (/[A-Za-z0-9]/.test(segment) || segment === element || segment === component)
    return {
      problem: `expected the segment terminator (such as "~" or a newline) right after ISA16 ${JSON.stringify(component)}, found ${JSON.stringify(segment)}`,
    };
  const version = elements[11]!.trim();
  const isa11 = elements[10]!.trim();
  const repetition = version >= '00402' && isa11.length === 1 && !/[A-Za-z0-9]/.test(isa11) ? isa11 : null;
  return { delimiters: { element, component, segment, repetition }, length };
}

/**
 * Incremental segment reader: `push` chunks, then `end`. Calls `onSegment` for each segment in order
 * and stops at the first problem (returned by `push`/`end` and kept in `problem`).
 */
export class X12Tokenizer {
  delimiters: X12Delimiters | undefined;
  problem: X12TokenProblem | undefined;
  private buffer = '';
  private started = false;
  private line = 1;
  private column = 1;
  private count = 0;

  private readonly onSegment: (seg: X12RawSegment) => void;

  constructor(onSegment: (seg: X12RawSegment) => void) {
    this.onSegment = onSegment;
  }

  push(chunk: string): X12TokenProblem | undefined {
    if (this.problem) return this.problem;
    this.buffer += chunk;
    this.drain(false);
    return this.problem;
  }

  end(): X12TokenProblem | undefined {
    if (this.problem) return this.problem;
    this.drain(true);
    if (!this.problem && !this.started) this.fail('the file is empty; an X12 interchange starts with an ISA segment');
    return this.problem;
  }

  /** Segments read so far. */
  get segments(): number {
    return this.count;
  }

  /** Stops reading with a problem found by the consumer (its message names the segment). */
  abort(problem: X12TokenProblem) {
    this.problem = problem;
    this.buffer = '';
  }

  private fail(message: string) {
    this.problem = { message, segment: this.count + 1, line: this.line, column: this.column };
    this.buffer = '';
  }

  /** Moves line/column over `text` (already consumed). */
  private advance(text: string) {
    let newline = text.lastIndexOf('\n');
    if (newline === -1) {
      this.column += text.length;
      return;
    }
    for (newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', newline + 1)) this.line++;
    this.column = text.length - text.lastIndexOf('\n');
  }

  private drain(final: boolean) {
    let text = this.buffer;
    let pos = 0;
    if (!this.started) {
      let start = 0;
      if (text.charCodeAt(0) === 0xfeff) start = 1;
      while (start < text.length && /\s/.test(text[start]!)) start++;
      if (start === text.length) {
        this.advance(text.slice(0, start));
        this.buffer = '';
        return;
      }
      if (text.length - start < 3 && !final) return;
      this.advance(text.slice(text.charCodeAt(0) === 0xfeff ? 1 : 0, start));
      text = text.slice(start);
      this.buffer = text;
      if (!text.startsWith('ISA')) {
        this.fail(`expected an ISA segment (an X12 interchange starts with one), found ${JSON.stringify(text.slice(0, 10))}`);
        return;
      }
      const read = readIsaDelimiters(text, final);
      if (read === null) return;
      if ('problem' in read) {
        this.fail(`segment 1 (ISA): ${read.problem}`);
        return;
      }
      this.delimiters = read.delimiters;
      this.started = true;
    }
    const { segment: terminator, element } = this.delimiters!;
    for (;;) {
      const begin = pos;
      while (pos < text.length) {
        const c = text.charCodeAt(pos);
        // Whitespace between segments: CR, LF, tab, space.
        if (c === 13 || c === 10 || c === 9 || c === 32) pos++;
        else break;
      }
      if (pos > begin) this.advance(text.slice(begin, pos));
      if (pos >= text.length) break;
      let end = text.indexOf(terminator, pos);
      if (end === -1) {
        if (!final) {
          if (text.length - pos > MAX_SEGMENT_LENGTH) {
            this.fail(
              `segment ${this.count + 1}: expected the segment terminator ${JSON.stringify(terminator)} within ${MAX_SEGMENT_LENGTH} characters`,
            );
            return;
          }
          break;
        }
        end = text.length;
      }
      let body = text.slice(pos, end);
      if (terminator === '\n' && body.endsWith('\r')) body = body.slice(0, -1);
      const elements = body.split(element);
      const id = elements[0]!;
      if (!/^[A-Z][A-Z0-9]{1,2}$/.test(id)) {
        this.fail(
          `segment ${this.count + 1}: expected a segment id (two or three capital letters or digits, such as GS or N1) before ${JSON.stringify(element)}, found ${JSON.stringify(id.slice(0, 10))}`,
        );
        return;
      }
      const columns: number[] = [];
      let column = this.column;
      for (const part of elements) {
        columns.push(column);
        column += part.length + 1;
      }
      this.count++;
      this.onSegment({ id, elements, number: this.count, line: this.line, column: this.column, columns });
      this.advance(text.slice(pos, Math.min(end + 1, text.length)));
      pos = end + 1;
      if (this.problem) return;
    }
    this.buffer = pos >= text.length ? '' : text.slice(pos);
  }
}
