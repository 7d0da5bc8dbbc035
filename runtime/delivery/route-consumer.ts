import { createHash } from 'node:crypto';
import type { Backbone, Delivery, Subscription } from '../backbone/backbone.ts';
import type { Logger } from '../../lib/log.ts';
import type { RuntimeMetrics } from '../observe/metrics.ts';
import { businessKeyAttributes, businessKeysOf } from '../observe/business-keys.ts';
import { formatTraceparent, parseTraceparent } from '../observe/trace.ts';
import type { Span, Tracer } from '../observe/trace.ts';
import { runAttempts } from './attempts.ts';
import { IDEMPOTENCY_KEY_HEADER, deadLetterOf, publishDeadLetter } from './dead-letter.ts';
import type { DeadLetterKind } from './dead-letter.ts';
import { ContractViolation, classifyFailure } from './failures.ts';
import type { ClassifiedFailure } from './failures.ts';
import { countedAttempts } from './idempotency-store.ts';
import type { AttemptRecord, IdempotencyStore } from './idempotency-store.ts';
import { KeySequencer } from './key-sequencer.ts';
import { KeyTurns, TurnAbandoned } from './key-turns.ts';
import type { KeyGateStore } from './kv-key-gate.ts';
import type { RouteTargetRuntime } from './route-target.ts';
import type { SystemBudgets } from './system-budget.ts';
import { SOURCE_TIME_HEADER, sourceTimeOf } from './source-time.ts';

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
  /**
   * The shared per-key gate (NATS: a Key-Value bucket). With it, and a backbone that has `ackFloor`,
   * an `ordering: per-key` target keeps its order across any number of replicas (key-turns.ts);
   * without it only inside this process (key-sequencer.ts).
   */
  keyGates?: KeyGateStore;
  random?: () => number;
}

/** Outcome of one delivery, as counted in `interlace_route_messages_total{outcome}`. */
export type Outcome = 'delivered' | 'dead_lettered' | 'duplicate' | 'filtered' | 'parked' | 'abandoned' | 'busy';

/** Outcomes after which the message needs nothing more: a redelivery of it is a duplicate. */
const FINAL: ReadonlySet<Outcome> = new Set<Outcome>(['delivered', 'dead_lettered', 'duplicate', 'parked']);

/** What one delivery decided (set when it is counted, before the ack that may fail). */
interface Decision {
  /** The message's position in the source topic (the same on every redelivery of it). */
  sequence: number;
  outcome?: Outcome;
}

/**
 * How many settled messages a consumer remembers by sequence. A message whose ack was lost (the
 * broker restarted, its consumer state rolled back) comes again; when this process decided it
 * already, the redelivery is acked as a duplicate without a second decision — so a filtered or
 * dead-lettered message is not counted (or attempted, or dead-lettered) twice. Beyond this memory the
 * idempotency store still prevents a second effect.
 */
const SETTLED_MEMORY = 16_384;

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
  /** Per-key order across replicas, when the deps have a shared gate (see PipelineDeps.keyGates). */
  private readonly turns: KeyTurns | undefined;
  private readonly stopController = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  /** Idempotency keys being delivered by this consumer → the outcome their delivery will decide. */
  private readonly active = new Map<string, Promise<Outcome | undefined>>();
  /** Sequences this consumer is handling (from receipt to decision) → resolves when that handling ended. */
  private readonly handling = new Map<number, Promise<void>>();
  /** Sequences this consumer settled with a final outcome, oldest first (at most SETTLED_MEMORY). */
  private readonly settled = new Map<number, Outcome>();
  private subscription: Subscription | undefined;
  private readonly log: Logger;

  constructor(rt: RouteTargetRuntime, deps: PipelineDeps) {
    this.rt = rt;
    this.deps = deps;
    this.log = deps.logger.child({ route: rt.route, target: rt.target });
    // Not for the replay consumer: a replay is an operator's decision, in the order the operator chose.
    if (rt.ordering === 'per-key' && !rt.replay && deps.keyGates && deps.backbone.ackFloor)
      this.turns = new KeyTurns({
        backbone: deps.backbone,
        topic: rt.sourceTopic,
        consumer: this.scope,
        gate: deps.keyGates,
        keyOf: (message) => this.orderingKeyOf(message.payload, message.key),
        stop: this.stopController.signal,
        logger: this.log,
        heldHere: (sequence) => this.handling.has(sequence),
      });
  }

  /**
   * The ordering key of a stored message as handle() computes it: undefined for a payload that is not
   * JSON or that the filter drops (neither is delivered, so nothing waits for it).
   */
  private orderingKeyOf(payload: Uint8Array, headerKey: string | undefined): string | undefined {
    try {
      const event: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
      if (this.rt.filter && !this.rt.filter(event)) return undefined;
      return this.rt.keyOf(event) ?? headerKey;
    } catch {
      return undefined;
    }
  }

  /** Deliveries received and not yet settled (waiting, attempting, backing off between retries). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** The topic this consumer reads (the route's source topic, or the target's replay topic). */
  get sourceTopic(): string {
    return this.rt.sourceTopic;
  }

  get scope(): string {
    return consumerName(this.rt.route, this.rt.target);
  }

  async start(): Promise<void> {
    const { backbone } = this.deps;
    await backbone.ensureTopic(this.rt.sourceTopic);
    // The dead-letter topic's retention, applied at every start: a changed or removed limit takes effect.
    await backbone.ensureTopic(this.rt.policy.deadLetterTopic, {
      ...(this.rt.policy.deadLetterMaxAgeMs !== undefined ? { maxAgeMs: this.rt.policy.deadLetterMaxAgeMs } : {}),
      ...(this.rt.policy.deadLetterMaxMessages !== undefined ? { maxMessages: this.rt.policy.deadLetterMaxMessages } : {}),
    });
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
    const span = this.deps.tracer.startSpan(`deliver ${rt.route}/${rt.target}`, {
      ...(parent ? { parent } : {}),
      attributes: {
        'interlace.route': rt.route,
        'interlace.target': rt.target,
        'messaging.destination': rt.sourceTopic,
        'messaging.message.sequence': delivery.sequence,
        'messaging.delivery_count': delivery.deliveryCount,
      },
    });
    // Kept alive from receipt to decision: a delivery waits behind its key (per-key ordering), behind an
    // earlier delivery of the same message or for the System's budget, and on a busy worker that can take
    // longer than the ack deadline. Without heartbeats the backbone redelivers it meanwhile, and every
    // redelivery is more work for the same busy worker.
    const heartbeat = setInterval(
      () => {
        void delivery.working().catch(() => {});
      },
      Math.max(250, (this.deps.ackWaitMs ?? 30_000) / 3),
    );
    heartbeat.unref();
    let handled: { end: () => void } | undefined;
    if (delivery.deliveryCount > 1)
      this.log.info('redelivered', {
        sequence: delivery.sequence,
        delivery_count: delivery.deliveryCount,
        still_handling: this.handling.has(delivery.sequence),
        settled_as: this.settled.get(delivery.sequence),
      });
    try {
      // A redelivery of a message this consumer is still handling (its ack deadline passed on a busy
      // worker or while the broker restarted): wait for that handling to end, then decide from its
      // outcome — it never runs beside it, in the key's queue or at the target.
      for (let first = this.handling.get(delivery.sequence); first; first = this.handling.get(delivery.sequence)) await first;
      // (Whatever the delivery count says: a broker that lost its consumer state counts from 1 again.)
      const earlier = this.settled.get(delivery.sequence);
      if (earlier !== undefined) {
        this.duplicate(
          delivery,
          span,
          {},
          `this worker ${earlier === 'filtered' ? 'filtered' : earlier.replace('_', '-')} it already; its ack was lost`,
          { sequence: delivery.sequence },
        );
        await delivery.ack();
        return;
      }
      const ending = { end: () => {} };
      this.handling.set(
        delivery.sequence,
        new Promise<void>((resolve) => {
          ending.end = resolve;
        }),
      );
      handled = ending;
      let event: unknown;
      try {
        event = JSON.parse(Buffer.from(delivery.payload).toString('utf8'));
      } catch (error) {
        this.turns?.noteDelivered(delivery.sequence, undefined);
        await this.deadLetter(
          delivery,
          span,
          'permanent',
          { kind: 'permanent', reason: 'undecodable', message: `the payload is not JSON: ${(error as Error).message}` },
          [],
          '',
          undefined,
          undefined,
          {},
          undefined,
          { sequence: delivery.sequence },
        );
        return;
      }
      if (rt.filter && !rt.filter(event)) {
        this.turns?.noteDelivered(delivery.sequence, undefined);
        this.count('filtered', { sequence: delivery.sequence });
        await delivery.ack();
        return;
      }
      const key = rt.keyOf(event) ?? delivery.key;
      const businessKeys = businessKeysOf(event, rt.sourceBusinessKeys);
      span.setAttributes(businessKeyAttributes(businessKeys));
      this.turns?.noteDelivered(delivery.sequence, key);
      if (this.turns && key !== undefined) await this.inTurn(this.turns, delivery, event, key, businessKeys, span);
      else if (rt.ordering === 'per-key' && key !== undefined)
        await this.sequencer.run(key, () => this.deliverOne(delivery, event, key, businessKeys, span));
      else await this.deliverOne(delivery, event, key, businessKeys, span);
    } catch (error) {
      // An infrastructure failure (the store, the backbone): leave the message to be redelivered.
      span.fail(error);
      this.log.error('delivery failed before a decision; the message will be redelivered', {
        error,
        sequence: delivery.sequence,
        delivery_count: delivery.deliveryCount,
      });
      await delivery.nak(1000).catch(() => {});
    } finally {
      clearInterval(heartbeat);
      if (handled) {
        this.handling.delete(delivery.sequence);
        handled.end();
      }
      span.end();
    }
  }

  /**
   * Per-key order across replicas: waits until every earlier message of the key was decided (by any
   * replica), delivers, and moves the key's gate on before the ack — every ack of deliverOne follows a
   * final decision — so the key's next message, wherever it is, may go.
   */
  private async inTurn(
    turns: KeyTurns,
    delivery: Delivery,
    event: unknown,
    key: string,
    businessKeys: Record<string, string>,
    span: Span,
  ): Promise<void> {
    try {
      await turns.awaitTurn(key, delivery.sequence);
    } catch (error) {
      if (!(error instanceof TurnAbandoned)) throw error;
      this.count('abandoned', { sequence: delivery.sequence });
      await delivery.nak(0).catch(() => {});
      return;
    }
    const gated: Delivery = {
      ...delivery,
      ack: async () => {
        await turns.passed(key, delivery.sequence);
        await delivery.ack();
      },
    };
    await this.deliverOne(gated, event, key, businessKeys, span);
  }

  private async deliverOne(
    delivery: Delivery,
    event: unknown,
    key: string | undefined,
    businessKeys: Record<string, string>,
    span: Span,
  ): Promise<void> {
    const { rt, deps } = this;
    const idempotencyKey = this.idempotencyKeyOf(delivery, key);
    const decision: Decision = { sequence: delivery.sequence };
    if (rt.ordering === 'per-key' && key !== undefined) {
      const parked = await deps.store.parked(this.scope, key);
      if (parked) {
        await this.deadLetter(
          delivery,
          span,
          'parked',
          {
            kind: 'permanent',
            reason: 'key-parked',
            message: `key ${key} is parked behind dead-lettered message #${parked.sequence} (${parked.reason}); replay that one first`,
          },
          [],
          idempotencyKey,
          undefined,
          key,
          businessKeys,
          undefined,
          decision,
        );
        return;
      }
    }
    // Another message with the same idempotency key is being delivered by this consumer (the same event
    // stored twice, e.g. published again after the backbone's de-duplication window): wait for that
    // delivery's outcome and attach to it. Never call the target a second time concurrently.
    for (let first = this.active.get(idempotencyKey); first; first = this.active.get(idempotencyKey)) {
      const outcome = await first;
      if (outcome !== undefined && FINAL.has(outcome)) {
        this.duplicate(delivery, span, businessKeys, `its first delivery was ${outcome.replace('_', '-')} meanwhile`, decision);
        await delivery.ack();
        return;
      }
      // The first delivery was abandoned or undecided: this one takes over (through the store).
    }
    let settle: (outcome: Outcome | undefined) => void = () => {};
    this.active.set(
      idempotencyKey,
      new Promise((resolve) => {
        settle = resolve;
      }),
    );
    try {
      await this.reserveAndDeliver(delivery, event, key, idempotencyKey, businessKeys, span, decision);
    } finally {
      this.active.delete(idempotencyKey);
      settle(decision.outcome);
    }
  }

  private duplicate(delivery: Delivery, span: Span, businessKeys: Record<string, string>, why: string, decision?: Decision): void {
    const { rt, deps } = this;
    deps.metrics.duplicatesSuppressed.inc({ route: rt.route, target: rt.target });
    this.count('duplicate', decision);
    span.setAttribute('interlace.outcome', 'duplicate');
    this.log.info(`duplicate suppressed: ${why}`, {
      sequence: delivery.sequence,
      delivery_count: delivery.deliveryCount,
      ...businessKeys,
    });
  }

  private async reserveAndDeliver(
    delivery: Delivery,
    event: unknown,
    key: string | undefined,
    idempotencyKey: string,
    businessKeys: Record<string, string>,
    span: Span,
    decision: Decision,
  ): Promise<void> {
    const { rt, deps } = this;
    const leaseMs = Math.max(60_000, 2 * (deps.ackWaitMs ?? 30_000));
    const reservation = await deps.store.reserve(idempotencyKey, deps.owner, leaseMs);
    if (reservation.status === 'committed') {
      this.duplicate(delivery, span, businessKeys, 'the effect was already committed', decision);
      await delivery.ack();
      return;
    }
    if (reservation.status === 'busy') {
      // Another delivery holds a live reservation (another worker, or this worker's replay consumer):
      // let it finish; come back when its lease ends.
      this.count('busy', decision);
      await delivery.nak(Math.min(reservation.retryInMs, 30_000));
      return;
    }
    const token = reservation.token;
    let ended = false;
    const end = () => {
      ended = true;
    };

    const started = performance.now();
    // (handle() keeps the delivery alive on the backbone; this keeps the reservation's lease.)
    const heartbeat = setInterval(
      () => {
        void deps.store.extend(idempotencyKey, token, leaseMs).catch(() => {});
      },
      Math.max(250, (deps.ackWaitMs ?? 30_000) / 2),
    );
    heartbeat.unref();
    try {
      // A permanent failure before any call of the target: dead letter with the attempts so far.
      const failBeforeSend = (error: unknown, spent: readonly AttemptRecord[]) => {
        const failure = classifyFailure(error, rt.policy.permanentOn);
        const attempt: AttemptRecord = { at: new Date().toISOString(), reason: failure.reason, error: failure.message };
        return this.deadLetter(
          delivery,
          span,
          'permanent',
          failure,
          [...spent, attempt],
          idempotencyKey,
          token,
          key,
          businessKeys,
          started,
          decision,
          end,
        );
      };
      const onFailedAttempt = async (attempt: AttemptRecord, failure: ClassifiedFailure, willRetry: boolean) => {
        deps.metrics.attempts.inc({ route: rt.route, target: rt.target, result: attempt.probe ? 'probe' : failure.kind });
        // Bookkeeping for a takeover after a crash, not a decision: a store that is away (the broker
        // restarting) must not turn a failed attempt into an infrastructure failure of the delivery.
        if (willRetry)
          await deps.store.recordAttempt(idempotencyKey, token, attempt).catch((error: unknown) => {
            this.log.warn('the failed attempt could not be recorded', { error, sequence: delivery.sequence });
          });
        this.log.info(
          attempt.probe
            ? "the circuit's trial call failed; waiting for the System"
            : willRetry
              ? 'attempt failed; retrying'
              : 'attempt failed',
          {
            sequence: delivery.sequence,
            idempotency_key: idempotencyKey,
            reason: failure.reason,
            status: failure.status,
            attempt: countedAttempts(reservation.attempts) + 1,
            ...businessKeys,
          },
        );
      };
      let previous = reservation.attempts;
      let enriched: Record<string, unknown> | undefined;
      if (rt.enrich) {
        // Enrichment (spec.enrich): the mapping's System calls, before the mapping, under the same
        // policy and attempt budget as the delivery (a 503 is retried, a 404 is permanent). A message
        // its contract refuses costs no call.
        const sourceProblems = rt.validateSource?.(event);
        if (sourceProblems) {
          await failBeforeSend(
            new ContractViolation(`the event breaks its contract: ${sourceProblems.join('; ')}`, sourceProblems),
            previous,
          );
          return;
        }
        const enrichment = rt.enrich;
        const got = await runAttempts(
          async (signal, timeoutMs) => {
            enriched = await enrichment.resolve(event, { signal, timeoutMs, budgets: deps.budgets });
          },
          {
            policy: rt.policy,
            budget: undefined, // each lookup waits for its own System's budget (enrichment.ts)
            previous,
            stop: this.stopController.signal,
            ...(deps.random ? { random: deps.random } : {}),
            onFailedAttempt,
          },
        );
        if (!got.ok && got.abandoned) {
          await deps.store.release(idempotencyKey, token).catch(() => {});
          end();
          this.count('abandoned', decision);
          await delivery.nak(0).catch(() => {});
          return;
        }
        if (!got.ok) {
          await this.deadLetter(
            delivery,
            span,
            got.exhausted ? 'exhausted' : 'permanent',
            got.failure,
            got.attempts,
            idempotencyKey,
            token,
            key,
            businessKeys,
            started,
            decision,
            end,
          );
          return;
        }
        previous = got.attempts;
      }
      let payload: unknown;
      try {
        if (!rt.enrich) {
          const sourceProblems = rt.validateSource?.(event);
          if (sourceProblems) throw new ContractViolation(`the event breaks its contract: ${sourceProblems.join('; ')}`, sourceProblems);
        }
        payload = enriched === undefined ? rt.map(event) : rt.map(event, enriched);
        const targetProblems = rt.validateTarget?.(payload);
        if (targetProblems)
          throw new ContractViolation(`the mapped payload breaks the target contract: ${targetProblems.join('; ')}`, targetProblems);
      } catch (error) {
        await failBeforeSend(error, previous);
        return;
      }
      if (rt.targetBusinessKeys) Object.assign(businessKeys, businessKeysOf(payload, rt.targetBusinessKeys));
      span.setAttributes(businessKeyAttributes(businessKeys));
      const sourceTime = sourceTimeOf(delivery);
      const headers: Record<string, string> = {
        traceparent: formatTraceparent(span.context),
        'interlace-route': rt.route,
        'interlace-target': rt.target,
        [SOURCE_TIME_HEADER]: String(sourceTime),
      };
      const result = await runAttempts(
        (signal, timeoutMs) =>
          rt.destination.send({ payload, headers, orderingKey: key, idempotencyKey, timeoutMs, signal, source: delivery, businessKeys }),
        {
          policy: rt.policy,
          budget: rt.destination.system ? deps.budgets.get(rt.destination.system) : undefined,
          previous,
          stop: this.stopController.signal,
          ...(deps.random ? { random: deps.random } : {}),
          onFailedAttempt,
        },
      );
      if (result.ok) {
        // The target made the effect: from here the reservation is never released (a redelivery would
        // take it over and make the effect again), only committed — however long the store is away.
        end();
        await this.commitEffect(idempotencyKey, token, delivery.sequence);
        deps.metrics.attempts.inc({ route: rt.route, target: rt.target, result: 'ok' });
        this.count('delivered', decision);
        deps.metrics.deliveryLatency.observe(
          { route: rt.route, target: rt.target, outcome: 'delivered' },
          (performance.now() - started) / 1000,
        );
        deps.metrics.eventLatency.observe({ route: rt.route, target: rt.target }, Math.max(0, Date.now() - sourceTime) / 1000);
        span.setAttribute('interlace.outcome', 'delivered');
        this.log.debug('delivered', {
          sequence: delivery.sequence,
          attempts: result.attempts.length - reservation.attempts.length + 1,
          ...businessKeys,
        });
        await delivery.ack();
        return;
      }
      if (result.abandoned) {
        await deps.store.release(idempotencyKey, token).catch(() => {});
        end();
        this.count('abandoned', decision);
        await delivery.nak(0).catch(() => {});
        return;
      }
      await this.deadLetter(
        delivery,
        span,
        result.exhausted ? 'exhausted' : 'permanent',
        result.failure,
        result.attempts,
        idempotencyKey,
        token,
        key,
        businessKeys,
        started,
        decision,
        end,
      );
    } finally {
      clearInterval(heartbeat);
      // An infrastructure failure left the reservation open: give it up, so the redelivery can take it.
      if (!ended) await deps.store.release(idempotencyKey, token).catch(() => {});
    }
  }

  /**
   * Commits an effect the target made, retrying while the idempotency store is unreachable (JetStream
   * KV while nats-server restarts): releasing the reservation instead, or nak'ing the message with the
   * reservation left to a takeover, would let the redelivery call the target a second time. Only a
   * stopping worker gives up; its reservation then stays until its lease ends.
   */
  private async commitEffect(idempotencyKey: string, token: string, sequence: number): Promise<void> {
    for (let waitMs = 100; ; waitMs = Math.min(2 * waitMs, 2_000)) {
      try {
        await this.deps.store.commit(idempotencyKey, token);
        return;
      } catch (error) {
        if (this.stopController.signal.aborted) throw error;
        this.log.warn('the effect was made but could not be committed yet; retrying the commit', { error, sequence });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  /**
   * Publishes the dead letter, then releases the reservation (a replay may deliver), parks the key on
   * per-key routes, and acks. If the dead letter cannot be stored the message is nak'ed, never acked.
   */
  private async deadLetter(
    delivery: Delivery,
    span: Span,
    kind: DeadLetterKind,
    failure: ClassifiedFailure,
    attempts: AttemptRecord[],
    idempotencyKey: string,
    token: string | undefined,
    key: string | undefined,
    businessKeys: Record<string, string>,
    started?: number,
    decision?: Decision,
    end?: () => void,
  ): Promise<void> {
    const { rt, deps } = this;
    const letter = deadLetterOf(delivery, {
      route: rt.route,
      target: rt.target,
      ...(rt.destination.system ? { system: rt.destination.system } : {}),
      kind,
      reason: `${failure.reason}: ${failure.message}`,
      idempotencyKey,
      ...(key !== undefined ? { orderingKey: key } : {}),
      businessKeys,
      attempts,
    });
    try {
      await publishDeadLetter(deps.backbone, rt.policy.deadLetterTopic, letter, { traceparent: formatTraceparent(span.context) });
    } catch (error) {
      this.log.error('the dead letter could not be stored; the message will be redelivered', {
        error,
        sequence: delivery.sequence,
        ...businessKeys,
      });
      if (token !== undefined) await deps.store.release(idempotencyKey, token).catch(() => {});
      end?.();
      await delivery.nak(5000);
      return;
    }
    if (token !== undefined) await deps.store.release(idempotencyKey, token);
    end?.();
    if (rt.ordering === 'per-key' && key !== undefined && kind !== 'parked') {
      await deps.store.park(this.scope, key, { sequence: delivery.sequence, reason: failure.reason, at: new Date().toISOString() });
    }
    const outcome = kind === 'parked' ? 'parked' : 'dead_lettered';
    this.count(outcome, decision);
    deps.metrics.deadLetterDepth.inc({ route: rt.route, target: rt.target, topic: rt.policy.deadLetterTopic });
    if (started !== undefined)
      deps.metrics.deliveryLatency.observe({ route: rt.route, target: rt.target, outcome }, (performance.now() - started) / 1000);
    span.setAttribute('interlace.outcome', outcome);
    span.fail(new Error(letter.reason));
    this.log.warn(kind === 'parked' ? 'dead-lettered behind its parked key' : 'dead-lettered', {
      sequence: delivery.sequence,
      kind,
      reason: failure.reason,
      status: failure.status,
      attempts: attempts.length,
      dead_letter_topic: rt.policy.deadLetterTopic,
      ...businessKeys,
    });
    await delivery.ack();
  }

  /**
   * Route, target, the entity's key and the event's identity: the message id when the publisher set
   * one (a source event id), else a hash of the payload. The same event for the same entity is one
   * effect; a later event about the same entity is a new one.
   */
  private idempotencyKeyOf(delivery: Delivery, key: string | undefined): string {
    if (this.rt.replay) {
      // A replayed dead letter keeps the key of its original delivery (set by `dlq replay`, trusted
      // only on the replay topic and only when it names this route target).
      const original = delivery.headers[IDEMPOTENCY_KEY_HEADER];
      if (original?.startsWith(`${this.rt.route}/${this.rt.target}/`)) return original;
    }
    const event = delivery.messageId ?? createHash('sha256').update(delivery.payload).digest('base64url');
    return `${this.rt.route}/${this.rt.target}/${key ?? ''}/${event}`;
  }

  private remember(sequence: number, outcome: Outcome): void {
    this.settled.delete(sequence);
    this.settled.set(sequence, outcome);
    if (this.settled.size > SETTLED_MEMORY) this.settled.delete(this.settled.keys().next().value!);
  }

  /** Counts the outcome and records it as the delivery's decision (what a redelivery attaches to). */
  private count(outcome: Outcome, decision?: Decision): void {
    if (decision) {
      decision.outcome = outcome;
      if (FINAL.has(outcome) || outcome === 'filtered') this.remember(decision.sequence, outcome);
    }
    this.deps.metrics.messages.inc({ route: this.rt.route, target: this.rt.target, outcome });
  }
}
