import type { Backbone } from '../backbone/backbone.ts';
import { ContractViolation } from './failures.ts';
import type { RouteTargetRuntime } from './route-target.ts';
import type { DeliveryTarget } from './targets.ts';

/**
 * Fan-out delivery: a route target whose mapping makes several messages from one (`spec.each`, a
 * cross-dock ASN with two orders → two shipments). It runs as two stages of the ordinary pipeline,
 * so each output is its own backbone message with its own retries, dead letter and replay:
 *
 * 1. split (`<target>-fanout`): consumes the route's source topic, maps the event to its outputs,
 *    validates each against the target contract, and publishes them on `fanout.<route>.<target>`.
 *    Output `i` gets the message id `<idempotency key of the event>#<i>`: deterministic (the source
 *    message id and the index), so publishing again after a crash is suppressed by the backbone's
 *    de-duplication, and the whole split is committed once in the idempotency store.
 * 2. deliver (`<target>`): consumes that topic and delivers each output to the target like any other
 *    message; its idempotency key contains the output's message id, so output 1 of event 7 is called
 *    once whatever happens to output 0 or to a redelivery of event 7.
 *
 * A failure of one output dead-letters that output only (under the target's name, replayable on its
 * own); a mapping or contract failure of the event dead-letters the event at the split stage.
 */

/** The topic the split stage publishes each output on. */
export function fanOutTopic(route: string, target: string): string {
  return `fanout.${route}.${target}`;
}

/** The name of the split stage of target `target` (in metrics, logs, dead letters and its consumer). */
export function fanOutStageName(target: string): string {
  return `${target}-fanout`;
}

/** Header naming an output's position among its event's outputs (0-based). */
const FAN_OUT_INDEX_HEADER = 'interlace-fanout-index';

/**
 * Publishes each output of one event as its own message, with the message id
 * `<idempotency key>#<index>` and the event's ordering key.
 */
function fanOutTarget(backbone: Backbone, topic: string): DeliveryTarget {
  return {
    description: `fan-out to topic ${topic}`,
    system: undefined,
    prepare: () => backbone.ensureTopic(topic),
    async send(call) {
      const outputs = call.payload as readonly unknown[];
      // In order, one at a time: per-key ordering holds for the outputs of one event too.
      for (const [i, output] of outputs.entries()) {
        await backbone.publish(topic, Buffer.from(JSON.stringify(output)), {
          ...(call.orderingKey !== undefined ? { key: call.orderingKey } : {}),
          messageId: `${call.idempotencyKey}#${i}`,
          headers: { ...call.headers, [FAN_OUT_INDEX_HEADER]: String(i) },
        });
      }
    },
  };
}

/** The two stages of a fan-out route target, from the runtime assembled for it (`rt.map` returns a list). */
export function fanOutStages(rt: RouteTargetRuntime, backbone: Backbone): RouteTargetRuntime[] {
  const topic = fanOutTopic(rt.route, rt.target);
  const validateOutput = rt.validateTarget;
  const { targetBusinessKeys: _outputKeys, ...event } = rt;
  const split: RouteTargetRuntime = {
    ...event,
    target: fanOutStageName(rt.target),
    map: (input, enriched) => {
      const outputs = rt.map(input, enriched);
      if (!Array.isArray(outputs)) throw new ContractViolation('the fan-out mapping did not return a list of messages; generate again');
      return outputs;
    },
    ...(validateOutput
      ? {
          validateTarget: (payload: unknown) => {
            const problems = (payload as unknown[]).flatMap((output, i) => (validateOutput(output) ?? []).map((p) => `output ${i}: ${p}`));
            return problems.length > 0 ? problems : undefined;
          },
        }
      : {}),
    destination: fanOutTarget(backbone, topic),
  };
  const deliver: RouteTargetRuntime = {
    route: rt.route,
    target: rt.target,
    sourceTopic: topic,
    ordering: rt.ordering,
    policy: rt.policy,
    // The message's backbone key is the event's key (the split stage publishes with it).
    keyOf: () => undefined,
    // Mapped by the split stage; validated again, as every message read from a topic is.
    map: (output) => output,
    ...(validateOutput ? { validateTarget: validateOutput } : {}),
    ...(rt.targetBusinessKeys ? { sourceBusinessKeys: rt.targetBusinessKeys, targetBusinessKeys: rt.targetBusinessKeys } : {}),
    destination: rt.destination,
  };
  return [split, deliver];
}
