import type { DeliveryTarget } from './targets.ts';
import type { DeliveryPolicy } from './policy.ts';
import type { Enrichment } from './enrichment.ts';

/**
 * Everything the pipeline needs to deliver one route's events to one of its targets, already
 * resolved from the specs and the generated bundle (runtime/worker builds it). Plain functions, so
 * the pipeline can be tested without a bundle.
 */
export interface RouteTargetRuntime {
  route: string;
  target: string;
  sourceTopic: string;
  ordering: 'none' | 'per-key';
  policy: DeliveryPolicy;
  /** The route's `filter`; absent = every event. */
  filter?: (event: unknown) => boolean;
  /** The route's key (or the source contract's identity) as one string; undefined when the event has none. */
  keyOf: (event: unknown) => string | undefined;
  /** Validates the source event against its contract; returns problems, or undefined when valid. */
  validateSource?: (event: unknown) => string[] | undefined;
  /**
   * The mapping's enrichment calls (`spec.enrich`), resolved before `map` inside the delivery's
   * attempts; absent = none, and nothing is called or allocated for them.
   */
  enrich?: Enrichment;
  /** The target's mapping (generated `map…Message`), or identity. Throws MappingError on bad input. */
  map: (event: unknown, enriched?: Record<string, unknown>) => unknown;
  /** Validates the mapped payload against the target contract; returns problems, or undefined. */
  validateTarget?: (payload: unknown) => string[] | undefined;
  /** Business keys declared by the source and target contracts (name → field path). */
  sourceBusinessKeys?: Readonly<Record<string, string | undefined>>;
  targetBusinessKeys?: Readonly<Record<string, string | undefined>>;
  destination: DeliveryTarget;
  /**
   * This consumer reads the target's replay topic (`interlace dlq replay`): a message carrying the
   * `interlace-idempotency-key` header of this route target is delivered under that key, the one its
   * original delivery had.
   */
  replay?: boolean;
}
