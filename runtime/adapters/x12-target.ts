import type { EdiLoop } from '../../generators/edi/loop-builder.ts';
import { FUNCTIONAL_IDS, x12Interchange } from '../../generators/edi/x12-envelope.ts';
import type { X12EnvelopeSettings } from '../../generators/edi/x12-envelope.ts';
import { X12WriteError, writeX12 } from '../../generators/edi/x12-write.ts';
import { ContractViolation } from '../delivery/failures.ts';
import type { DeliveryTarget } from '../delivery/targets.ts';
import type { AdapterState } from './adapter-state.ts';
import { X12Acknowledgements } from './x12-acknowledgements.ts';
import { X12ControlNumbers } from './x12-control-numbers.ts';

/**
 * Where interchanges are written: the part of FileSink (runtime/adapters/files/file-sink.ts, a local
 * directory or one on an SFTP server) this target uses. `write` is atomic: a temporary name, then a
 * rename, so the partner's side never picks up half an interchange, and a second write of the same
 * name replaces the first whole.
 */
export interface InterchangeSink {
  readonly description: string;
  write(name: string, bytes: Uint8Array): Promise<void>;
}

export interface X12TargetOptions {
  /** The edi-x12 System. */
  system: string;
  route: string;
  target: string;
  /** ST01 of what the route's mapping makes (the target's `operation`: `856`, `810`, …). */
  setId: string;
  settings: X12EnvelopeSettings;
  lineBreaks: boolean;
  sink: InterchangeSink;
  /** The System's X12 state (`x12/<system>`): control numbers and the 997s waited for. */
  state: AdapterState;
  /** Where the last issued control number is kept (default `state`; see X12ControlNumbers). */
  counter?: AdapterState;
  /** How long the partner has to answer with a 997; undefined: no 997 is expected. */
  acknowledgementWithinMs: number | undefined;
  /** The route target's dead-letter topic, where an unanswered group is reported. */
  deadLetterTopic: string;
  now?: () => number;
}

/** The file name of an interchange: its set, the partners and the control number (unique per partner). */
export function interchangeFileName(settings: X12EnvelopeSettings, setId: string, control: number): string {
  const safe = (s: string) => s.trim().replace(/[^A-Za-z0-9_-]/g, '_');
  return `${setId}_${safe(settings.senderId)}_${safe(settings.receiverId)}_${String(control).padStart(9, '0')}.x12`;
}

/**
 * The `edi-x12` route target: the mapped transaction set (docs/edi-x12.md JSON) goes out as one
 * interchange (ISA/GS/ST…SE/GE/IEA) written through the sink.
 *
 * Idempotent across retries, redeliveries, restarts and replicas: the message's idempotency key
 * reserves one control number and one envelope time in AdapterState (X12ControlNumbers.forMessage),
 * so every attempt writes the same bytes under the same name, and once the write succeeded the
 * message is marked sent and a redelivery writes nothing. A crash between the write and the mark
 * rewrites the identical file (an atomic replace of the same name, not a second interchange).
 *
 * A value the writer refuses (a delimiter inside data, a non-object payload) is a ContractViolation:
 * permanent, dead-lettered at once. When the System expects 997s, each sent group is recorded with
 * its deadline (X12Acknowledgements) before the delivery counts as done.
 */
export function x12Target(options: X12TargetOptions): DeliveryTarget {
  const numbers = new X12ControlNumbers(options.state, options.counter);
  const acknowledgements = new X12Acknowledgements(options.state);
  const now = options.now ?? Date.now;
  return {
    description: `${options.system} X12 ${options.setId} to ${options.sink.description}`,
    system: options.system,
    async send(call) {
      const payload = call.payload;
      if (!payload || typeof payload !== 'object' || Array.isArray(payload))
        throw new ContractViolation(`an X12 ${options.setId} target needs the transaction set as a JSON object, found ${typeof payload}`);
      const reservation = await numbers.forMessage(call.idempotencyKey, now());
      if (reservation.sent) return;
      let text: string;
      try {
        const interchange = x12Interchange(
          options.settings,
          options.setId,
          [payload as EdiLoop],
          reservation.control,
          new Date(reservation.at),
        );
        text = writeX12(interchange, { lineBreaks: options.lineBreaks });
      } catch (error) {
        if (error instanceof X12WriteError) throw new ContractViolation(`the ${options.setId} cannot be written as X12: ${error.message}`);
        throw error;
      }
      const file = interchangeFileName(options.settings, options.setId, reservation.control);
      call.signal.throwIfAborted();
      await options.sink.write(file, Buffer.from(text, 'utf8'));
      if (options.acknowledgementWithinMs !== undefined) {
        const source = call.source;
        await acknowledgements.expect({
          groupControl: String(reservation.control),
          functionalId: FUNCTIONAL_IDS.get(options.setId) ?? '',
          setId: options.setId,
          file,
          route: options.route,
          target: options.target,
          deadLetterTopic: options.deadLetterTopic,
          idempotencyKey: call.idempotencyKey,
          ...(call.orderingKey !== undefined ? { orderingKey: call.orderingKey } : {}),
          ...(source
            ? {
                source: {
                  topic: source.topic,
                  sequence: source.sequence,
                  ...(source.messageId !== undefined ? { messageId: source.messageId } : {}),
                  ...(source.key !== undefined ? { key: source.key } : {}),
                  publishedAt: source.publishedAt,
                  headers: { ...source.headers },
                  payloadBase64: Buffer.from(source.payload).toString('base64'),
                },
              }
            : {}),
          businessKeys: { ...(call.businessKeys ?? {}) },
          sentAt: reservation.at,
          deadline: reservation.at + options.acknowledgementWithinMs,
        });
      }
      await numbers.markSent(call.idempotencyKey, reservation);
    },
  };
}
