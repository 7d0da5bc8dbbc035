/**
 * Nests the segments of one X12 transaction set or EDIFACT message into loops (X12) or segment groups
 * (EDIFACT) from a loop table. Shared by both parsers: only the segment records and the key suffix
 * (`Loop`, `Group`) differ.
 */

/** One loop or segment group of a loop table. */
export interface LoopSpec {
  /** Segment ids that belong to the loop (the starting segment included). */
  members: ReadonlySet<string>;
  /** Members that may occur more than once: always lists, even when they occur once. */
  repeats: ReadonlySet<string>;
  /** Loops that may start inside this one, by starting segment id. */
  loops: ReadonlyMap<string, LoopSpec>;
  /**
   * Set for hierarchical loops (X12 HL, EDIFACT CPS): they nest by the parent id in element
   * `parent`, which names the id in element `id` of an earlier loop, not by position.
   */
  hierarchy?: { id: number; parent: number };
}

/** A segment as the builder sees it: its id and its raw element strings (index 0: the id). */
export interface LoopSegment {
  id: string;
  elements: string[];
  number: number;
}

/** A segment as JSON: keyed by element position (`BEG03`, `NAD02`). */
export type EdiSegment = Record<string, string | string[]>;
/** A loop, transaction set or message as JSON. */
export type EdiLoop = { [key: string]: EdiSegment | EdiSegment[] | EdiLoop[] };

export interface LoopBuilderHooks<S extends LoopSegment> {
  /** Turns a segment into JSON and remembers its position under `pointer`. */
  record(seg: S, pointer: string): EdiSegment;
  /** Reports a structural problem at a segment (or one of its elements). */
  problem(seg: S, message: string, element?: number): void;
  /** `Loop` for X12 (`PO1Loop`), `Group` for EDIFACT (`LINGroup`). */
  suffix: string;
  /** Header and trailer ids (ST/SE, UNH/UNT): always single, always at the root. */
  envelope: ReadonlySet<string>;
}

interface Frame {
  spec: LoopSpec | undefined;
  /** The id of the segment that started this loop ('' for the root). */
  trigger: string;
  node: EdiLoop;
  pointer: string;
}

/**
 * Builds the nested JSON of one transaction set or message. Without a root spec (a set with no loop
 * table, or flat output requested) every segment is a list at the root. With one, each segment is
 * looked up from the innermost open loop outwards: the loop's own starting id starts a sibling, a
 * loop it may contain starts a child, one of its members is placed in it; segments the table does
 * not know are kept, as a list in the innermost loop, rather than lost.
 */
export function buildLoops<S extends LoopSegment>(
  segments: readonly S[],
  rootSpec: LoopSpec | undefined,
  base: string,
  hooks: LoopBuilderHooks<S>,
): EdiLoop {
  const root: EdiLoop = {};
  const stack: Frame[] = [{ spec: rootSpec, trigger: '', node: root, pointer: base }];
  const hierarchyById = new Map<string, Frame>();

  const placeList = (frame: Frame, seg: S) => {
    const existing = frame.node[seg.id];
    if (existing !== undefined && !Array.isArray(existing)) {
      hooks.problem(seg, `${seg.id} occurs more than once where it may occur once; the first is kept`);
      return;
    }
    const list = (existing ?? []) as EdiSegment[];
    frame.node[seg.id] = list;
    list.push(hooks.record(seg, `${frame.pointer}/${seg.id}/${list.length}`));
  };
  const place = (frame: Frame, seg: S) => {
    if (!hooks.envelope.has(seg.id) && (!frame.spec || frame.spec.repeats.has(seg.id))) return placeList(frame, seg);
    if (frame.node[seg.id] !== undefined) {
      hooks.problem(seg, `${seg.id} occurs more than once where it may occur once; the first is kept`);
      return;
    }
    frame.node[seg.id] = hooks.record(seg, `${frame.pointer}/${seg.id}`);
  };
  const open = (parent: Frame, spec: LoopSpec, seg: S): Frame => {
    const key = `${seg.id}${hooks.suffix}`;
    const existing = parent.node[key];
    const list = (Array.isArray(existing) ? existing : []) as EdiLoop[];
    parent.node[key] = list;
    const node: EdiLoop = {};
    const pointer = `${parent.pointer}/${key}/${list.length}`;
    list.push(node);
    node[seg.id] = hooks.record(seg, `${pointer}/${seg.id}`);
    return { spec, trigger: seg.id, node, pointer };
  };

  for (const seg of segments) {
    if (!rootSpec) {
      place(stack[0]!, seg);
      continue;
    }
    if (hooks.envelope.has(seg.id)) {
      stack.length = 1;
      place(stack[0]!, seg);
      continue;
    }
    const hierarchical = rootSpec.loops.get(seg.id);
    if (hierarchical?.hierarchy) {
      // Hierarchical loops nest by their parent id, which may point at any earlier loop of the kind.
      const parentId = seg.elements[hierarchical.hierarchy.parent] ?? '';
      let parent = parentId === '' ? stack[0]! : hierarchyById.get(parentId);
      if (!parent) {
        hooks.problem(
          seg,
          `${seg.id}${String(hierarchical.hierarchy.parent).padStart(2, '0')} parent ${parentId} is not the id of an earlier ${seg.id}; expected one of ${[...hierarchyById.keys()].join(', ') || '(none yet)'}; kept at the top level`,
          hierarchical.hierarchy.parent,
        );
        parent = stack[0]!;
      }
      const frame = open(parent, hierarchical, seg);
      hierarchyById.set(seg.elements[hierarchical.hierarchy.id] ?? '', frame);
      stack.length = 1;
      stack.push(frame);
      continue;
    }
    let handled = false;
    for (let depth = stack.length - 1; depth >= 0 && !handled; depth--) {
      const frame = stack[depth]!;
      if (depth > 0 && frame.trigger === seg.id && !frame.spec?.hierarchy) {
        // The loop's own starting segment again: a sibling loop in the same parent.
        stack.length = depth;
        stack.push(open(stack[depth - 1]!, frame.spec!, seg));
        handled = true;
      } else if (frame.spec?.loops.has(seg.id) && !frame.spec.loops.get(seg.id)!.hierarchy) {
        stack.length = depth + 1;
        stack.push(open(frame, frame.spec.loops.get(seg.id)!, seg));
        handled = true;
      } else if (frame.spec?.members.has(seg.id) && frame.trigger !== seg.id) {
        stack.length = depth + 1;
        place(frame, seg);
        handled = true;
      }
    }
    if (!handled) placeList(stack[stack.length - 1]!, seg);
  }
  return root;
}
