import type { EdifactDelimiters, EdifactInterchange } from './edifact-parse.ts';
import { DEFAULT_EDIFACT_DELIMITERS } from './edifact-parse.ts';
import type { EdiLoop, EdiSegment } from './loop-builder.ts';

/**
 * Writes an interchange in the JSON form parseEdifact reads back: UNA (when `UNA` is true or the
 * delimiters are not the defaults), UNB, each message's segments depth-first in key order (groups
 * where their key stands), UNZ. Data characters that are delimiters are released with the release
 * character. UNT01/UNT02 and UNZ01/UNZ02 are computed, so a message edited as JSON stays consistent.
 * `newline: true` puts each segment on its own line (readable; parsers skip the line breaks).
 */
export function writeEdifact(interchange: EdifactInterchange, options: { newline?: boolean } = {}): string {
  const d: EdifactDelimiters = interchange.delimiters ?? DEFAULT_EDIFACT_DELIMITERS;
  const special = new Set([d.component, d.element, d.release, d.segment]);
  const released = (value: string) => [...value].map((c) => (special.has(c) ? d.release + c : c)).join('');
  const end = d.segment + (options.newline ? '\n' : '');
  const segment = (id: string, seg: EdiSegment) => {
    const elements: string[] = [id];
    for (const [key, value] of Object.entries(seg)) {
      const position = Number(key.slice(id.length));
      if (!key.startsWith(id) || !Number.isInteger(position) || position < 1) continue;
      while (elements.length < position) elements.push('');
      elements[position] = Array.isArray(value) ? value.map(released).join(d.component) : released(value);
    }
    return elements.join(d.element) + end;
  };
  const loop = (node: EdiLoop, out: string[]) => {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'UNT') continue;
      if (key.endsWith('Group') && Array.isArray(value)) {
        for (const child of value as EdiLoop[]) loop(child, out);
      } else if (Array.isArray(value)) {
        for (const seg of value as EdiSegment[]) out.push(segment(key, seg));
      } else out.push(segment(key, value as EdiSegment));
    }
  };
  const defaults = Object.entries(DEFAULT_EDIFACT_DELIMITERS).every(([k, v]) => d[k as keyof EdifactDelimiters] === v);
  const parts: string[] = [];
  if (interchange.UNA || !defaults)
    parts.push(`UNA${d.component}${d.element}${d.decimal}${d.release}${d.repetition}${d.segment}${options.newline ? '\n' : ''}`);
  parts.push(segment('UNB', interchange.UNB));
  for (const message of interchange.messages) {
    const body: string[] = [];
    loop(message, body);
    const reference = String((message.UNH as EdiSegment | undefined)?.UNH01 ?? '');
    body.push(segment('UNT', { ...(message.UNT as EdiSegment | undefined), UNT01: String(body.length + 1), UNT02: reference }));
    parts.push(...body);
  }
  parts.push(
    segment('UNZ', { ...interchange.UNZ, UNZ01: String(interchange.messages.length), UNZ02: String(interchange.UNB.UNB05 ?? '') }),
  );
  return parts.join('');
}
