import type { EstateIndex } from './estate-index.ts';
import type { Reporter } from './report.ts';

/**
 * The System endpoint protocols a route target can be delivered to: runtime/delivery has an adapter
 * for each (`http`: an HTTP call, `nats`: a publish on the System's subjects). The worker refuses to
 * start a route with any other target, so validation refuses it first (issue 12, part 5).
 */
export const DELIVERABLE_PROTOCOLS: ReadonlySet<string> = new Set(['http', 'nats']);

/**
 * Every route target that names a System names one whose endpoint protocol has a delivery adapter.
 * Reported at the target's `system:` line; a System that failed its schema is reported where it is.
 */
export function checkDeliverableTargets(index: EstateIndex, report: Reporter): void {
  for (const route of index.ofKind('EventRoute')) {
    route.spec.targets.forEach((target, i) => {
      if (typeof target.system !== 'string') return;
      const resolved = index.resolve('System', target.system);
      if (!resolved.ok || resolved.target.failedSchema) return;
      const protocol = resolved.target.spec.endpoint.protocol;
      if (DELIVERABLE_PROTOCOLS.has(protocol)) return;
      report.add(
        route,
        'route-target-undeliverable',
        ['spec', 'targets', i, 'system'],
        `target "${target.name}" delivers to System ${resolved.target.name}, which speaks \`${protocol}\`; no delivery adapter speaks \`${protocol}\` yet, so the route's worker would refuse to start`,
        `Deliver through an HTTP endpoint of the system (a System with \`protocol: http\`, e.g. its gateway's API) or publish to a topic (\`topic:\`) that the system's own connector consumes. Targets can deliver to: ${[...DELIVERABLE_PROTOCOLS].join(', ')}.`,
      );
    });
  }
}
