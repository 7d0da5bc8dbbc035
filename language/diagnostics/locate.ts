import { isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Node, Pair } from 'yaml';
import type { LoadedDocument } from '../load/loaded-document.ts';
import type { PathSegment, Range } from './diagnostic.ts';

export interface LocateOptions {
  /** Point at the key of the last segment rather than its value (unknown fields, duplicate names). */
  key?: boolean;
}

/**
 * Finds where a path of a loaded document is written. When the path does not exist (a missing
 * required field), it points at the deepest part that does, so the user lands next to the gap.
 */
export function locate(document: LoadedDocument, path: readonly PathSegment[], options: LocateOptions = {}): Range {
  let node = document.yaml.contents as Node | null;
  let pair: Pair | undefined;
  let best = node?.range ?? [0, 0, 0];
  let bestIsKey = false;
  for (const segment of path) {
    if (node && isMap(node)) {
      pair = node.items.find((item): item is Pair => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      const key = pair.key as Node;
      node = pair.value as Node | null;
      best = (options.key || !node?.range ? key.range : node.range) ?? best;
      bestIsKey = options.key === true || !node?.range;
    } else if (node && isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item?.range) break;
      node = item;
      pair = undefined;
      best = item.range;
      bestIsKey = false;
    } else {
      break;
    }
  }
  const [start, valueEnd] = best;
  // A block map or list would highlight its whole body; the first line is what a reader needs.
  const end = bestIsKey ? valueEnd : Math.min(valueEnd, lineEnd(document, start));
  const a = document.lineCounter.linePos(start);
  const b = document.lineCounter.linePos(Math.max(start, end));
  return { start: { line: a.line, column: a.col }, end: { line: b.line, column: b.col } };
}

function lineEnd(document: LoadedDocument, offset: number): number {
  const { line } = document.lineCounter.linePos(offset);
  const next = document.lineCounter.lineStarts[line];
  return next === undefined ? Number.MAX_SAFE_INTEGER : next - 1;
}
