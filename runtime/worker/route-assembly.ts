import type { EventRoute, System } from '../../language/kinds/generated/kinds.ts';
import { DELIVERABLE_PROTOCOLS } from '../../language/validate/check-deliverable-targets.ts';
import type { Backbone } from '../backbone/backbone.ts';
import { fileTargetOf } from '../adapters/files/file-target-of.ts';
import { x12TargetOf } from '../adapters/x12-target-of.ts';
import { durationMs } from '../../lib/duration.ts';
import { Enrichment } from '../delivery/enrichment.ts';
import { deliveryPolicyOf } from '../delivery/policy.ts';
import { fanOutStages } from '../delivery/fan-out.ts';
import type { RouteTargetRuntime } from '../delivery/route-target.ts';
import { httpSystemTarget, topicTarget } from '../delivery/targets.ts';
import type { DeliveryTarget } from '../delivery/targets.ts';
import { readClientCertificate } from '../http/client-tls.ts';
import { SystemClient } from '../http/system-client.ts';
import type { Environment } from '../http/secrets.ts';
import { readFieldPath, unclassifiedBusinessKeys } from '../observe/business-keys.ts';
import type { EnrichManifestEntry, LoadedBundle } from './bundle.ts';
import { keepAliveFetch } from './keep-alive-fetch.ts';
import { validatorFrom } from './bundle.ts';
import { findContract, findSystem, parseReference, sourceTopicOf } from './estate.ts';
import type { WorkerEstate } from './estate.ts';

export interface AssemblyContext {
  estate: WorkerEstate;
  backbone: Backbone;
  env: Environment;
  /**
   * Replaces the System clients' HTTP transport (tests); default: keep-alive node:http (keep-alive-fetch.ts),
   * with the System's client certificate for an `mtls` System (client-tls.ts).
   */
  fetchImpl?: typeof fetch;
  /** The default transport, created on first use and shared by this context's System clients. */
  keepAlive?: typeof fetch;
  /** The transports of `mtls` Systems, one per System (systemTransportFor). */
  tlsTransports?: Map<string, typeof fetch>;
  /** One client per System, shared by every route and API that calls it. */
  clients: Map<string, SystemClient>;
  /** Where adapter state lives on the embedded backbone (`<stateDir>/adapters.db`: a file target's written names). */
  stateDir?: string;
}

/**
 * The HTTP transport for calls to a System: the test's `fetchImpl`, else keep-alive node:http shared
 * by the context, or — for an `mtls` System — agents of its own carrying its client certificate
 * (created once per System). The System client and the System's pollers use it.
 */
export function systemTransportFor(ctx: AssemblyContext, system: Pick<System, 'metadata' | 'spec'>): typeof fetch {
  if (ctx.fetchImpl !== undefined) return ctx.fetchImpl;
  const name = system.metadata.name;
  if (system.spec.auth?.type === 'mtls') {
    ctx.tlsTransports ??= new Map();
    let transport = ctx.tlsTransports.get(name);
    if (!transport) {
      // Its own agents: the client certificate belongs to this System's connections only.
      const secret = system.spec.auth.secretRef?.name ?? name;
      transport = keepAliveFetch({ tls: () => readClientCertificate(name, secret, ctx.env) });
      ctx.tlsTransports.set(name, transport);
    }
    return transport;
  }
  ctx.keepAlive ??= keepAliveFetch();
  return ctx.keepAlive;
}

/** The System client for `name`, created once. */
export function systemClientFor(ctx: AssemblyContext, system: System): SystemClient {
  let client = ctx.clients.get(system.metadata.name);
  if (!client) {
    client = new SystemClient(system.metadata.name, system.spec, ctx.env, systemTransportFor(ctx, system));
    ctx.clients.set(system.metadata.name, client);
  }
  return client;
}

/** System parameters for `{placeholders}` the payload lacks: environment `<SYSTEM>_PARAM_<NAME>`. */
export function systemParameter(env: Environment, system: string): (name: string) => string | undefined {
  return (name) => env[`${system}_PARAM_${name}`.toUpperCase().replace(/[^A-Z0-9]/g, '_')];
}

/** Key fields joined as one string (`DE01|SKU-1`); undefined when any is missing. */
export function keyFunction(fields: readonly string[] | undefined): (event: unknown) => string | undefined {
  if (!fields || fields.length === 0) return () => undefined;
  return (event) => {
    const parts: string[] = [];
    for (const field of fields) {
      const values = readFieldPath(event, field);
      if (values.length === 0) return undefined;
      parts.push(values.join(','));
    }
    return parts.join('|');
  };
}

/**
 * One RouteTargetRuntime per target of an EventRoute unit: the spec's delivery policy with the
 * System's limits, the bundle's mapping (`map…Message`) and validators, the key (the route's `key`,
 * else the source contract's identity), the filter, the business keys, and the destination; two
 * for a target whose mapping fans out (the split and the delivery, runtime/delivery/fan-out.ts).
 */
export function assembleRoute(route: EventRoute, bundle: LoadedBundle, ctx: AssemblyContext): RouteTargetRuntime[] {
  const name = route.metadata.name;
  const spec = route.spec;
  const source = findContract(ctx.estate, spec.source.contract);
  const sourceRef = parseReference(spec.source.contract);
  const validateSource = validatorFrom(bundle.exports, sourceRef.name, sourceRef.major ?? 1);
  const keyOf = keyFunction(spec.key ?? source?.spec.identity);
  const filter = spec.filter ? compiledFilter(bundle) : undefined;
  return spec.targets.flatMap((target): RouteTargetRuntime[] => {
    const system = findSystem(ctx.estate, target.system);
    const policy = deliveryPolicyOf(name, target.name, target.delivery, system?.spec.limits?.timeout);
    let map: (event: unknown, enriched?: Record<string, unknown>) => unknown = (event) => event;
    let targetRef = spec.source.contract;
    let fanOut = false;
    let enrich: Enrichment | undefined;
    if (target.mapping) {
      const entry = bundle.manifest.mappings.find((m) => m.name === target.mapping);
      const fn = entry ? bundle.exports[entry.message] : undefined;
      if (!entry || typeof fn !== 'function')
        throw new Error(`bundle ${bundle.manifest.unit} has no mapping ${target.mapping}; generate again`);
      map = fn as (event: unknown, enriched?: Record<string, unknown>) => unknown;
      targetRef = entry.to;
      fanOut = entry.fanOut === true;
      if (entry.enrich && entry.enrich.length > 0) enrich = enrichmentOf(entry.enrich, entry.enrichKeys, bundle, ctx);
    }
    if (target.contract) targetRef = target.contract;
    const targetContract = findContract(ctx.estate, targetRef);
    const parsedTarget = parseReference(targetRef);
    const validateTarget = validatorFrom(bundle.exports, parsedTarget.name, parsedTarget.major ?? 1);
    const rt: RouteTargetRuntime = {
      route: name,
      target: target.name,
      sourceTopic: sourceTopicOf(route),
      ordering: spec.ordering ?? 'none',
      policy,
      ...(filter ? { filter } : {}),
      keyOf,
      ...(enrich ? { enrich } : {}),
      ...(validateSource ? { validateSource } : {}),
      map,
      ...(validateTarget ? { validateTarget } : {}),
      // Business keys go on log lines and exported spans: never one that reads a pii or confidential field.
      ...(source?.spec.businessKeys
        ? { sourceBusinessKeys: unclassifiedBusinessKeys(source.spec.businessKeys, source.spec.classification) }
        : {}),
      ...(targetContract?.spec.businessKeys
        ? { targetBusinessKeys: unclassifiedBusinessKeys(targetContract.spec.businessKeys, targetContract.spec.classification) }
        : {}),
      destination: destinationOf(name, target, system, ctx, targetContract?.spec.businessKeys ?? {}, policy.deadLetterTopic),
    };
    // A mapping that makes several messages from one runs in two stages (runtime/delivery/fan-out.ts).
    return fanOut ? fanOutStages(rt, ctx.backbone) : [rt];
  });
}

/** Cache defaults of an enrichment that says nothing: a minute, ten thousand answers. */
const DEFAULT_ENRICH_TTL_MS = 60_000;
const DEFAULT_ENRICH_ENTRIES = 10_000;

/**
 * A mapping's `spec.enrich` calls (runtime/delivery/enrichment.ts): each through its System's client
 * (shared with the routes and APIs that call it: auth, transport), its answer validated by the
 * bundle's validator of the answer contract.
 */
function enrichmentOf(
  entries: readonly EnrichManifestEntry[],
  keysExport: string | undefined,
  bundle: LoadedBundle,
  ctx: AssemblyContext,
): Enrichment {
  const keysOf = keysExport ? bundle.exports[keysExport] : undefined;
  if (typeof keysOf !== 'function')
    throw new Error(`bundle ${bundle.manifest.unit} has no ${keysExport ?? 'enrichment keys'}; generate again`);
  const lookups = entries.map((entry) => {
    const system = findSystem(ctx.estate, entry.system);
    if (system?.spec.endpoint.protocol !== 'http')
      throw new Error(
        `bundle ${bundle.manifest.unit}: enrich ${entry.name} calls System ${entry.system}, which is not an http System of the estate`,
      );
    const answer = parseReference(entry.contract);
    const validate = validatorFrom(bundle.exports, answer.name, answer.major ?? 1);
    return {
      name: entry.name,
      client: systemClientFor(ctx, system),
      pathTemplate: entry.operation.replace(/^GET\s+/, ''),
      optional: entry.optional === true,
      unwrap: entry.unwrap ? entry.unwrap.split('.') : [],
      ...(validate ? { validate } : {}),
      contract: entry.contract,
      ttlMs: durationMs(entry.ttl, DEFAULT_ENRICH_TTL_MS),
      maxEntries: entry.maxEntries ?? DEFAULT_ENRICH_ENTRIES,
      parameter: systemParameter(ctx.env, system.metadata.name),
    };
  });
  return new Enrichment(lookups, keysOf as (event: unknown) => Record<string, Record<string, unknown>>);
}

/**
 * The route's `filter`, compiled by the generator into the bundle (`filter…`, named by the manifest):
 * nothing interprets CEL per message, and the worker loads no CEL library.
 */
function compiledFilter(bundle: LoadedBundle): (event: unknown) => boolean {
  const fn = bundle.manifest.filter ? bundle.exports[bundle.manifest.filter] : undefined;
  if (typeof fn !== 'function')
    throw new Error(`bundle ${bundle.manifest.unit} has no compiled filter, but its route has one; generate again`);
  return fn as (event: unknown) => boolean;
}

function destinationOf(
  route: string,
  target: EventRoute['spec']['targets'][number],
  system: System | undefined,
  ctx: AssemblyContext,
  businessKeys: Readonly<Record<string, string | undefined>>,
  deadLetterTopic: string,
): DeliveryTarget {
  if (target.topic) return topicTarget(ctx.backbone, target.topic);
  if (!system) throw new Error(`route ${route} target ${target.name}: no topic and no System ${target.system ?? ''}`);
  const endpoint = system.spec.endpoint;
  if (endpoint.protocol === 'http')
    return httpSystemTarget(systemClientFor(ctx, system), target.operation, systemParameter(ctx.env, system.metadata.name));
  if (endpoint.protocol === 'nats') {
    // The System consumes its own subjects on the backbone: the operation names the subject.
    const subject =
      target.operation && /^[a-z0-9][-a-z0-9.]*$/.test(target.operation) ? target.operation : `${endpoint.subject}.${target.name}`;
    return topicTarget(ctx.backbone, subject.toLowerCase());
  }
  if (endpoint.protocol === 'file')
    return fileTargetOf(route, target, system, businessKeys, { backbone: ctx.backbone, env: ctx.env, stateDir: ctx.stateDir });
  if (endpoint.protocol === 'edi-x12')
    return x12TargetOf(route, target, system, deadLetterTopic, { backbone: ctx.backbone, env: ctx.env, stateDir: ctx.stateDir });
  // validate refuses these targets (route-target-undeliverable, DELIVERABLE_PROTOCOLS); a bundle made
  // without validation still gets a clear refusal rather than a worker that silently drops events.
  throw new Error(
    `route ${route} target ${target.name}: System ${system.metadata.name} speaks ${endpoint.protocol}, which this worker cannot deliver to yet (targets can deliver to: ${[...DELIVERABLE_PROTOCOLS].join(', ')})`,
  );
}
