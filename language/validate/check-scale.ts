import type { Scale } from '../kinds/generated/kinds.ts';
import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

/**
 * A unit's `spec.scale` (EventRoute, Api) must say one thing the controller can plan: a fixed
 * `replicas` or an `autoscale` range, and a range whose `min` is not above its `max`. The schema
 * allows both keys so that the mistake is reported here, once, at the line that makes it.
 */
export function checkScale(doc: SpecDocument, report: Reporter): void {
  if (doc.kind !== 'EventRoute' && doc.kind !== 'Api') return;
  const scale = doc.spec.scale as Scale | undefined;
  if (!scale) return;
  if (scale.replicas !== undefined && scale.autoscale !== undefined) {
    report.add(
      doc,
      'scale-invalid',
      ['spec', 'scale', 'replicas'],
      `scale sets both replicas (${scale.replicas}) and autoscale: the replicas would fight the autoscaler`,
      'Keep one: `replicas` for a fixed number of workers, or `autoscale: { min, max }` to let a HorizontalPodAutoscaler decide.',
      { key: true },
    );
  }
  const auto = scale.autoscale;
  const most = auto ? auto.max : (scale.replicas ?? 1);
  if (doc.kind === 'EventRoute' && doc.spec.ordering === 'per-key' && most > 1) {
    report.add(
      doc,
      'scale-per-key-order',
      ['spec', 'scale'],
      `this per-key route may run ${most} replicas, and per-key order is not kept across replicas: two workers can deliver a key's events out of order`,
      'Keep one replica (`scale: { replicas: 1 }`, or no scale) while per-key order matters; docs/delivery.md says why.',
      { key: true },
    );
  }
  if (auto?.min !== undefined && auto.min > auto.max) {
    report.add(
      doc,
      'scale-invalid',
      ['spec', 'scale', 'autoscale', 'min'],
      `autoscale.min (${auto.min}) is above autoscale.max (${auto.max})`,
      `Make min at most max, e.g. \`min: ${auto.max}, max: ${auto.min}\`.`,
    );
  }
}
