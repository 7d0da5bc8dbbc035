import { createHash } from 'node:crypto';
import { ContractViolation } from '../../delivery/failures.ts';
import type { DeliveryTarget } from '../../delivery/targets.ts';
import type { AdapterState } from '../adapter-state.ts';
import { writeCsv } from './csv.ts';
import type { CsvOptions } from './csv.ts';
import { FileNameUnfilled, fillFileName } from './file-name-template.ts';
import { UnsafeFileName } from './file-sink.ts';
import type { FileSink } from './file-sink.ts';
import type { FileEncoding } from './text-decoding.ts';
import { UnencodableText, encodeText } from './text-encoding.ts';

/** How the mapped payload becomes the file's bytes: the text, then its encoding (text-encoding.ts). */
export type FileFormat = ({ kind: 'json' } | { kind: 'csv'; csv: CsvOptions }) & { encoding: FileEncoding };

export interface FileDropTargetOptions {
  /** The `file` System. */
  system: string;
  route: string;
  target: string;
  /** The file-name template (the target's `operation`), e.g. `{invoiceNumber}-{yyyyMMdd}.csv`. */
  nameTemplate: string;
  format: FileFormat;
  /** The target contract's business keys (name → field path), usable as placeholders. */
  businessKeys: Readonly<Record<string, string | undefined>>;
  sink: FileSink;
  /** This target's written files (`files/<system>`), opened on first use. */
  state: () => Promise<AdapterState>;
  now?: () => number;
}

interface Written {
  name: string;
  status: 'writing' | 'written';
}

/**
 * The bytes of a payload in a format. A character the encoding cannot hold throws UnencodableText
 * (the target makes it a ContractViolation: no retry writes it either).
 */
export function serialise(payload: unknown, format: FileFormat): Buffer {
  const text = format.kind === 'csv' ? writeCsv(payload, format.csv) : `${JSON.stringify(payload, null, 2)}\n`;
  return encodeText(text, format.encoding);
}

/**
 * The `file` route target: each message becomes one file in the System's directory (local or SFTP),
 * named by the template from the payload's business keys and written atomically through the FileSink.
 *
 * Idempotent across retries, redeliveries, restarts and replicas: the message's idempotency key pins
 * the file name in AdapterState (compare-and-set) before the write, so a date in the name cannot move
 * over midnight between two attempts, and once written the key is marked and a redelivery writes
 * nothing. A crash between the write and the mark rewrites the same name with the same bytes (an
 * atomic replace, not a second file). Two different messages that fill the template with the same name
 * would overwrite each other: the second is refused (permanent, dead-lettered) instead.
 */
export function fileDropTarget(options: FileDropTargetOptions): DeliveryTarget {
  const now = options.now ?? Date.now;
  const scope = `${options.route}/${options.target}`;
  return {
    description: `${options.system} file ${options.nameTemplate} → ${options.sink.description}`,
    system: options.system,
    async send(call) {
      const state = await options.state();
      const messageKey = `message/${scope}/${call.idempotencyKey}`;
      let record = parse(await state.get(messageKey));
      if (record?.status === 'written') return;
      if (!record) {
        let name: string;
        try {
          const hash = createHash('sha256').update(call.idempotencyKey).digest('hex').slice(0, 12);
          name = fillFileName(options.nameTemplate, call.payload, options.businessKeys, new Date(now()), hash);
        } catch (error) {
          if (error instanceof FileNameUnfilled || error instanceof UnsafeFileName) throw new ContractViolation(error.message);
          throw error;
        }
        const owner = `name/${name}`;
        const claimed = await state.update(owner, undefined, call.idempotencyKey);
        if (!claimed && (await state.get(owner)) !== call.idempotencyKey)
          throw new ContractViolation(
            `the file ${name} was already written for another message; make the file name template ${options.nameTemplate} tell messages apart (add a business key)`,
          );
        const fresh: Written = { name, status: 'writing' };
        if (!(await state.update(messageKey, undefined, JSON.stringify(fresh)))) {
          // Another replica pinned a name first: use its.
          record = parse(await state.get(messageKey));
          if (!record) throw new Error(`file target ${scope}: the pinned file name of ${call.idempotencyKey} vanished`);
          if (record.status === 'written') return;
        } else record = fresh;
      }
      call.signal.throwIfAborted();
      let bytes: Buffer;
      try {
        bytes = serialise(call.payload, options.format);
      } catch (error) {
        if (error instanceof UnencodableText) throw new ContractViolation(`file ${record.name}: ${error.message}`);
        throw error;
      }
      await options.sink.write(record.name, bytes);
      await state.put(messageKey, JSON.stringify({ name: record.name, status: 'written' } satisfies Written));
    },
  };
}

function parse(text: string | undefined): Written | undefined {
  return text === undefined ? undefined : (JSON.parse(text) as Written);
}
