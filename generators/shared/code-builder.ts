/**
 * Writes generated source text and remembers which span of it came from which part of which spec
 * (a mapping rule, its `expr`, its `when`). The type checker reports errors by offset; the spans turn
 * an offset back into a YAML path, so a type error lands on the rule that caused it.
 *
 * The builder only concatenates fragments that the generator made from validated identifiers and
 * JSON literals; it never receives spec text.
 */
export interface Span<T> {
  start: number;
  end: number;
  tag: T;
}

export class CodeBuilder<T> {
  private text = '';
  private readonly spans: Span<T>[] = [];
  private indentLevel = 0;
  private atLineStart = true;

  /** Appends text; indents each new line by the current level. */
  write(fragment: string): this {
    for (const ch of fragment.split(/(\n)/)) {
      if (ch === '\n') {
        this.text += '\n';
        this.atLineStart = true;
      } else if (ch.length > 0) {
        if (this.atLineStart) this.text += '  '.repeat(this.indentLevel);
        this.atLineStart = false;
        this.text += ch;
      }
    }
    return this;
  }

  line(fragment = ''): this {
    return this.write(`${fragment}\n`);
  }

  indent(body: () => void): this {
    this.indentLevel++;
    body();
    this.indentLevel--;
    return this;
  }

  /** Runs `body` and records the span of text it wrote under `tag`. */
  span(tag: T, body: () => void): this {
    if (this.atLineStart) (this.text += '  '.repeat(this.indentLevel)), (this.atLineStart = false);
    const start = this.text.length;
    body();
    this.spans.push({ start, end: this.text.length, tag });
    return this;
  }

  /**
   * Appends what another builder wrote (its text as it is, indentation included) with its spans, so a
   * part written later (an item's object) can come after a part it produced (its per-message values).
   */
  append(part: { text: string; spans: readonly Span<T>[] }): this {
    const base = this.text.length;
    this.text += part.text;
    for (const s of part.spans) this.spans.push({ start: s.start + base, end: s.end + base, tag: s.tag });
    if (part.text.length > 0) this.atLineStart = part.text.endsWith('\n');
    return this;
  }

  get offset(): number {
    return this.text.length;
  }

  finish(): { text: string; spans: Span<T>[] } {
    return { text: this.text, spans: [...this.spans] };
  }
}

/** The innermost span containing `offset`, or undefined. */
export function innermostSpan<T>(spans: readonly Span<T>[], offset: number): Span<T> | undefined {
  let best: Span<T> | undefined;
  for (const span of spans) {
    if (offset >= span.start && offset < span.end && (!best || span.end - span.start <= best.end - best.start)) best = span;
  }
  return best;
}
