import type { IdempotencyStore } from './idempotency-store.ts';
import type { RouteTargetRuntime } from './route-target.ts';

/** The topic `interlace dlq replay` publishes a route target's replayed dead letters on. */
export function replayTopic(route: string, target: string): string {
  return `replay.${route}.${target}`;
}

/**
 * A route target's replay consumer: the same pipeline on `replay.<route>.<target>`, no filter (the
 * original passed it), and the original delivery's idempotency key taken from the replayed message.
 */
export function replayRuntime(rt: RouteTargetRuntime): RouteTargetRuntime {
  return { ...rt, sourceTopic: replayTopic(rt.route, rt.target), filter: undefined, replay: true };
}

/**
 * The idempotency store as a replay consumer sees it: a replayed message goes through its parked key
 * and unparks the key for the messages that follow; everything else is the unit's own store (so a
 * replay of what was delivered after all is suppressed as a duplicate). Closing it leaves the store open.
 */
export function replayStore(store: IdempotencyStore): IdempotencyStore {
  return {
    reserve: (k, o, l) => store.reserve(k, o, l),
    extend: (k, o, l) => store.extend(k, o, l),
    recordAttempt: (k, o, a) => store.recordAttempt(k, o, a),
    commit: (k, o) => store.commit(k, o),
    release: (k, o) => store.release(k, o),
    park: (s, k, p) => store.park(s, k, p),
    parked: async (scope, key) => {
      await store.unpark(scope, key);
      return undefined;
    },
    unpark: (s, k) => store.unpark(s, k),
    prune: (ms) => store.prune(ms),
    close: async () => {},
  };
}
