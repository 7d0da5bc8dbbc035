/**
 * The Estate's status after one reconcile, in the kstatus shape Flux uses: Ready / Reconciling /
 * Stalled, lastAttemptedRevision and lastAppliedRevision, the inventory pruning compares against, the
 * counts behind `interlace status`, and for a rejected revision its first diagnostics (file:line).
 * Pure: the same outcome over the same previous status gives the same status, so a resync that
 * finds nothing new writes nothing.
 */
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import { CONDITION_TYPES } from '../plan/index.ts';
import type { Health, MonitoringOutcome, ObjectRef } from '../plan/index.ts';
import { findCondition, mergeConditions } from './conditions.ts';
import type { Condition, DesiredCondition } from './conditions.ts';
import { redactCredentialPatterns } from '../../lib/redact.ts';

export interface EstateCounts {
  specs: number;
  units: number;
  objects: number;
  ready: number;
  progressing: number;
  degraded: number;
}

export interface StatusDiagnostic {
  file?: string;
  line?: number;
  column?: number;
  code: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  hint?: string;
}

export interface EstateStatus {
  conditions: Condition[];
  observedGeneration?: number;
  lastAttemptedRevision?: string;
  lastAppliedRevision?: string;
  health?: Health;
  message?: string;
  inventory?: { entries: ObjectRef[] };
  counts?: EstateCounts;
  diagnostics?: StatusDiagnostic[];
  diagnosticsTotal?: number;
  /** Routes with dead letters waiting (stored, neither replayed nor purged), read from the backbone. */
  deadLetters?: { route: string; count: number }[];
  /** All waiting dead letters of the estate (the `DLQ` printer column). */
  deadLetterCount?: number;
  /** The `interlace.dev/reconcile-requested-at` value the last reconcile handled (as Flux's field of the same name). */
  lastHandledReconcileAt?: string;
}

/** How many routes `status.deadLetters` lists (the CRD's maxItems); the count covers them all. */
export const STATUS_DEAD_LETTER_ROUTES_MAX = 100;

/** What one reconcile came to. */
export type EstateOutcome =
  | {
      kind: 'applied';
      revision: string;
      inventory: ObjectRef[];
      counts: EstateCounts;
      health: Health;
      healthMessage: string;
      /** Waiting dead letters per route; absent when they could not be read (the last known counts stay). */
      deadLetters?: readonly { route: string; count: number }[];
      /** The Prometheus Operator's objects (absent when the plan has none): MonitoringReady says what became of them. */
      monitoring?: MonitoringOutcome;
    }
  | { kind: 'rejected'; revision: string; stage: 'validate' | 'check' | 'generate' | 'plan'; diagnostics: readonly Diagnostic[] }
  | { kind: 'failed'; revision?: string; reason: string; message: string; stalled: boolean }
  | { kind: 'suspended' };

/** How many diagnostics the status keeps (the CRD's maxItems). */
export const STATUS_DIAGNOSTICS_MAX = 20;

export function estateStatus(
  outcome: EstateOutcome,
  previous: Partial<EstateStatus> | undefined,
  generation: number | undefined,
  now: string,
): EstateStatus {
  const keep = {
    ...(previous?.lastAppliedRevision ? { lastAppliedRevision: previous.lastAppliedRevision } : {}),
    ...(previous?.inventory ? { inventory: previous.inventory } : {}),
    ...(previous?.counts ? { counts: previous.counts } : {}),
    ...(previous?.health ? { health: previous.health } : {}),
    ...(previous?.deadLetters ? { deadLetters: previous.deadLetters } : {}),
    ...(previous?.deadLetterCount !== undefined ? { deadLetterCount: previous.deadLetterCount } : {}),
    ...(previous?.lastHandledReconcileAt ? { lastHandledReconcileAt: previous.lastHandledReconcileAt } : {}),
  };
  // MonitoringReady comes from applying; a reconcile that did not get that far keeps the last one.
  const previousMonitoring = findCondition(previous?.conditions, CONDITION_TYPES.MonitoringReady);
  const monitoring: DesiredCondition[] =
    outcome.kind === 'applied'
      ? outcome.monitoring
        ? [monitoringCondition(outcome.monitoring)]
        : []
      : previousMonitoring
        ? [
            {
              type: previousMonitoring.type,
              status: previousMonitoring.status,
              reason: previousMonitoring.reason,
              message: previousMonitoring.message,
            },
          ]
        : [];
  const build = (conditions: DesiredCondition[], fields: Partial<EstateStatus>): EstateStatus => {
    const desired = [...conditions, ...monitoring];
    for (const c of desired) c.message = redactCredentialPatterns(c.message);
    const status: EstateStatus = {
      conditions: mergeConditions(previous?.conditions, desired, generation, now),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      ...fields,
    };
    if (status.message) status.message = redactCredentialPatterns(status.message);
    return status;
  };

  switch (outcome.kind) {
    case 'applied': {
      const { revision, counts, health } = outcome;
      const base = {
        ...keep,
        lastAttemptedRevision: revision,
        lastAppliedRevision: revision,
        inventory: { entries: outcome.inventory },
        counts,
        health,
        ...(outcome.deadLetters ? deadLetterFields(outcome.deadLetters) : {}),
      };
      if (health === 'Degraded') {
        const message = `Applied revision ${revision}, but ${counts.degraded} of ${counts.units} units are degraded: ${outcome.healthMessage}`;
        return build([{ type: CONDITION_TYPES.Ready, status: 'False', reason: 'HealthCheckFailed', message }], { ...base, message });
      }
      if (health === 'Progressing') {
        const message = `Applied revision ${revision}; rolling out ${counts.progressing} of ${counts.units} units: ${outcome.healthMessage}`;
        return build(
          [
            { type: CONDITION_TYPES.Ready, status: 'False', reason: 'Progressing', message },
            { type: CONDITION_TYPES.Reconciling, status: 'True', reason: 'Progressing', message },
          ],
          { ...base, message },
        );
      }
      const message = `Applied revision ${revision}: ${counts.specs} specs, ${counts.units} units ready`;
      return build([{ type: CONDITION_TYPES.Ready, status: 'True', reason: 'ReconciliationSucceeded', message }], { ...base, message });
    }
    case 'rejected': {
      const errors = outcome.diagnostics.filter((d) => d.severity === 'error');
      const shown = (errors.length > 0 ? errors : outcome.diagnostics).slice(0, STATUS_DIAGNOSTICS_MAX).map(toStatusDiagnostic);
      const first = shown[0];
      const where = first?.file ? `${first.file}:${first.line ?? 1} ` : '';
      const message = `Revision ${outcome.revision} rejected by ${outcome.stage} (${errors.length} error${errors.length === 1 ? '' : 's'}); ${keep.lastAppliedRevision ? `${keep.lastAppliedRevision} keeps running` : 'nothing applied'}. First: ${where}${first ? `${first.code} ${first.message}` : ''}`;
      return build(
        [
          { type: CONDITION_TYPES.Ready, status: 'False', reason: 'ValidationFailed', message },
          { type: CONDITION_TYPES.Stalled, status: 'True', reason: 'ValidationFailed', message },
        ],
        { ...keep, lastAttemptedRevision: outcome.revision, message, diagnostics: shown, diagnosticsTotal: errors.length },
      );
    }
    case 'failed': {
      const message = outcome.message;
      const desired: DesiredCondition[] = [{ type: CONDITION_TYPES.Ready, status: 'False', reason: outcome.reason, message }];
      desired.push(
        outcome.stalled
          ? { type: CONDITION_TYPES.Stalled, status: 'True', reason: outcome.reason, message }
          : { type: CONDITION_TYPES.Reconciling, status: 'True', reason: 'RetryingAfterError', message },
      );
      return build(desired, {
        ...keep,
        ...(outcome.revision
          ? { lastAttemptedRevision: outcome.revision }
          : previous?.lastAttemptedRevision
            ? { lastAttemptedRevision: previous.lastAttemptedRevision }
            : {}),
        message,
      });
    }
    case 'suspended': {
      const previousConditions = (previous?.conditions ?? []).filter((c) => c.type !== CONDITION_TYPES.Reconciling);
      const status: EstateStatus = {
        ...keep,
        conditions: previousConditions,
        ...(previous?.lastAttemptedRevision ? { lastAttemptedRevision: previous.lastAttemptedRevision } : {}),
        ...(previous?.diagnostics
          ? { diagnostics: previous.diagnostics, diagnosticsTotal: previous.diagnosticsTotal ?? previous.diagnostics.length }
          : {}),
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
        health: 'Suspended',
        message: 'Reconciliation is suspended (spec.suspend); what is applied keeps running',
      };
      return status;
    }
  }
}

/**
 * MonitoringReady: True when the PrometheusRule and PodMonitor were applied; False, reason
 * CRDsNotInstalled, naming the missing CRDs, when the cluster has not the Prometheus Operator's kinds.
 */
function monitoringCondition(outcome: MonitoringOutcome): DesiredCondition {
  const names = (refs: readonly ObjectRef[]) => refs.map((r) => `${r.kind} ${r.namespace}/${r.name}`).join(', ');
  if ('applied' in outcome)
    return { type: CONDITION_TYPES.MonitoringReady, status: 'True', reason: 'Applied', message: `Applied ${names(outcome.applied)}` };
  return {
    type: CONDITION_TYPES.MonitoringReady,
    status: 'False',
    reason: 'CRDsNotInstalled',
    message: `The cluster has no ${outcome.missing.join(', ')} (the Prometheus Operator's CRDs): ${names(outcome.skipped)} not applied. Install the CRDs; the next reconcile applies them.`,
  };
}

/** The status fields of dead-letter counts: routes with any waiting (most first, then by name) and the total. */
function deadLetterFields(routes: readonly { route: string; count: number }[]): Pick<EstateStatus, 'deadLetters' | 'deadLetterCount'> {
  const waiting = routes
    .filter((r) => r.count > 0)
    .sort((a, b) => b.count - a.count || (a.route < b.route ? -1 : a.route > b.route ? 1 : 0))
    .slice(0, STATUS_DEAD_LETTER_ROUTES_MAX)
    .map((r) => ({ route: r.route, count: r.count }));
  return { deadLetters: waiting, deadLetterCount: routes.reduce((n, r) => n + r.count, 0) };
}

export function toStatusDiagnostic(d: Diagnostic): StatusDiagnostic {
  return {
    ...(d.file ? { file: d.file, line: d.range.start.line, column: d.range.start.column } : {}),
    code: d.code,
    severity: d.severity,
    message: redactCredentialPatterns(d.message).slice(0, 4000),
    ...(d.hint ? { hint: redactCredentialPatterns(d.hint).slice(0, 4000) } : {}),
  };
}
