import type { Scale } from '../kinds/generated/kinds.ts';
import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

/**
 * A unit's `spec.scale` (EventRoute, Api) must say one thing the controller can plan: a fixed
 * `replicas` or an `autoscale` range, and a range whose `min` is not above its `max`. The schema
 * allows both keys so that the mistake is reported here, once, at the line that makes it. An
 * `ordering: per-key` route may scale like any other: its order holds across replicas on the NATS
 * backbone (docs/delivery.md, decision 0015).
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
