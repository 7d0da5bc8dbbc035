/**
 * Kubernetes Events (events.k8s.io/v1) with machine-readable reasons: ReconciliationSucceeded,
 * ValidationFailed, Progressing, HealthCheckFailed, Pruned, ApplyFailed, Suspended, … The reconcile
 * loop emits one only when a state changes (it compares the status it writes with the one stored), so
 * a resync of an unchanged estate adds none. Notes pass through `redactCredentialPatterns`.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { ObjectRef } from '../plan/index.ts';
import { redactCredentialPatterns } from '../../lib/redact.ts';
import { kubeMicroTime } from '../../lib/time.ts';
import type { KubeRest } from './kube-rest.ts';

export const REPORTING_CONTROLLER = 'interlace.dev/controller';

export interface EventTarget extends ObjectRef {
  uid?: string;
}

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  note: string;
  /** What the controller was doing: Reconcile, Apply, Prune, Finalize. */
  action: string;
}

export class EventRecorder {
  private readonly rest: KubeRest;
  private readonly instance: string;

  constructor(rest: KubeRest, instance = process.env.POD_NAME ?? hostname()) {
    this.rest = rest;
    this.instance = instance.slice(0, 128);
  }

  /** Posts the event; a failure is returned, not thrown (an event is never worth failing a reconcile over). */
  async record(target: EventTarget, event: RecordedEvent): Promise<Error | undefined> {
    const namespace = target.namespace ?? 'default';
    const now = new Date();
    const eventTime = kubeMicroTime(now);
    const name = `${target.name.slice(0, 200)}.${now.getTime().toString(16)}${randomBytes(2).toString('hex')}`;
    try {
      await this.rest.create({
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
        eventTime,
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.instance,
        action: event.action,
        reason: event.reason,
        type: event.type,
        note: redactCredentialPatterns(event.note).slice(0, 1024),
        regarding: {
          apiVersion: target.apiVersion,
          kind: target.kind,
          name: target.name,
          namespace,
          ...(target.uid ? { uid: target.uid } : {}),
        },
      });
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }
}
