import { join } from 'node:path';
import type { KV } from '@nats-io/kv';
import type { EventRoute, System } from '../../../language/kinds/generated/kinds.ts';
import type { Logger } from '../../../lib/log.ts';
import type { Backbone } from '../../backbone/backbone.ts';
import { JetStreamBackbone } from '../../backbone/jetstream-backbone.ts';
import type { RuntimeMetrics } from '../../observe/metrics.ts';
import type { Tracer } from '../../observe/trace.ts';
import { KvAdapterState, SqliteAdapterState } from '../adapter-state.ts';
import type { AdapterState } from '../adapter-state.ts';
import type { SourceAdapter } from '../source-adapter.ts';
import { x12ExchangeOf } from '../x12-target-of.ts';
import { BackboneSourceContext } from './backbone-source-context.ts';
import { createSources } from './create-sources.ts';
import type { SourceDependencies } from './create-sources.ts';

/**
 * How long the ADAPTERS bucket keeps a key after its last write. Long enough for every adapter's
 * memory (a webhook's delivery ids are remembered at most 30 days); an adapter whose state must
 * outlive it (a watermark of a collection that stays quiet for a month) writes it again.
 */
export const ADAPTER_STATE_MAX_AGE_MS = 35 * 24 * 3_600_000;

export interface StartSourcesOptions {
  system: System;
  /** The estate's routes: they decide which of the System's events are published, and to which topics. */
  routes: readonly EventRoute[];
  backbone: Backbone;
  /** Where the embedded backbone's adapter state lives (`<stateDir>/adapters.db`); unused on NATS. */
  stateDir: string;
  deps: SourceDependencies;
  logger: Logger;
  metrics?: RuntimeMetrics;
  /** Each published event starts (or continues) a trace here; its `traceparent` travels with the event. */
  tracer?: Tracer;
}

/** The running sources of one System. */
export interface RunningSources {
  system: string;
  adapters: { adapter: SourceAdapter; context: BackboneSourceContext }[];
  /** Stops every adapter (in-flight work is published or left unacknowledged) and closes the state. */
  stop(): Promise<void>;
}

const kvBuckets = new WeakMap<JetStreamBackbone, Promise<KV>>();

/** The adapter label in metrics and the state scope: `webhook`, `poll/<name>`. */
export function sourceLabel(adapter: SourceAdapter): string {
  return adapter.name ? `${adapter.kind}/${adapter.name}` : adapter.kind;
}

/**
 * Starts the source adapters a System declares (`spec.sources`): each gets a BackboneSourceContext
 * that publishes to the routed topics (created first) and its own AdapterState scope
 * (`<system>/<label>`) — JetStream Key-Value bucket ADAPTERS on a NATS backbone, node:sqlite under
 * `stateDir` on the embedded one.
 */
export async function startSources(options: StartSourcesOptions): Promise<RunningSources> {
  const system = options.system.metadata.name;
  const adapters = createSources(options.system, {
    ...options.deps,
    // The System's one exchange, shared with its X12 route targets in this process (x12-target-of.ts).
    x12Exchange:
      options.deps.x12Exchange ??
      ((system) =>
        x12ExchangeOf(system as System, {
          backbone: options.backbone,
          env: options.deps.env,
          stateDir: options.stateDir,
          log: options.logger,
        })),
  });
  const controller = new AbortController();
  const sqlite: SqliteAdapterState[] = [];
  const running: RunningSources['adapters'] = [];
  const stop = async () => {
    controller.abort();
    await Promise.all(running.map(({ adapter }) => adapter.stop().catch(() => {})));
    for (const state of sqlite) state.close();
  };
  try {
    for (const adapter of adapters) {
      const label = sourceLabel(adapter);
      const scope = `${system}/${label}`;
      let state: AdapterState;
      if (options.backbone instanceof JetStreamBackbone) {
        const backbone = options.backbone;
        let bucket = kvBuckets.get(backbone);
        if (!bucket) {
          bucket = backbone.keyValue('ADAPTERS', ADAPTER_STATE_MAX_AGE_MS);
          kvBuckets.set(backbone, bucket);
        }
        state = new KvAdapterState(await bucket, scope);
      } else {
        const local = new SqliteAdapterState(join(options.stateDir, 'adapters.db'), scope);
        sqlite.push(local);
        state = local;
      }
      const context = new BackboneSourceContext({
        system,
        source: label,
        routes: options.routes,
        backbone: options.backbone,
        state,
        log: options.logger.child({ system, source: label }),
        signal: controller.signal,
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(options.tracer ? { tracer: options.tracer } : {}),
      });
      for (const topic of context.allTopics()) await options.backbone.ensureTopic(topic);
      await adapter.start(context);
      running.push({ adapter, context });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { system, adapters: running, stop };
}
