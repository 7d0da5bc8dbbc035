import type { EstateIndex, SpecDocument } from './estate-index.ts';
import { identityOf } from './estate-index.ts';
import type { Reporter } from './report.ts';

/**
 * Reference cycles: successor chains that loop (order@2 → order@3 → order@2), and event routes that
 * feed each other through topics — a message storm that would never end.
 */
export function checkCycles(index: EstateIndex, report: Reporter): void {
  // Successor chains: each versioned document has at most one successor, so a walk finds any loop.
  const reported = new Set<SpecDocument>();
  for (const start of index.documents) {
    if (start.kind !== 'DataContract' && start.kind !== 'Api') continue;
    const chain: SpecDocument[] = [];
    let current: SpecDocument | undefined = start;
    while (current && !chain.includes(current)) {
      chain.push(current);
      const successor: unknown = current.spec.deprecation?.successor;
      if (typeof successor !== 'string') {
        current = undefined;
        break;
      }
      const next = index.resolve(current.kind, successor);
      current = next.ok ? next.target : undefined;
    }
    if (current && current === start && chain.length > 1 && !chain.some((doc) => reported.has(doc))) {
      chain.forEach((doc) => reported.add(doc));
      report.add(
        start,
        'ref-cycle',
        ['spec', 'deprecation', 'successor'],
        `successors form a cycle: ${[...chain, start].map(identityOf).join(' → ')}`,
        'A successor must be a newer version; remove the successor from the newest one.',
      );
    }
  }

  // Route loops through topics: route A publishes topic t, route B consumes t and publishes back to A's topic.
  const routes = index.documents.filter((doc) => doc.kind === 'EventRoute');
  const consumers = new Map<string, SpecDocument[]>();
  for (const route of routes) {
    const topic = route.spec.source?.topic;
    if (typeof topic === 'string') consumers.set(topic, [...(consumers.get(topic) ?? []), route]);
  }
  const next = (route: SpecDocument) =>
    (route.spec.targets ?? []).flatMap((t: { topic?: string }) => (typeof t.topic === 'string' ? (consumers.get(t.topic) ?? []) : []));
  const state = new Map<SpecDocument, 'visiting' | 'done'>();
  const path: SpecDocument[] = [];
  const visit = (route: SpecDocument): void => {
    state.set(route, 'visiting');
    path.push(route);
    for (const successor of next(route)) {
      if (state.get(successor) === 'visiting') {
        const loop = path.slice(path.indexOf(successor));
        const targetIndex = (route.spec.targets as { topic?: string }[]).findIndex((t) => t.topic === successor.spec.source.topic);
        report.add(
          route,
          'ref-cycle',
          ['spec', 'targets', targetIndex, 'topic'],
          `event routes feed each other in a loop: ${[...loop, successor].map((r) => `${r.name} (${r.spec.source.topic ?? r.spec.source.system})`).join(' → ')}`,
          'Every message would circle forever; publish to a topic none of these routes consumes.',
        );
      } else if (!state.has(successor)) {
        visit(successor);
      }
    }
    path.pop();
    state.set(route, 'done');
  };
  for (const route of routes) if (!state.has(route)) visit(route);
}
