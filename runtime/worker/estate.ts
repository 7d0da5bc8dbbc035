import type { Api, DataContract, EventRoute, System } from '../../language/kinds/generated/kinds.ts';
import { businessKeysOf, unclassifiedBusinessKeys } from '../observe/business-keys.ts';
import type { ContractBusinessKeys } from '../observe/business-keys.ts';

/**
 * The specs a worker needs, as plain data: the routes and APIs it runs, the Systems they call, the
 * contracts they carry (identity, business keys, schema). `interlace worker` reads them from the
 * specs (load-estate.ts); `interlace run` passes the estate it already validated.
 */
export interface WorkerEstate {
  routes: EventRoute[];
  apis: Api[];
  systems: System[];
  contracts: DataContract[];
}

/** Builds a WorkerEstate from validated documents. */
export function estateFromDocuments(documents: readonly { kind: string; value: unknown }[]): WorkerEstate {
  const estate: WorkerEstate = { routes: [], apis: [], systems: [], contracts: [] };
  for (const doc of documents) {
    if (doc.kind === 'EventRoute') estate.routes.push(doc.value as EventRoute);
    else if (doc.kind === 'Api') estate.apis.push(doc.value as Api);
    else if (doc.kind === 'System') estate.systems.push(doc.value as System);
    else if (doc.kind === 'DataContract') estate.contracts.push(doc.value as DataContract);
  }
  return estate;
}

/** `order@2`, `order@^2.1.0`, `order@2.x` → name and major (the estate was validated: references resolve). */
export function parseReference(reference: string): { name: string; major: number | undefined } {
  const at = reference.indexOf('@');
  if (at === -1) return { name: reference, major: undefined };
  const digits = /([0-9]+)/.exec(reference.slice(at + 1));
  return { name: reference.slice(0, at), major: digits ? Number(digits[1]) : undefined };
}

/** The contract a reference names (the highest version of that major). */
export function findContract(estate: WorkerEstate, reference: string): DataContract | undefined {
  const { name, major } = parseReference(reference);
  const candidates = estate.contracts.filter((c) => c.metadata.name === name && (major === undefined || majorOf(c.spec.version) === major));
  return candidates.sort((a, b) => compareVersions(b.spec.version, a.spec.version))[0];
}

/**
 * The business keys of a value by the ref of its contract, by the rule of every span and log line
 * (business-keys.ts `unclassifiedBusinessKeys`): never one that reads a pii or confidential field.
 */
export function contractBusinessKeys(estate: WorkerEstate): ContractBusinessKeys {
  const declared = new Map<string, Record<string, string> | undefined>();
  return (reference, value) => {
    if (!declared.has(reference)) {
      const contract = findContract(estate, reference);
      declared.set(reference, unclassifiedBusinessKeys(contract?.spec.businessKeys, contract?.spec.classification));
    }
    return businessKeysOf(value, declared.get(reference));
  };
}

export function findSystem(estate: WorkerEstate, name: string | undefined): System | undefined {
  return name === undefined ? undefined : estate.systems.find((s) => s.metadata.name === name);
}

export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map(Number);
  const pb = b.split(/[.+-]/).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * The topic a route consumes: its `source.topic`, or for a System event `<system>.<event>` in lower
 * case (`legacy-erp` + `SalesOrder.Created` → `legacy-erp.salesorder.created`) — where the ingest for
 * that System (a webhook, a poller, a simulated system under `interlace run`) publishes.
 */
export function sourceTopicOf(route: EventRoute): string {
  const source = route.spec.source;
  if (source.topic) return source.topic;
  return `${source.system ?? 'events'}.${(source.event ?? route.metadata.name).toLowerCase()}`;
}
