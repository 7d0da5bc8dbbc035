import { acknowledge, readAcknowledgement } from '../../generators/edi/x12-997.ts';
import type { GroupAcknowledgement } from '../../generators/edi/x12-997.ts';
import { x12Interchange } from '../../generators/edi/x12-envelope.ts';
import type { X12EnvelopeSettings } from '../../generators/edi/x12-envelope.ts';
import { parseX12 } from '../../generators/edi/x12-parse.ts';
import type { X12Problem } from '../../generators/edi/x12-parse.ts';
import { writeX12 } from '../../generators/edi/x12-write.ts';
import type { Backbone } from '../backbone/backbone.ts';
import type { DeadLetter, DeadLetterKind } from '../delivery/dead-letter.ts';
import type { AdapterState } from './adapter-state.ts';
import { X12Acknowledgements } from './x12-acknowledgements.ts';
import type { AcknowledgementRecord } from './x12-acknowledgements.ts';
import { X12ControlNumbers } from './x12-control-numbers.ts';
import { interchangeFileName } from './x12-target.ts';
import type { InterchangeSink } from './x12-target.ts';

export interface X12ExchangeOptions {
  system: string;
  settings: X12EnvelopeSettings;
  lineBreaks: boolean;
  /** Where our 997s go (the partner's inbound directory, the one the X12 target writes to). */
  sink: InterchangeSink;
  /** The System's X12 state, shared with its X12 targets (one control number sequence per partner). */
  state: AdapterState;
  /** Where the last issued control number is kept (default `state`; see X12ControlNumbers). */
  counter?: AdapterState;
  /** Dead letters for unanswered and rejected groups. */
  backbone: Pick<Backbone, 'publish'>;
  /** Answer inbound functional groups with 997s (default true). */
  sendAcknowledgements?: boolean;
  now?: () => number;
}

/** What one inbound interchange led to. */
export interface InboundResult {
  /** The 997 groups we answered with (none for an interchange of 997s, or an unreadable ISA). */
  acknowledged: GroupAcknowledgement[];
  /** The file our 997 interchange went out as. */
  file?: string;
  /** Our groups the partner's 997s settled (accepted or rejected). */
  reconciled: AcknowledgementRecord[];
  problems: X12Problem[];
}

/**
 * The functional-acknowledgement side of one X12 trading partner. `inbound` takes each interchange
 * the partner sends (a file pickup hands it over): a 997 in it settles the group of ours it names
 * (a rejection is dead-lettered); every other functional group is answered with a 997 written through
 * the sink — once, even when the same file is read twice (its 997 reuses one control number, reserved
 * by the partner's ISA06 and ISA13). `sweep` dead-letters each group of ours whose 997 is overdue,
 * with its control numbers, on the route target's dead-letter topic (`interlace dlq list`).
 */
export class X12Exchange {
  private readonly options: X12ExchangeOptions;
  private readonly numbers: X12ControlNumbers;
  readonly acknowledgements: X12Acknowledgements;
  /** The partner's state, shared with its X12 targets. */
  readonly state: AdapterState;
  readonly counter: AdapterState;

  constructor(options: X12ExchangeOptions) {
    this.options = options;
    this.state = options.state;
    this.counter = options.counter ?? options.state;
    this.numbers = new X12ControlNumbers(options.state, this.counter);
    this.acknowledgements = new X12Acknowledgements(options.state);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * Takes one interchange the partner sent. `refused`: the receiver refuses it whole (a file pickup
   * found a problem and moved the file to its error directory): its 997s settle nothing, and every
   * group is answered with a rejecting 997 (AK5 R, AK9 R) so the partner sends it again, corrected.
   */
  async inbound(text: string, options: { refused?: boolean } = {}): Promise<InboundResult> {
    const parsed = parseX12(text, { positions: false });
    const reconciled: AcknowledgementRecord[] = [];
    for (const group of options.refused ? [] : (parsed.value?.groups ?? [])) {
      if (group.GS.GS01 !== 'FA') continue;
      for (const tx of group.transactions) {
        const ack = readAcknowledgement(tx);
        if (!ack) continue;
        // The verdict first (a compare-and-set: a sweep declaring the group overdue at the same moment
        // leaves this 997 nothing to settle), then a rejection's letter; a crash in between leaves the
        // group listed, and the next sweep sends the letter.
        const record = await this.acknowledgements.received(ack);
        if (!record) continue;
        reconciled.push(record);
        if (record.status === 'rejected') await this.report(record);
      }
    }
    const answer = acknowledge(text, { refuseAll: options.refused === true });
    const acknowledged = answer.acknowledgements.filter((a) => a.functionalId !== 'FA');
    if (this.options.sendAcknowledgements === false || acknowledged.length === 0 || !answer.interchange)
      return { acknowledged: [], reconciled, problems: answer.problems };
    const key = `997-for/${answer.interchange.senderId}/${answer.interchange.control}`;
    const reservation = await this.numbers.forMessage(key, this.now());
    const file = interchangeFileName(this.options.settings, '997', reservation.control);
    if (!reservation.sent) {
      const interchange = x12Interchange(
        this.options.settings,
        '997',
        acknowledged.map((a) => a.transaction),
        reservation.control,
        new Date(reservation.at),
      );
      await this.options.sink.write(file, Buffer.from(writeX12(interchange, { lineBreaks: this.options.lineBreaks }), 'utf8'));
      await this.numbers.markSent(key, reservation);
    }
    return { acknowledged, file, reconciled, problems: answer.problems };
  }

  /**
   * Marks every group whose 997 is overdue `overdue` and dead-letters it; returns them. The mark comes
   * first, with a compare-and-set: a 997 arriving at the same moment either settles the group before
   * (no letter) or finds it overdue (its late 997 changes nothing), never both. The group stays listed
   * until its letter is out, so a crash in between is finished here by the next sweep — as is the
   * letter of a rejection whose 997 was read by a process that stopped before sending it. A letter's
   * message id is one per group and verdict, so replicas sweeping at once store one letter.
   */
  async sweep(): Promise<AcknowledgementRecord[]> {
    const now = this.now();
    const settled: AcknowledgementRecord[] = [];
    for (const record of await this.acknowledgements.due(now)) {
      const verdict = record.status === 'pending' ? await this.acknowledgements.markOverdue(record.groupControl, now) : record;
      if (!verdict) continue;
      await this.report(verdict);
      if (record.status === 'pending') settled.push(verdict);
    }
    return settled;
  }

  /** The dead letter of a group's verdict (`rejected` or `overdue`), then the group is off the list. */
  private async report(record: AcknowledgementRecord): Promise<void> {
    if (record.status === 'rejected') {
      const ack = record.received;
      const sets = (ack?.sets ?? [])
        .filter((s) => s.status !== 'A')
        .map((s) => `${s.setId} ${s.control} AK5 ${s.status}${s.code ? ` code ${s.code}` : ''}`);
      await this.deadLetter(
        record,
        'rejected',
        `the partner's 997 rejected group ${record.groupControl} (AK9 ${ack?.status ?? 'R'}${sets.length ? `; ${sets.join(', ')}` : ''}) of ${record.file}`,
      );
    } else {
      await this.deadLetter(
        record,
        'unacknowledged',
        `no 997 from the partner for group ${record.groupControl} (ISA13 ${record.groupControl.padStart(9, '0')}, ${record.functionalId} ${record.setId}, file ${record.file}) sent ${new Date(record.sentAt).toISOString()}; it was due by ${new Date(record.deadline).toISOString()}`,
      );
    }
    await this.acknowledgements.released(record.groupControl);
  }

  private async deadLetter(record: AcknowledgementRecord, kind: DeadLetterKind, reason: string): Promise<void> {
    const source = record.source;
    let payload: unknown;
    let payloadBase64: string | undefined;
    if (source) {
      const bytes = Buffer.from(source.payloadBase64, 'base64');
      try {
        payload = JSON.parse(bytes.toString('utf8'));
      } catch {
        payloadBase64 = source.payloadBase64;
      }
    }
    const letter: DeadLetter = {
      version: 1,
      route: record.route,
      target: record.target,
      system: this.options.system,
      kind,
      reason,
      message: {
        topic: source?.topic ?? '',
        sequence: source?.sequence ?? 0,
        ...(source?.key !== undefined ? { key: source.key } : {}),
        ...(source?.messageId !== undefined ? { messageId: source.messageId } : {}),
        publishedAt: new Date(source?.publishedAt ?? record.sentAt).toISOString(),
        headers: { ...(source?.headers ?? {}) },
        ...(payloadBase64 === undefined ? { payload } : { payloadBase64 }),
      },
      idempotencyKey: record.idempotencyKey,
      ...(record.orderingKey !== undefined ? { orderingKey: record.orderingKey } : {}),
      businessKeys: { ...record.businessKeys, x12GroupControl: record.groupControl, x12File: record.file },
      attempts: [],
      deadLetteredAt: new Date(this.now()).toISOString(),
    };
    await this.options.backbone.publish(record.deadLetterTopic, Buffer.from(JSON.stringify(letter)), {
      ...(record.orderingKey !== undefined ? { key: record.orderingKey } : {}),
      // One letter per group and verdict, however many replicas sweep or read the same 997.
      messageId: `dlq:${record.route}:${record.target}:x12:${this.options.system}:${record.groupControl}:${kind}`,
      headers: { 'interlace-dead-letter-kind': kind, 'interlace-route': record.route, 'interlace-target': record.target },
    });
  }
}
