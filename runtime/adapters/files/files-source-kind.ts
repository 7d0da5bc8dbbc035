import { posix } from 'node:path';
import type { System } from '../../../language/kinds/generated/kinds.ts';
import { parseDuration } from '../../../lib/duration.ts';
import type { SourceDependencies, SourceKind, SourceSecret, SourceSystem } from '../sources/create-sources.ts';
import { DEFAULT_CSV } from './csv.ts';
import type { ColumnType } from './csv.ts';
import type { FileParseSettings } from './file-parse.ts';
import { fileStoreFor } from './file-location.ts';
import { FilesSource } from './files-source.ts';
import type { FilePickup } from './files-source.ts';

/** One entry of `System.spec.sources.files`. */
export type FilePickupSpec = NonNullable<NonNullable<System['spec']['sources']>['files']>[number];

const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_SETTLE_MS = 2_000;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

function durationOr(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const parsed = parseDuration(text);
  return parsed.ok ? parsed.ms : fallback;
}

function typeOf(schema: unknown): ColumnType | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  const type = (schema as { type?: unknown }).type;
  const types = Array.isArray(type) ? type : [type];
  for (const t of ['integer', 'number', 'boolean'] as const) if (types.includes(t)) return t;
  return undefined;
}

/**
 * The columns a record contract types: `amount` → number where its schema says `type: number`,
 * nested objects as dotted columns (`customer.discount`), at most three levels. Everything else is text.
 */
export function columnTypesOf(schema: unknown, prefix = '', depth = 0, into: Record<string, ColumnType> = {}): Record<string, ColumnType> {
  if (schema === null || typeof schema !== 'object' || depth > 3) return into;
  const properties = (schema as { properties?: unknown }).properties;
  if (properties === null || typeof properties !== 'object') return into;
  for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
    const type = typeOf(property);
    if (type) into[`${prefix}${name}`] = type;
    else columnTypesOf(property, `${prefix}${name}.`, depth + 1, into);
  }
  return into;
}

/** A schema one CSV cell cannot be checked against by itself: an object, a list, a reference, a combination. */
function spansColumns(property: object): boolean {
  const type = (property as { type?: unknown }).type;
  const types = Array.isArray(type) ? type : [type];
  return types.includes('object') || types.includes('array') || ['$ref', 'allOf', 'anyOf', 'oneOf'].some((key) => key in property);
}

/**
 * The columns a record contract requires: its `required` fields, and those of a nested object the
 * contract requires (`customer.id` when `customer` and its `id` are required), at most three levels.
 * A required object without listed properties, a list or a reference is left to the contract check
 * downstream: no single column stands for it.
 */
export function requiredColumnsOf(schema: unknown, prefix = '', depth = 0, into: string[] = []): string[] {
  if (schema === null || typeof schema !== 'object' || depth > 3) return into;
  const { properties, required } = schema as { properties?: unknown; required?: unknown };
  if (!Array.isArray(required)) return into;
  for (const name of required) {
    if (typeof name !== 'string') continue;
    const property = properties !== null && typeof properties === 'object' ? (properties as Record<string, unknown>)[name] : undefined;
    if (property !== null && typeof property === 'object') {
      if ('properties' in property) requiredColumnsOf(property, `${prefix}${name}.`, depth + 1, into);
      else if (!spansColumns(property)) into.push(`${prefix}${name}`);
    } else into.push(`${prefix}${name}`);
  }
  return into;
}

/** How the pickup's files become events. */
function parseSettingsOf(spec: FilePickupSpec, contractSchema: SourceDependencies['contractSchema']): FileParseSettings {
  switch (spec.format) {
    case 'csv':
      return {
        format: 'csv',
        csv: {
          delimiter: spec.csv?.delimiter ?? DEFAULT_CSV.delimiter,
          decimal: spec.csv?.decimal ?? DEFAULT_CSV.decimal,
          header: spec.csv?.header ?? DEFAULT_CSV.header,
          thousands: spec.csv?.thousands,
        },
        types: spec.contract && contractSchema ? columnTypesOf(contractSchema(spec.contract)) : {},
        required: spec.contract && contractSchema ? requiredColumnsOf(contractSchema(spec.contract)) : [],
      };
    case 'xml':
      return { format: 'xml', recordElement: spec.recordElement };
    default:
      return { format: spec.format };
  }
}

function definedEntries(map: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

/** The resolved pickup: defaults filled in (docs/adapters.md, Sources: files). */
export function filePickupOf(spec: FilePickupSpec, contractSchema?: SourceDependencies['contractSchema']): FilePickup {
  return {
    name: spec.name,
    directory: spec.directory,
    glob: spec.glob ?? '*',
    event: spec.event,
    events: spec.format === 'x12' || spec.format === 'edifact' ? definedEntries(spec.events) : {},
    parse: parseSettingsOf(spec, contractSchema),
    encoding: spec.encoding,
    intervalMs: durationOr(spec.interval, DEFAULT_INTERVAL_MS),
    settleMs: durationOr(spec.settle, DEFAULT_SETTLE_MS),
    maxBytes: spec.maxBytes ?? DEFAULT_MAX_BYTES,
    afterPublish: spec.afterPublish ?? 'archive',
    archiveDirectory: spec.archiveDirectory ?? posix.join(spec.directory, 'archive'),
    errorDirectory: spec.errorDirectory ?? posix.join(spec.directory, 'error'),
  };
}

function pickupsOf(system: SourceSystem): FilePickupSpec[] {
  return system.spec.sources?.files ?? [];
}

/**
 * `System.spec.sources.files`: one FilesSource per pickup, each with its own store (local or SFTP).
 * An x12 pickup of an `edi-x12` System hands every interchange to the partner's X12 exchange (997s in
 * and out), when the worker provides one.
 */
export const filesSourceKind: SourceKind = {
  property: 'files',
  create(system, deps) {
    const exchange = system.spec.endpoint.protocol === 'edi-x12' ? deps.x12Exchange : undefined;
    return pickupsOf(system).map(
      (spec) =>
        new FilesSource(
          filePickupOf(spec, deps.contractSchema),
          fileStoreFor(
            { directory: spec.directory, url: spec.url, sftp: spec.sftp },
            deps.env,
            `file source ${system.metadata.name}/${spec.name}`,
          ),
          exchange && spec.format === 'x12' ? () => exchange(system) : undefined,
        ),
    );
  },
  secrets(system) {
    const out: SourceSecret[] = [];
    const login = (secret: string) => {
      for (const key of ['private-key', 'passphrase', 'password']) out.push({ secret, key, optional: true });
    };
    for (const spec of pickupsOf(system)) if (spec.url && spec.sftp) login(spec.sftp.secretRef.name);
    // An x12 pickup of an edi-x12 System writes our 997s into the System's own directory: its login too.
    const endpoint = system.spec.endpoint;
    if (
      endpoint.protocol === 'edi-x12' &&
      endpoint.url?.startsWith('sftp://') &&
      endpoint.sftp &&
      pickupsOf(system).some((spec) => spec.format === 'x12')
    )
      login(endpoint.sftp.secretRef.name);
    return out;
  },
};
