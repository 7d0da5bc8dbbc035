/**
 * Which units share a worker in a local run. Every unit runs alone, except that an Api unit runs with
 * the route units whose events feed its views: the worker maps a view's events with the route's
 * mapping, which is in the route's bundle, not the Api's. (Routes feeding two Apis join both into one
 * group.) A group restarts as a whole when any of its units changed.
 */
import { majorOf } from '../worker/estate.ts';
import type { WorkerEstate } from '../worker/estate.ts';

export function unitGroups(estate: WorkerEstate, units: readonly string[]): string[][] {
  const parent = new Map<string, string>(units.map((u) => [u, u]));
  const find = (u: string): string => {
    let p = parent.get(u) ?? u;
    while (p !== (parent.get(p) ?? p)) p = parent.get(p)!;
    return p;
  };
  const union = (a: string, b: string) => {
    if (!parent.has(a) || !parent.has(b)) return;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const api of estate.apis) {
    const unit = `api-${api.metadata.name}-v${majorOf(api.spec.version)}`;
    for (const op of api.spec.operations) if (op.backend?.view) union(unit, `route-${op.backend.view.route}`);
  }
  const groups = new Map<string, string[]>();
  for (const u of units) {
    const root = find(u);
    groups.set(root, [...(groups.get(root) ?? []), u]);
  }
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));
}
