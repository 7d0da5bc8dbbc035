import { createHash } from 'node:crypto';
import type { Backbone, Delivery, Subscription } from '../backbone/backbone.ts';
import type { Logger } from '../observe/logger.ts';
import type { RuntimeMetrics } from '../observe/metrics.ts';
import { businessKeysOf } from '../observe/business-keys.ts';
import { formatTraceparent, parseTraceparent } from '../observe/trace.ts';
import type { Span, Tracer } from '../observe/trace.ts';
import { runAttempts } from './attempts.ts';
import { deadLetterOf, publishDeadLetter } from './dead-letter.ts';
import type { DeadLetterKind } from './dead-letter.ts';
import { ContractViolation, classifyFailure } from './failures.ts';
import type { ClassifiedFailure } from './failures.ts';
import type { AttemptRecord, IdempotencyStore } from './idempotency-store.ts';
import { KeySequencer } from './key-sequencer.ts';
import type { RouteTargetRuntime } from './route-target.ts';
import type { SystemBudgets } from './system-budget.ts';

export interface PipelineDeps {
  backbone: Backbone;
  store: IdempotencyStore;
  budgets: SystemBudgets;
  metrics: RuntimeMetrics;
  logger: Logger;
  tracer: Tracer;
  /** Identifies this worker process in reservations (host:pid:random). */
  owner: string;
  /** The backbone's ack deadline for these subscriptions; the pipeline heartbeats at half of it. */
  ackWaitMs?: number;
  random?: () => number;
}

/** Outcome of one delivery, as counted in `interlace_route_messages_total{outcome}`. */
export type Outcome = 'delivered' | 'dead_lettered' | 'duplicate' | 'filtered' | 'parked' | 'abandoned' | 'busy';

/**
 * The durable consumer name of a route target (`<route>__<target>`; consumer names allow no dots):
 * each target has its own, so one slow or failing target never holds back another.
 */
export function consumerName(route: string, target: string): string {
  return `${route}__${target}`;
}

/**
 * Consumes one route's source topic for one target and delivers each event exactly once in effect:
 * decode → filter → key → (per-key: wait for the key, skip to the dead letter when the key is parked)
 * → reserve the idempotency key (a committed key is a duplicate: ack, count, no effect) → map and
 * validate (a violation is permanent) → attempts (runAttempts: the only retry layer) → commit and ack,
 * or dead-letter with reason and attempt history, release, park the key (per-key), and ack.
 */
export class RouteTargetConsumer {
  private readonly rt: RouteTargetRuntime;
  private readonly deps: PipelineDeps;
  private readonly sequencer = new KeySequencer();
  private readonly stopController = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private subscription: Subscription | undefined;
  private readonly log: Logger;

  constructor(rt: RouteTargetRuntime, deps: PipelineDeps) {
    this.rt = rt;
    this.deps = deps;
    this.log = deps.logger.child({ route: rt.route, target: rt.target });
  }

  get scope(): string {
    return consumerName(this.rt.route, this.rt.target);
  }

  async start(): Promise<void> {
    const { backbone } = this.deps;
    await backbone.ensureTopic(this.rt.sourceTopic);
    await backbone.ensureTopic(this.rt.policy.deadLetterTopic);
    await this.rt.destination.prepare?.();
    this.subscription = await backbone.subscribe(this.rt.sourceTopic, this.scope, (delivery) => this.track(this.handle(delivery)), {
      maxInFlight: this.rt.policy.concurrency,
      ackWaitMs: this.deps.ackWaitMs ?? 30_000,
    });
  }

  /** Stops consuming; deliveries in their backoff are abandoned (nak) and redelivered later, elsewhere. */
  async stop(graceMs = 5_000): Promise<void> {
    await this.subscription?.stop();
    this.stopController.abort();
    const all = Promise.allSettled([...this.inFlight]);
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async handle(delivery: Delivery): Promise<void> {
    const rt = this.rt;
    const parent = parseTraceparent(delivery.headers['traceparent']);
    const span = this.deps.tracer.startSpan(`deliver ${rt.route}/${rt.target}`, { ...(parent ? { parent } : {}), attributes: { 'interlace.route': rt.route, 'interlace.target': rt.target, 'messaging.destination': rt.sourceTopic, 'messaging.message.sequence': delivery.sequence, 'messaging.delivery_count': delivery.deliveryCount } });
    try {
      let event: unknown;
      try {
        event = JSON.parse(Buffer.from(delivery.payload).toString('utf8'));
      } catch (error) {
        await this.deadLetter(delivery, span, 'permanent', { kind: 'permanent', reason: 'undecodable', message: `the payload is not JSON: ${(error as Error).message}` }, [], '', undefined, {});
        return;
      }
      if (rt.filter && !rt.filter(event)) {
        this.count('filtered');
        await delivery.ack();
        return;
      }
      const key = rt.keyOf(event) ?? delivery.key;
      const businessKeys = businessKeysOf(event, rt.sourceBusinessKeys);
      span.setAttributes(prefixed(businessKeys));
      const run = () => this.deliverOne(delivery, event, key, businessKeys, span);
      if (rt.ordering === 'per-key' && key !== undefined) await this.sequencer.run(key, run);
      else await run();
    } catch (error) {
      // An infrastructure failure (the store, the backbone): leave the message to be redelivered.
      span.fail(error);
      this.log.error('delivery failed before a decision; the message will be redelivered', { error, sequence: delivery.sequence });
      await delivery.nak(1000).catch(() => {});
    } finally {
      span.end();
    }
  }

  private async deliverOne(delivery: Delivery, event: unknown, key: string | undefined, businessKeys: Record<string, string>, span: Span): Promise<void> {
    const { rt, deps } = this;
    const idempotencyKey = this.idempotencyKeyOf(delivery, key);
    if (rt.ordering === 'per-key' && key !== undefined) {
      const parked = await deps.store.parked(this.scope, key);
      if (parked) {
        await this.deadLetter(delivery, span, 'parked', { kind: 'permanent', reason: 'key-parked', message: `key ${key} is parked behind dead-lettered message #${parked.sequence} (${parked.reason}); replay that one first` }, [], idempotencyKey, key, businessKeys);
        return;
      }
    }
    const leaseMs = Math.max(60_000, 2 * (deps.ackWaitMs ?? 30_000));
    const reservation = await deps.store.reserve(idempotencyKey, deps.owner, leaseMs);
    if (reservation.status === 'committed') {
      deps.metrics.duplicatesSuppressed.inc({ route: rt.route, target: rt.target });
      this.count('duplicate');
      span.setAttribute('interlace.outcome', 'duplicate');
      this.log.info('duplicate suppressed: the effect was already committed', { sequence: delivery.sequence, delivery_count: delivery.deliveryCount, ...businessKeys });
      await delivery.ack();
      return;
    }
    if (reservation.status === 'busy') {
      // Another worker holds a live reservation: let it finish; come back when its lease ends.
      this.count('busy');
      await delivery.nak(Math.min(reservation.retryInMs, 30_000));
      return;
    }

    const started = performance.now();
    const heartbeat = setInterval(() => {
      void delivery.working().catch(() => {});
      void deps.store.extend(idempotencyKey, deps.owner, leaseMs).catch(() => {});
    }, Math.max(250, (deps.ackWaitMs ?? 30_000) / 2));
    heartbeat.unref();
    try {
      let payload: unknown;
      try {
        const sourceProblems = rt.validateSource?.(event);
        if (sourceProblems) throw new ContractViolation(`the event breaks its contract: ${sourceProblems.join('; ')}`, sourceProblems);
        payload = rt.map(event);
        const targetProblems = rt.validateTarget?.(payload);
        if (targetProblems) throw new ContractViolation(`the mapped payload breaks the target contract: ${targetProblems.join('; ')}`, targetProblems);
      } catch (error) {
        const failure = classifyFailure(error, rt.policy.permanentOn);
        const attempt: AttemptRecord = { at: new Date().toISOString(), reason: failure.reason, error: failure.message };
        await this.deadLetter(delivery, span, 'permanent', failure, [...reservation.attempts, attempt], idempotencyKey, key, businessKeys, started);
        return;
      }
      Object.assign(businessKeys, businessKeysOf(payload, rt.targetBusinessKeys));
      span.setAttributes(prefixed(businessKeys));
      const headers: Record<string, string> = { traceparent: formatTraceparent(span.context), 'interlace-route': rt.route, 'interlace-target': rt.target };
      const result = await runAttempts(
        (signal, timeoutMs) => rt.destination.send({ payload, headers, orderingKey: key, idempotencyKey, timeoutMs, signal }),
        {
          policy: rt.policy,
          budget: rt.destination.system ? deps.budgets.get(rt.destination.system) : undefined,
          previous: reservation.attempts,
          stop: this.stopController.signal,
          ...(deps.random ? { random: deps.random } : {}),
          onFailedAttempt: async (attempt, failure, willRetry) => {
            deps.metrics.attempts.inc({ route: rt.route, target: rt.target, result: failure.kind });
            if (willRetry) await deps.store.recordAttempt(idempotencyKey, deps.owner, attempt);
            this.log.info(willRetry ? 'attempt failed; retrying' : 'attempt failed', { sequence: delivery.sequence, reason: failure.reason, status: failure.status, attempt: reservation.attempts.length + 1, ...businessKeys });
          },
        },
      );
      if (result.ok) {
        await deps.store.commit(idempotencyKey, deps.owner);
        deps.metrics.attempts.inc({ route: rt.route, target: rt.target, result: 'ok' });
        this.count('delivered');
        deps.metrics.deliveryLatency.observe({ route: rt.route, target: rt.target, outcome: 'delivered' }, (performance.now() - started) / 1000);
        span.setAttribute('interlace.outcome', 'delivered');
        this.log.debug('delivered', { sequence: delivery.sequence, attempts: result.attempts.length - reservation.attempts.length + 1, ...businessKeys });
        await delivery.ack();
        return;
      }
      if (result.abandoned) {
        await deps.store.release(idempotencyKey, deps.owner).catch(() => {});
        this.count('abandoned');
        await delivery.nak(0).catch(() => {});
        return;
      }
      await this.deadLetter(delivery, span, result.exhausted ? 'exhausted' : 'permanent', result.failure, result.attempts, idempotencyKey, key, businessKeys, started);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Publishes the dead letter, then releases the reservation (a replay may deliver), parks the key on
   * per-key routes, and acks. If the dead letter cannot be stored the message is nak'ed, never acked.
   */
  private async deadLetter(delivery: Delivery, span: Span, kind: DeadLetterKind, failure: ClassifiedFailure, attempts: AttemptRecord[], idempotencyKey: string, key: string | undefined, businessKeys: Record<string, string>, started?: number): Promise<void> {
    const { rt, deps } = this;
    const letter = deadLetterOf(delivery, {
      route: rt.route, target: rt.target, ...(rt.destination.system ? { system: rt.destination.system } : {}),
      kind, reason: `${failure.reason}: ${failure.message}`, idempotencyKey, ...(key !== undefined ? { orderingKey: key } : {}), businessKeys, attempts,
    });
    try {
      await publishDeadLetter(deps.backbone, rt.policy.deadLetterTopic, letter, { traceparent: formatTraceparent(span.context) });
    } catch (error) {
      this.log.error('the dead letter could not be stored; the message will be redelivered', { error, sequence: delivery.sequence, ...businessKeys });
      if (idempotencyKey) await deps.store.release(idempotencyKey, deps.owner).catch(() => {});
      await delivery.nak(5000);
      return;
    }
    if (idempotencyKey) await deps.store.release(idempotencyKey, deps.owner);
    if (rt.ordering === 'per-key' && key !== undefined && kind !== 'parked') {
      await deps.store.park(this.scope, key, { sequence: delivery.sequence, reason: failure.reason, at: new Date().toISOString() });
    }
    const outcome = kind === 'parked' ? 'parked' : 'dead_lettered';
    this.count(outcome);
    deps.metrics.deadLetterDepth.inc({ route: rt.route, target: rt.target, topic: rt.policy.deadLetterTopic });
    if (started !== undefined) deps.metrics.deliveryLatency.observe({ route: rt.route, target: rt.target, outcome }, (performance.now() - started) / 1000);
    span.setAttribute('interlace.outcome', outcome);
    span.fail(new Error(letter.reason));
    this.log.warn(kind === 'parked' ? 'dead-lettered behind its parked key' : 'dead-lettered', { sequence: delivery.sequence, kind, reason: failure.reason, status: failure.status, attempts: attempts.length, dead_letter_topic: rt.policy.deadLetterTopic, ...businessKeys });
    await delivery.ack();
  }

  /**
   * Route, target, the entity's key and the event's identity: the message id when the publisher set
   * one (a source event id), else a hash of the payload. The same event for the same entity is one
   * effect; a later event about the same entity is a new one.
   */
  private idempotencyKeyOf(delivery: Delivery, key: string | undefined): string {
    const event = delivery.messageId ?? createHash('sha256').update(delivery.payload).digest('base64url');
    return `${this.rt.route}/${this.rt.target}/${key ?? ''}/${event}`;
  }

  private count(outcome: Outcome): void {
    this.deps.metrics.messages.inc({ route: this.rt.route, target: this.rt.target, outcome });
  }
}

function prefixed(keys: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(keys)) out[`interlace.business_key.${name}`] = value;
  return out;
}
