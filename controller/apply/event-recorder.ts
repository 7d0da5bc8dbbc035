/**
 * Kubernetes Events (events.k8s.io/v1) with machine-readable reasons: ReconciliationSucceeded,
 * ValidationFailed, Progressing, HealthCheckFailed, Pruned, ApplyFailed, Suspended, … The reconcile
 * loop emits one only when a state changes (it compares the status it writes with the one stored), so
 * a resync of an unchanged estate adds none. Notes pass through `redactCredentialPatterns`.
 *
 * A state that flaps (a pod crash-looping in and out of Ready) would still post one Event per change,
 * so each object's Events are rate-limited as client-go's spam filter does it: a burst of 25, then one
 * per 5 minutes per object; what is over is dropped and counted ({@link EventRecorder.dropped}).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { ObjectRef } from '../plan/index.ts';
import { redactCredentialPatterns } from '../../lib/redact.ts';
import { kubeMicroTime } from '../../lib/time.ts';
import { TokenBucket } from '../../lib/token-bucket.ts';
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

/** Per-object limit of Events (client-go's EventSourceObjectSpamFilter defaults: burst 25, one per 5 min). */
interface EventRateLimit {
  burst: number;
  /** One more Event is allowed every `refillMs`. */
  refillMs: number;
}

const DEFAULT_EVENT_RATE_LIMIT: EventRateLimit = { burst: 25, refillMs: 5 * 60_000 };
/** Objects whose buckets are remembered; the oldest is forgotten past this (a forgotten object starts with a full burst). */
const MAX_TRACKED_OBJECTS = 4096;

export class EventRecorder {
  private readonly rest: KubeRest;
  private readonly instance: string;
  private readonly limit: EventRateLimit;
  private readonly buckets = new Map<string, TokenBucket>();
  /** Events dropped by the rate limit since the recorder was made. */
  dropped = 0;

  constructor(rest: KubeRest, instance = process.env.POD_NAME ?? hostname(), limit: EventRateLimit = DEFAULT_EVENT_RATE_LIMIT) {
    this.rest = rest;
    this.instance = instance.slice(0, 128);
    this.limit = limit;
  }

  /**
   * Posts the event; a failure is returned, not thrown (an event is never worth failing a reconcile
   * over). An event over the object's rate limit is dropped (counted in {@link dropped}), not an error.
   */
  async record(target: EventTarget, event: RecordedEvent): Promise<Error | undefined> {
    const namespace = target.namespace ?? 'default';
    if (!this.allowed(`${target.apiVersion}/${target.kind}/${namespace}/${target.name}`)) {
      this.dropped++;
      return undefined;
    }
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

  private allowed(key: string): boolean {
    let bucket = this.buckets.get(key);
    if (bucket)
      this.buckets.delete(key); // re-inserted below: the map stays in least-recently-used order
    else {
      bucket = new TokenBucket(1, this.limit.refillMs, this.limit.burst);
      if (this.buckets.size >= MAX_TRACKED_OBJECTS) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(key, bucket);
    return bucket.tryTake().ok;
  }
}
