import { dirname, join } from 'node:path';
import type { System } from '../../language/kinds/generated/kinds.ts';
import { durationMs } from '../../lib/duration.ts';
import type { Logger } from '../../lib/log.ts';
import { FUNCTIONAL_IDS } from '../../generators/edi/x12-envelope.ts';
import type { X12EnvelopeSettings } from '../../generators/edi/x12-envelope.ts';
import { DEFAULT_X12_DELIMITERS, delimiterProblem } from '../../generators/edi/x12-write.ts';
import type { Backbone } from '../backbone/backbone.ts';
import { JetStreamBackbone } from '../backbone/jetstream-backbone.ts';
import type { DeliveryTarget } from '../delivery/targets.ts';
import type { Environment } from '../http/secrets.ts';
import { KvAdapterState, SqliteAdapterState } from './adapter-state.ts';
import type { AdapterState } from './adapter-state.ts';
import { fileSinkFor } from './files/file-location.ts';
import type { FileLocation } from './files/file-location.ts';
import { openAdapterState } from './open-adapter-state.ts';
import { X12Exchange } from './x12-exchange.ts';
import { x12Target } from './x12-target.ts';

/** What the System's `endpoint.x12` says, defaults filled in. */
export interface X12SystemSettings {
  envelope: X12EnvelopeSettings;
  lineBreaks: boolean;
  /** undefined: no 997 is expected. */
  acknowledgementWithinMs: number | undefined;
  sendAcknowledgements: boolean;
}

const DEFAULT_WITHIN_MS = 24 * 3_600_000;

/** The settings of an `edi-x12` System (throws for a System without `endpoint.x12`, which validation refuses). */
export function x12SettingsOf(system: System): X12SystemSettings {
  const x12 = system.spec.endpoint.x12;
  if (!x12) throw new Error(`System ${system.metadata.name}: an edi-x12 System needs endpoint.x12`);
  const d = x12.delimiters ?? {};
  const delimiters = {
    element: d.element ?? DEFAULT_X12_DELIMITERS.element,
    component: d.subElement ?? DEFAULT_X12_DELIMITERS.component,
    segment: d.segment ?? DEFAULT_X12_DELIMITERS.segment,
    repetition: d.repetition ?? DEFAULT_X12_DELIMITERS.repetition,
  };
  const problem = delimiterProblem(delimiters);
  if (problem) throw new Error(`System ${system.metadata.name}: endpoint.x12.delimiters: ${problem}`);
  const qualifier = x12.qualifier ?? 'ZZ';
  const acks = x12.acknowledgements ?? {};
  return {
    envelope: {
      senderQualifier: qualifier,
      senderId: x12.senderId,
      receiverQualifier: x12.receiverQualifier ?? qualifier,
      receiverId: x12.receiverId,
      applicationSenderId: x12.applicationSenderId ?? x12.senderId,
      applicationReceiverId: x12.applicationReceiverId ?? x12.receiverId,
      version: x12.version,
      interchangeVersion: x12.interchangeVersion ?? '00401',
      usage: x12.usage ?? 'P',
      acknowledgementRequested: acks.requestInterchangeAcknowledgement ?? false,
      delimiters,
    },
    lineBreaks: x12.lineBreaks ?? false,
    acknowledgementWithinMs: acks.expect === false ? undefined : durationMs(acks.within, DEFAULT_WITHIN_MS),
    sendAcknowledgements: acks.send !== false,
  };
}

export interface X12TargetContext {
  backbone: Backbone;
  env: Environment;
  /** Where the embedded backbone keeps adapter state; unused on NATS. */
  stateDir: string | undefined;
  log?: Logger;
}

/**
 * The state of one partner: reservations and the 997s waited for in the ADAPTERS bucket (they age
 * out), and the last issued control number where it never ages out — in the X12 bucket (no maximum
 * age) on NATS, in `adapters.db` of the run's state folder on the embedded backbone (every unit of
 * `interlace run` shares it, so two routes to one partner never reuse a number).
 */
async function openX12State(ctx: X12TargetContext, system: string): Promise<{ state: AdapterState; counter: AdapterState }> {
  const scope = `x12/${system}`;
  if (ctx.backbone instanceof JetStreamBackbone) {
    return {
      state: await openAdapterState(ctx.backbone, ctx.stateDir, scope),
      counter: new KvAdapterState(await ctx.backbone.keyValue('X12', 0), scope),
    };
  }
  if (ctx.stateDir === undefined)
    throw new Error(`System ${system}: the embedded backbone needs a state directory for X12 control numbers`);
  const shared = new SqliteAdapterState(join(dirname(ctx.stateDir), 'adapters.db'), scope);
  return { state: shared, counter: shared };
}

/**
 * Where a partner's interchanges go: `endpoint.directory`, on the SFTP server of `endpoint.url` when
 * that is `sftp://…`; otherwise (no URL, or the AS2 URL a gateway sends to) a local directory, such as
 * the volume an AS2 gateway sends from.
 */
function locationOf(system: System): FileLocation {
  const endpoint = system.spec.endpoint;
  const sftp = endpoint.url?.startsWith('sftp:') === true;
  return { directory: endpoint.directory ?? '', ...(sftp ? { url: endpoint.url, sftp: endpoint.sftp } : {}) };
}

/** One exchange (and its 997 sweep) per partner and backbone in this process. */
const exchanges = new WeakMap<Backbone, Map<string, Promise<X12Exchange>>>();

/**
 * The X12 exchange of a partner: its 997 side (X12Exchange.inbound for the interchanges the partner
 * sends) and a sweep, every minute at most (a tenth of the 997 deadline when shorter), that
 * dead-letters the groups whose 997 is overdue. Created once per partner; the sweep's timer does not
 * keep the process alive.
 */
export function x12ExchangeOf(system: System, ctx: X12TargetContext): Promise<X12Exchange> {
  let perBackbone = exchanges.get(ctx.backbone);
  if (!perBackbone) {
    perBackbone = new Map();
    exchanges.set(ctx.backbone, perBackbone);
  }
  const name = system.metadata.name;
  let exchange = perBackbone.get(name);
  if (!exchange) {
    const settings = x12SettingsOf(system);
    exchange = openX12State(ctx, name).then(({ state, counter }) => {
      const created = new X12Exchange({
        system: name,
        settings: settings.envelope,
        lineBreaks: settings.lineBreaks,
        sink: fileSinkFor(locationOf(system), ctx.env, `System ${name}`),
        state,
        counter,
        backbone: ctx.backbone,
        sendAcknowledgements: settings.sendAcknowledgements,
      });
      if (settings.acknowledgementWithinMs !== undefined) {
        const every = Math.max(1_000, Math.min(60_000, settings.acknowledgementWithinMs / 10));
        const timer = setInterval(() => {
          created.sweep().catch((error: unknown) => ctx.log?.warn('the X12 997 sweep failed; it runs again', { system: name, error }));
        }, every);
        timer.unref();
      }
      return created;
    });
    exchange.catch(() => perBackbone.delete(name));
    perBackbone.set(name, exchange);
  }
  return exchange;
}

/**
 * The route target of an `edi-x12` System: each mapped transaction set (ST01 = the target's
 * `operation`, e.g. `856`) as one interchange in `endpoint.directory` (local, or on the SFTP server of
 * `endpoint.url`), control numbers from the partner's state, 997s expected as the System says.
 */
export function x12TargetOf(
  route: string,
  target: { name: string; operation?: string | undefined },
  system: System,
  deadLetterTopic: string,
  ctx: X12TargetContext,
): DeliveryTarget {
  const name = system.metadata.name;
  const setId = target.operation ?? '';
  if (!FUNCTIONAL_IDS.has(setId))
    throw new Error(
      `route ${route} target ${target.name}: operation ${JSON.stringify(setId)} is not an X12 transaction set Interlace writes (${[...FUNCTIONAL_IDS.keys()].join(', ')})`,
    );
  const settings = x12SettingsOf(system);
  const endpoint = system.spec.endpoint;
  if (!endpoint.directory) throw new Error(`System ${name}: an edi-x12 System needs endpoint.directory`);
  const sink = fileSinkFor(locationOf(system), ctx.env, `System ${name}`);
  let inner: Promise<DeliveryTarget> | undefined;
  const ready = () => {
    inner ??= x12ExchangeOf(system, ctx).then((exchange) =>
      x12Target({
        system: name,
        route,
        target: target.name,
        setId,
        settings: settings.envelope,
        lineBreaks: settings.lineBreaks,
        sink,
        state: exchange.state,
        counter: exchange.counter,
        acknowledgementWithinMs: settings.acknowledgementWithinMs,
        deadLetterTopic,
      }),
    );
    inner.catch(() => {
      inner = undefined;
    });
    return inner;
  };
  return {
    description: `${name} X12 ${setId} to ${sink.description}`,
    system: name,
    prepare: async () => {
      await ready();
    },
    send: async (call) => (await ready()).send(call),
  };
}
