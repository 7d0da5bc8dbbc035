import type { EdiLoop } from '../../generators/edi/loop-builder.ts';
import { x12Interchange } from '../../generators/edi/x12-envelope.ts';
import { DEFAULT_X12_DELIMITERS, writeX12 } from '../../generators/edi/x12-write.ts';

/**
 * The transaction set (JSON form of docs/edi-x12.md) as X12 text in an interchange from `sender` to
 * `receiver` — what the simulated EDI partner keeps as the document it received or sent. The envelope
 * is the run-time library's (generators/edi/x12-envelope.ts, x12-write.ts), the one the `edi-x12`
 * route target writes.
 */
export function x12Text(
  transaction: Record<string, unknown>,
  options: { sender: string; receiver: string; control: number; setId: string; at?: Date },
): string {
  const settings = {
    senderQualifier: '01',
    senderId: options.sender,
    receiverQualifier: '01',
    receiverId: options.receiver,
    applicationSenderId: options.sender,
    applicationReceiverId: options.receiver,
    version: '004010VICS',
    interchangeVersion: '00401',
    usage: 'P' as const,
    acknowledgementRequested: false,
    delimiters: DEFAULT_X12_DELIMITERS,
  };
  const interchange = x12Interchange(settings, options.setId, [transaction as EdiLoop], options.control, options.at ?? new Date());
  return writeX12(interchange, { lineBreaks: true });
}
