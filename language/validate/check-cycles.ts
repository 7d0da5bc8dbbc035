import type { EstateIndex, SpecDocument } from './estate-index.ts';
import { identityOf } from './estate-index.ts';
import type { Reporter } from './report.ts';

/** Loops longer than this are shown by their first members and a count, so a message stays readable. */
const MAX_LOOP_SHOWN = 12;

/**
 * Reference cycles: successor chains that loop (order@2 → order@3 → order@2), and event routes that
 * feed each other through topics — a message storm that would never end.
 *
 * Both walks are iterative and visit each document and each edge once, so a chain of thousands of
 * successors or routes costs linear time and no stack depth.
 */
export function checkCycles(index: EstateIndex, report: Reporter): void {
  checkSuccessorCycles(index, report);
  checkRouteLoops(index, report);
}

/** Each versioned document has at most one successor: a functional graph, whose cycles one colouring walk finds. */
function checkSuccessorCycles(index: EstateIndex, report: Reporter): void {
  const versioned = index.documents.filter((doc) => doc.kind === 'DataContract' || doc.kind === 'Api');
  const order = new Map(versioned.map((doc, i) => [doc, i]));
  const successorOf = (doc: SpecDocument<'DataContract' | 'Api'>): SpecDocument<'DataContract' | 'Api'> | undefined => {
    const successor: unknown = doc.spec.deprecation?.successor;
    if (typeof successor !== 'string') return undefined;
    const next = index.resolve(doc.kind, successor);
    return next.ok && !next.target.failedSchema ? next.target : undefined;
  };
  const state = new Map<SpecDocument<'DataContract' | 'Api'>, 'visiting' | 'done'>();
  for (const start of versioned) {
    if (state.has(start)) continue;
    const path: SpecDocument<'DataContract' | 'Api'>[] = [];
    const position = new Map<SpecDocument<'DataContract' | 'Api'>, number>();
    let current: SpecDocument<'DataContract' | 'Api'> | undefined = start;
    while (current && !state.has(current)) {
      state.set(current, 'visiting');
      position.set(current, path.length);
      path.push(current);
      current = successorOf(current);
    }
    // Only a walk that runs into itself closes a loop; one that reaches an earlier walk's documents does not.
    const loop = current && state.get(current) === 'visiting' ? path.slice(position.get(current)) : [];
    for (const doc of path) state.set(doc, 'done');
    // A document naming itself is reported by the reference check.
    if (loop.length < 2) continue;
    // Reported at the loop's first document in estate order, the loop read from there.
    let first = 0;
    loop.forEach((doc, i) => {
      if ((order.get(doc) ?? 0) < (order.get(loop[first]!) ?? 0)) first = i;
    });
    const rotated = [...loop.slice(first), ...loop.slice(0, first)];
    report.add(
      rotated[0]!,
      'ref-cycle',
      ['spec', 'deprecation', 'successor'],
      `successors form a cycle: ${shownLoop(rotated, identityOf)}`,
      'A successor must be a newer version; remove the successor from the newest one.',
    );
  }
}

/** Route A publishes topic t, route B consumes t and publishes back to A's topic: a depth-first walk with its own stack. */
function checkRouteLoops(index: EstateIndex, report: Reporter): void {
  const routes = index.documents.filter((doc) => doc.kind === 'EventRoute');
  const consumers = new Map<string, SpecDocument<'EventRoute'>[]>();
  for (const route of routes) {
    const topic = route.spec.source?.topic;
    if (typeof topic !== 'string') continue;
    const list = consumers.get(topic);
    if (list) list.push(route);
    else consumers.set(topic, [route]);
  }
  const next = (route: SpecDocument<'EventRoute'>): SpecDocument<'EventRoute'>[] =>
    (route.spec.targets ?? []).flatMap((t) => (typeof t.topic === 'string' ? (consumers.get(t.topic) ?? []) : []));
  const describe = (r: SpecDocument<'EventRoute'>) => `${r.name} (${r.spec.source.topic ?? r.spec.source.system})`;

  const state = new Map<SpecDocument<'EventRoute'>, 'visiting' | 'done'>();
  const pathIndex = new Map<SpecDocument<'EventRoute'>, number>();
  for (const root of routes) {
    if (state.has(root)) continue;
    // Each frame is a route on the current path and the successors it has yet to look at.
    const stack: { route: SpecDocument<'EventRoute'>; successors: SpecDocument<'EventRoute'>[]; at: number }[] = [];
    const enter = (route: SpecDocument<'EventRoute'>) => {
      state.set(route, 'visiting');
      pathIndex.set(route, stack.length);
      stack.push({ route, successors: next(route), at: 0 });
    };
    enter(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.at >= frame.successors.length) {
        stack.pop();
        pathIndex.delete(frame.route);
        state.set(frame.route, 'done');
        continue;
      }
      const successor = frame.successors[frame.at++]!;
      const seen = state.get(successor);
      if (seen === undefined) {
        enter(successor);
      } else if (seen === 'visiting') {
        const loop = stack.slice(pathIndex.get(successor)).map((f) => f.route);
        const route = frame.route;
        const targetIndex = route.spec.targets.findIndex((t) => t.topic === successor.spec.source.topic);
        report.add(
          route,
          'ref-cycle',
          ['spec', 'targets', targetIndex, 'topic'],
          `event routes feed each other in a loop: ${shownLoop(loop, describe)}`,
          'Every message would circle forever; publish to a topic none of these routes consumes.',
        );
      }
    }
  }
}

/** `a → b → c → a`; a long loop shows its first members and how many more there are. */
function shownLoop<D>(loop: readonly D[], name: (doc: D) => string): string {
  if (loop.length <= MAX_LOOP_SHOWN) return [...loop, loop[0]!].map(name).join(' → ');
  const shown = loop.slice(0, MAX_LOOP_SHOWN).map(name).join(' → ');
  return `${shown} → … (${loop.length - MAX_LOOP_SHOWN} more) → ${name(loop[0]!)}`;
}
