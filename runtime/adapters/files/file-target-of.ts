import type { System } from '../../../language/kinds/generated/kinds.ts';
import { FILE_TARGET_FORMATS } from '../../../language/validate/check-deliverable-targets.ts';
import type { Backbone } from '../../backbone/backbone.ts';
import type { DeliveryTarget } from '../../delivery/targets.ts';
import type { Environment } from '../../http/secrets.ts';
import type { AdapterState } from '../adapter-state.ts';
import { openAdapterState } from '../open-adapter-state.ts';
import { DEFAULT_CSV } from './csv.ts';
import { fileDropTarget } from './file-drop-target.ts';
import type { FileFormat } from './file-drop-target.ts';
import { fileSinkFor } from './file-location.ts';

export interface FileTargetContext {
  backbone: Backbone;
  env: Environment;
  /** Where the embedded backbone keeps adapter state; unused on NATS. */
  stateDir: string | undefined;
}

/** The file format a `file` System's endpoint declares (`json` by default). */
export function fileFormatOf(system: System): FileFormat {
  const endpoint = system.spec.endpoint;
  const format = endpoint.format ?? 'json';
  if (!FILE_TARGET_FORMATS.has(format))
    throw new Error(`System ${system.metadata.name}: a file target writes json or csv, not ${format} (X12 goes to an edi-x12 System)`);
  const encoding = endpoint.encoding ?? 'utf-8';
  if (format === 'json') return { kind: 'json', encoding };
  return {
    kind: 'csv',
    encoding,
    csv: {
      delimiter: endpoint.csv?.delimiter ?? DEFAULT_CSV.delimiter,
      decimal: endpoint.csv?.decimal ?? DEFAULT_CSV.decimal,
      header: endpoint.csv?.header ?? DEFAULT_CSV.header,
      thousands: endpoint.csv?.thousands,
    },
  };
}

/**
 * The route target of a `file` System: one file per message in `endpoint.directory` (local, or on the
 * SFTP server of `endpoint.url`), named by the target's `operation` (default
 * `<route>-<target>-{yyyyMMddHHmmss}-{messageHash}.<format>`).
 */
export function fileTargetOf(
  route: string,
  target: { name: string; operation?: string | undefined },
  system: System,
  businessKeys: Readonly<Record<string, string | undefined>>,
  ctx: FileTargetContext,
): DeliveryTarget {
  const endpoint = system.spec.endpoint;
  const format = fileFormatOf(system);
  const name = system.metadata.name;
  const directory = endpoint.directory;
  if (!directory) throw new Error(`System ${name}: a file System needs endpoint.directory`);
  const sink = fileSinkFor({ directory, url: endpoint.url, sftp: endpoint.sftp }, ctx.env, `System ${name}`);
  let state: Promise<AdapterState> | undefined;
  return fileDropTarget({
    system: name,
    route,
    target: target.name,
    nameTemplate: target.operation ?? `${route}-${target.name}-{yyyyMMddHHmmss}-{messageHash}.${format.kind}`,
    format,
    businessKeys,
    sink,
    state: () => {
      state ??= openAdapterState(ctx.backbone, ctx.stateDir, `files/${name}`).catch((error: unknown) => {
        state = undefined;
        throw error;
      });
      return state;
    },
  });
}
