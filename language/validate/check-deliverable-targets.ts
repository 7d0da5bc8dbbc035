import type { EstateIndex } from './estate-index.ts';
import type { Reporter } from './report.ts';
import { didYouMean } from '../../lib/did-you-mean.ts';
import { X12_FUNCTIONAL_IDS } from './x12-transaction-sets.ts';

/**
 * The System endpoint protocols a route target can be delivered to: the runtime has an adapter for
 * each (`http`: an HTTP call, `nats`: a publish on the System's subjects, `file`: one file per message
 * in a local or SFTP directory). The worker refuses to start a route with any other target, so
 * validation refuses it first (issue 12, part 5).
 */
export const DELIVERABLE_PROTOCOLS: ReadonlySet<string> = new Set(['http', 'nats', 'file', 'edi-x12']);

/** The formats a `file` System's target writes (runtime/adapters/files/file-target-of.ts). */
export const FILE_TARGET_FORMATS: ReadonlySet<string> = new Set(['json', 'csv']);

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
      const format = resolved.target.spec.endpoint.format ?? 'json';
      if (protocol === 'file' && !FILE_TARGET_FORMATS.has(format)) {
        report.add(
          route,
          'route-target-undeliverable',
          ['spec', 'targets', i, 'system'],
          `target "${target.name}" writes files to System ${resolved.target.name} as \`${format}\`; a file target writes ${[...FILE_TARGET_FORMATS].join(' or ')}`,
          format === 'x12'
            ? 'X12 interchanges go to an EDI partner: a System with `protocol: edi-x12`.'
            : `Set the System's \`endpoint.format\` to ${[...FILE_TARGET_FORMATS].join(' or ')}.`,
        );
        return;
      }
      if (protocol === 'edi-x12' && !X12_FUNCTIONAL_IDS.has(target.operation ?? '')) {
        // The operation is the transaction set the target writes (ST01): the envelope needs it.
        const sets = [...X12_FUNCTIONAL_IDS.keys()];
        const guess = target.operation === undefined ? undefined : didYouMean(target.operation.replace(/\D/g, ''), sets);
        report.add(
          route,
          'route-target-undeliverable',
          ['spec', 'targets', i, target.operation === undefined ? 'system' : 'operation'],
          `target "${target.name}" writes X12 interchanges to System ${resolved.target.name}; its \`operation\` names the transaction set it writes (ST01), ${target.operation === undefined ? 'and it has none' : `not "${target.operation}"`}`,
          `Set \`operation:\` to the set the mapping makes${guess ? ` (did you mean "${guess}"?)` : ''}; X12 targets write ${sets.join(', ')}.`,
        );
        return;
      }
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
