import { isBrokenCircuitError } from 'cockatiel';
import { TtlCache } from '../../lib/ttl-cache.ts';
import { fillOperationPath } from '../http/system-client.ts';
import type { SystemClient } from '../http/system-client.ts';
import { ContractViolation, HttpStatusError } from './failures.ts';
import type { SystemBudgets } from './system-budget.ts';

/** A cached "the System has no such entity" (404 on an `optional` enrichment). */
const ABSENT = Symbol('absent');

/** One `spec.enrich` entry of a mapping, ready to call (route-assembly.ts builds it). */
export interface EnrichmentLookup {
  /** `item`: the mapping reads it as `enriched.item`. */
  name: string;
  client: SystemClient;
  /** The path template of `GET /items({sku})`: `/items({sku})`. */
  pathTemplate: string;
  /** A 404 (or a placeholder without a value) leaves the value absent instead of failing the message. */
  optional: boolean;
  /** Where the entity sits in the answer (`d` for OData V2). */
  unwrap: readonly string[];
  /** The answer contract's generated validator: problems, or undefined when valid. */
  validate?: (answer: unknown) => string[] | undefined;
  /** `name@major`, for messages. */
  contract: string;
  ttlMs: number;
  maxEntries: number;
  /** System parameters for placeholders the message has no value for (`<SYSTEM>_PARAM_<NAME>`). */
  parameter: (name: string) => string | undefined;
}

/** What one attempt needs: the attempt's signal and timeout, and the Systems' budgets. */
export interface EnrichmentCall {
  signal: AbortSignal;
  timeoutMs: number;
  budgets: SystemBudgets;
}

/**
 * The enrichment calls of one route target's mapping: for each message, the generated
 * `mapXEnrichKeys` reads the placeholder values, each lookup fills its path (percent-encoded as a
 * target's operation is), and the answer comes from the cache (per System and path, TTL, bounded)
 * or from one GET through the System's client inside the System's budgets (circuit breaker,
 * concurrency, rate). The answer is validated against its contract before the mapping sees it.
 *
 * Failures are thrown as they are and classified by the delivery pipeline like a target's (a 503 or
 * a timeout is retried by the route's policy, a 404 or an answer that breaks its contract is
 * permanent); only an `optional` lookup turns a 404 into an absent value (cached too).
 */
export class Enrichment {
  readonly lookups: readonly EnrichmentLookup[];
  private readonly keysOf: (event: unknown) => Record<string, Record<string, unknown>>;
  private readonly caches = new Map<string, TtlCache<unknown>>();

  constructor(
    lookups: readonly EnrichmentLookup[],
    keysOf: (event: unknown) => Record<string, Record<string, unknown>>,
    now?: () => number,
  ) {
    this.lookups = lookups;
    this.keysOf = keysOf;
    for (const lookup of lookups)
      this.caches.set(lookup.name, new TtlCache({ ttlMs: lookup.ttlMs, maxEntries: lookup.maxEntries, ...(now ? { now } : {}) }));
  }

  /** `{ <name>: <answer> }` for one message; an absent optional answer is left out. */
  async resolve(event: unknown, call: EnrichmentCall): Promise<Record<string, unknown>> {
    const keys = this.keysOf(event);
    const enriched: Record<string, unknown> = {};
    for (const lookup of this.lookups) {
      const filled = fillPlaceholders(lookup.pathTemplate, keys[lookup.name] ?? {}, lookup.parameter);
      if (!filled.ok) {
        if (lookup.optional) continue;
        throw new ContractViolation(
          `enrich ${lookup.name}: the message has no value for {${filled.missing}} of GET ${lookup.pathTemplate}, and no System parameter supplies one`,
        );
      }
      const cache = this.caches.get(lookup.name)!;
      const value = await cache.getOrLoad(`${lookup.client.system} ${filled.path}`, () => this.fetch(lookup, filled.path, call));
      if (value !== ABSENT) enriched[lookup.name] = value;
    }
    return enriched;
  }

  private async fetch(lookup: EnrichmentLookup, path: string, call: EnrichmentCall): Promise<unknown> {
    const budget = call.budgets.get(lookup.client.system);
    let text: string;
    for (;;) {
      // An open circuit is no answer: wait for the trial, as a delivery to that System does.
      await budget.untilCallable(call.signal);
      try {
        const response = await budget.execute(
          (signal) => lookup.client.call({ method: 'GET', path, timeoutMs: call.timeoutMs, signal }),
          call.signal,
        );
        text = response.text;
        break;
      } catch (error) {
        if (isBrokenCircuitError(error)) continue;
        if (lookup.optional && error instanceof HttpStatusError && error.status === 404) return ABSENT;
        throw error;
      }
    }
    const what = `enrich ${lookup.name}: the answer of ${lookup.client.system} GET ${path}`;
    let answer: unknown;
    try {
      answer = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ContractViolation(`${what} is not JSON`);
    }
    for (const name of lookup.unwrap) {
      answer =
        answer !== null && typeof answer === 'object' && Object.hasOwn(answer, name)
          ? (answer as Record<string, unknown>)[name]
          : undefined;
      if (answer === undefined) throw new ContractViolation(`${what} has no ${JSON.stringify(name)} envelope`);
    }
    const problems = lookup.validate?.(answer);
    if (problems) throw new ContractViolation(`${what} breaks ${lookup.contract}: ${problems.join('; ')}`, problems);
    return answer;
  }
}

/**
 * Fills `{field.path}` placeholders with the message's values (`fillOperationPath` escapes each
 * where it stands): the names become `{p0}`, `{p1}` so dotted paths reach it as one name.
 */
function fillPlaceholders(
  template: string,
  values: Record<string, unknown>,
  parameter: (name: string) => string | undefined,
): { ok: true; path: string } | { ok: false; missing: string } {
  const names: string[] = [];
  const numbered = template.replace(/\{([^{}]*)\}/g, (_, name: string) => `{p${names.push(name) - 1}}`);
  const payload: Record<string, unknown> = {};
  names.forEach((name, i) => {
    if (Object.hasOwn(values, name)) payload[`p${i}`] = values[name];
  });
  const filled = fillOperationPath(numbered, payload, (p) => parameter(names[Number(p.slice(1))]!));
  return filled.ok ? filled : { ok: false, missing: names[Number(filled.missing.slice(1))]! };
}
