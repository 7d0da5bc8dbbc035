/**
 * kstatus conditions (metav1.Condition): a condition's `lastTransitionTime` changes only when its
 * status does, so a resync that finds the same state produces the same status — and no write.
 */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export type DesiredCondition = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/**
 * The conditions to write: `desired` in the given order, each keeping its previous transition time
 * when its status did not change. Condition types absent from `desired` are dropped (kstatus reads a
 * missing Reconciling or Stalled as False, which is what Flux writes too).
 */
export function mergeConditions(
  previous: readonly Condition[] | undefined,
  desired: readonly DesiredCondition[],
  generation: number | undefined,
  now: string,
): Condition[] {
  return desired.map((d) => {
    const before = previous?.find((c) => c.type === d.type);
    const lastTransitionTime = before && before.status === d.status ? before.lastTransitionTime : now;
    return {
      type: d.type,
      status: d.status,
      reason: d.reason,
      message: truncate(d.message, 4096),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime,
    };
  });
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
