import type { Api } from '../../language/kinds/generated/kinds.ts';
import { durationMs } from '../../lib/duration.ts';
import { unclassifiedBusinessKeys } from '../observe/business-keys.ts';
import type { OperationRuntime } from '../http/api-server.ts';
import { ParameterValidator, sharedAjv } from '../http/request-params.ts';
import type { ViewStore } from '../http/view-store.ts';
import type { LoadedBundle } from './bundle.ts';
import { validatorFrom } from './bundle.ts';
import { findContract, findSystem, majorOf, parseReference, sourceTopicOf } from './estate.ts';
import type { WorkerEstate } from './estate.ts';
import { keyFunction, systemClientFor, systemParameter } from './route-assembly.ts';
import type { AssemblyContext } from './route-assembly.ts';
import type { ViewFeed } from './view-feeder.ts';

type Validate = (value: unknown) => string[] | undefined;

/**
 * A contract's validator: the bundle's generated one when the bundle has it, else compiled once with
 * ajv from the contract's schema (a view fed by a route whose contract the API bundle lacks).
 */
export function contractValidator(reference: string, bundles: readonly LoadedBundle[], estate: WorkerEstate): Validate | undefined {
  const { name, major } = parseReference(reference);
  for (const bundle of bundles) {
    const v = validatorFrom(bundle.exports, name, major ?? 1);
    if (v) return v;
  }
  const contract = findContract(estate, reference);
  // A bundle carries contracts without schemas (its validators are generated): nothing to compile.
  if (!contract?.spec.schema) return undefined;
  const validate = sharedAjv().compile(contract.spec.schema as object);
  return (value) =>
    validate(value) ? undefined : (validate.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

/** A mapping function (`map…Message`) by name from any loaded bundle. */
export function findMapping(
  bundles: readonly LoadedBundle[],
  name: string,
): { fn: (value: unknown) => unknown; from: string; to: string } | undefined {
  for (const bundle of bundles) {
    const entry = bundle.manifest.mappings.find((m) => m.name === name);
    const fn = entry ? bundle.exports[entry.message] : undefined;
    if (entry && typeof fn === 'function') return { fn: fn as (value: unknown) => unknown, from: entry.from, to: entry.to };
  }
  return undefined;
}

function sameContract(a: string, b: string): boolean {
  const pa = parseReference(a);
  const pb = parseReference(b);
  return pa.name === pb.name && pa.major === pb.major;
}

export function viewName(api: Api, operationId: string): string {
  return `${api.metadata.name}@${majorOf(api.spec.version)}/${operationId}`;
}

/**
 * The operations of one Api with their validators and backends, and the view feeds its view-backed
 * operations need. A view is fed by its route's source events, mapped to the response contract: as
 * they are when the route carries that contract, else by the mapping one of the route's targets uses
 * to make it (looked up in every loaded bundle).
 */
export function assembleApi(
  api: Api,
  bundles: readonly LoadedBundle[],
  ctx: AssemblyContext,
  views: ViewStore,
): { operations: OperationRuntime[]; feeds: ViewFeed[] } {
  const operations: OperationRuntime[] = [];
  const feeds: ViewFeed[] = [];
  for (const operation of api.spec.operations) {
    const responseRef = operation.response.contract;
    const validateResponse = contractValidator(responseRef, bundles, ctx.estate);
    const validateRequest = operation.request ? contractValidator(operation.request, bundles, ctx.estate) : undefined;
    const backendSpec = operation.backend;
    let backend: OperationRuntime['backend'] = { kind: 'none' };
    if (backendSpec?.view) {
      const view = viewName(api, operation.id);
      const keyFields = backendSpec.view.key;
      backend = {
        kind: 'view',
        read: (params) => views.get(view, keyFields.map((f) => String(params.params[f] ?? params.query[f] ?? '')).join('|')),
      };
      const route = ctx.estate.routes.find((r) => r.metadata.name === backendSpec.view!.route);
      if (!route) throw new Error(`Api ${api.metadata.name}: view route ${backendSpec.view.route} is not in the estate`);
      let map: (event: unknown) => unknown = (event) => event;
      if (!sameContract(route.spec.source.contract, responseRef)) {
        const feeding = route.spec.targets
          .map((t) => (t.mapping ? findMapping(bundles, t.mapping) : undefined))
          .find((m) => m && sameContract(m.to, responseRef));
        if (!feeding)
          throw new Error(
            `Api ${api.metadata.name} ${operation.id}: no loaded bundle maps route ${route.metadata.name}'s events to ${responseRef}; run the route's unit in this worker too`,
          );
        map = feeding.fn;
      }
      feeds.push({
        view,
        consumer: `view__${api.metadata.name}-v${majorOf(api.spec.version)}__${operation.id}`,
        topic: sourceTopicOf(route),
        map,
        keyOf: keyFunction(keyFields),
        ...(validateResponse ? { validate: validateResponse } : {}),
      });
    } else if (backendSpec?.system) {
      const system = findSystem(ctx.estate, backendSpec.system);
      if (!system) throw new Error(`Api ${api.metadata.name}: System ${backendSpec.system} is not in the estate`);
      const mapping = backendSpec.mapping ? findMapping(bundles, backendSpec.mapping) : undefined;
      if (backendSpec.mapping && !mapping)
        throw new Error(`Api ${api.metadata.name}: mapping ${backendSpec.mapping} is not in the bundle; generate again`);
      backend = {
        kind: 'system',
        client: systemClientFor(ctx, system),
        operation: backendSpec.operation,
        map: mapping?.fn ?? ((v) => v),
        timeoutMs: durationMs(system.spec.limits?.timeout, 10_000),
        parameter: systemParameter(ctx.env, system.metadata.name),
      };
    }
    const responseContract = findContract(ctx.estate, responseRef);
    operations.push({
      operation,
      params: new ParameterValidator(operation),
      ...(validateRequest ? { validateRequest } : {}),
      ...(validateResponse ? { validateResponse } : {}),
      // Keys that read a pii or confidential field never reach a span or a log line (as on routes).
      ...(responseContract?.spec.businessKeys
        ? { responseBusinessKeys: unclassifiedBusinessKeys(responseContract.spec.businessKeys, responseContract.spec.classification) }
        : {}),
      backend,
    });
  }
  return { operations, feeds };
}
