/**
 * Keeps the revision annotation of objects whose content did not change: what planEstate does with
 * `options.previous`, applied to a finished plan, so a plan made in the gate worker process (which
 * never sees the cluster) can be completed here after the live objects were read. The content hash
 * is computed before the revision annotation is added, so it does not depend on the revision.
 */
import { ANNOTATION_REVISION } from '../plan/index.ts';
import type { Plan } from '../plan/index.ts';

export function withPreviousRevisions(plan: Plan, previous: ReadonlyMap<string, { contentHash: string; revision: string }>): Plan {
  return {
    ...plan,
    objects: plan.objects.map((p) => {
      const before = previous.get(p.key);
      if (!before || before.contentHash !== p.contentHash || p.object.metadata.annotations?.[ANNOTATION_REVISION] === before.revision)
        return p;
      return {
        ...p,
        object: {
          ...p.object,
          metadata: { ...p.object.metadata, annotations: { ...p.object.metadata.annotations, [ANNOTATION_REVISION]: before.revision } },
        },
      };
    }),
  };
}
