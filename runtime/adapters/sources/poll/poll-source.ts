import { setTimeout as sleep } from 'node:timers/promises';
import type { System } from '../../../../language/kinds/generated/kinds.ts';
import type { SourceAdapter, SourceContext } from '../../source-adapter.ts';
import { pollODataOnce } from './odata-poll.ts';
import type { PollBackoffPolicy } from './poll-backoff.ts';
import { DEFAULT_POLL_BACKOFF, pollBackoffMs } from './poll-backoff.ts';
import type { PollCycleContext, PollCycleResult } from './poll-cycle.ts';
import { PollStateConflict } from './poll-cycle.ts';
import type { PollAuth, PollBudget } from './poll-http.ts';
import { PollHttp } from './poll-http.ts';
import type { PollSettings } from './poll-settings.ts';
import { resolvePollSettings } from './poll-settings.ts';
import { pollQueueOnce } from './queue-poll.ts';

export interface PollSourceOptions {
  /** Credentials for the System's endpoint (runtime/http/system-auth.ts `createSystemAuth`). */
  readonly auth?: PollAuth | undefined;
  /** Overrides the System's `endpoint.url` (a simulated system on a loopback port). */
  readonly baseUrl?: string | undefined;
  readonly fetch?: typeof fetch | undefined;
  /** The System's budgets (runtime/delivery/system-budget.ts): every call of the poll runs inside them. */
  readonly budget?: PollBudget | undefined;
  readonly backoff?: PollBackoffPolicy | undefined;
  readonly random?: (() => number) | undefined;
}

/** What one poll did, for the run summary and the tests. */
export interface PollCounters {
  /** Events handed to `publish` and resolved (stored, or recognised as duplicates by the backbone). */
  published: number;
  /** Cycles that completed. */
  polls: number;
  /** Cycles that failed and backed off. */
  failures: number;
  lastError?: string;
}

/**
 * One entry of `System.spec.sources.poll`, running: polls, waits `interval` once everything is read,
 * polls again at once while more is waiting, and after a failure (5xx, 429, a timeout, garbage, a
 * backbone that did not store) waits an exponential backoff with jitter or the `Retry-After` — with
 * the watermark and pending acknowledgements as they were, because they only move after a publish
 * resolved. The message ids it passes to `publish` are `<poll>/<row key>/<last-modified>` (OData) or
 * `<poll>/<entry id>` (queue); the context adds the System and the event.
 */
export class PollSource implements SourceAdapter {
  readonly kind = 'poll';
  readonly name: string;
  readonly counters: PollCounters = { published: 0, polls: 0, failures: 0 };
  readonly settings: PollSettings;
  private readonly options: PollSourceOptions;
  private readonly baseUrl: string;
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;

  constructor(settings: PollSettings, baseUrl: string, options: PollSourceOptions = {}) {
    this.settings = settings;
    this.name = settings.name;
    this.options = options;
    this.baseUrl = options.baseUrl ?? baseUrl;
  }

  async start(context: SourceContext): Promise<void> {
    if (!this.settings.odata && !this.settings.queue) {
      throw new Error(`poll ${this.settings.name} of System ${this.settings.system} has neither odata nor queue settings`);
    }
    this.running = this.loop(context, AbortSignal.any([this.stopping.signal, context.signal]));
  }

  /** Stops polling; a cycle in flight is abandoned, its watermark as it was after the last resolved page. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async loop(context: SourceContext, signal: AbortSignal): Promise<void> {
    const settings = this.settings;
    const log = context.log.child({ poll: settings.name });
    const cycleContext: PollCycleContext = {
      settings,
      http: new PollHttp({
        baseUrl: this.baseUrl,
        timeoutMs: settings.timeoutMs,
        maxResponseBytes: settings.maxResponseBytes,
        auth: this.options.auth,
        fetch: this.options.fetch,
        budget: this.options.budget,
        signal,
      }),
      state: context.state,
      publish: (event, payload, messageId) => context.publish(event, payload, messageId),
    };
    const cycle: (c: PollCycleContext) => Promise<PollCycleResult> = settings.odata ? pollODataOnce : pollQueueOnce;
    let failures = 0;
    while (!signal.aborted) {
      let waitMs: number;
      try {
        const result = await cycle(cycleContext);
        this.counters.polls++;
        this.counters.published += result.published;
        failures = 0;
        waitMs = result.more ? 0 : settings.intervalMs;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof PollStateConflict) {
          // Another replica polls the same collection: its work counts; read again after the interval.
          log.info(error.message, { reason: 'PollStateConflict' });
          waitMs = settings.intervalMs;
        } else {
          failures++;
          this.counters.failures++;
          this.counters.lastError = error instanceof Error ? error.message : String(error);
          waitMs = pollBackoffMs(failures, error, this.options.backoff ?? DEFAULT_POLL_BACKOFF, this.options.random);
          log.warn('poll failed; backing off with the watermark unchanged', { reason: 'PollFailed', error, retryInMs: waitMs, failures });
        }
      }
      if (waitMs > 0) await sleep(waitMs, undefined, { signal }).catch(() => undefined);
    }
  }
}

/** One PollSource per entry of the System's `spec.sources.poll`. */
export function createPollSources(system: string, spec: System['spec'], options: PollSourceOptions = {}): PollSource[] {
  return (spec.sources?.poll ?? []).map(
    (entry) => new PollSource(resolvePollSettings(system, spec, entry), spec.endpoint.url ?? '', options),
  );
}
