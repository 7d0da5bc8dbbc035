import type { AcknowledgementReceived } from '../../generators/edi/x12-997.ts';
import type { AdapterState } from './adapter-state.ts';

/** A functional group we sent and the 997 we wait for. */
export interface ExpectedAcknowledgement {
  /** GS06 of the group (the 997's AK102 names it). */
  groupControl: string;
  functionalId: string;
  setId: string;
  /** The file the interchange went out as. */
  file: string;
  route: string;
  target: string;
  /** The route target's dead-letter topic. */
  deadLetterTopic: string;
  idempotencyKey: string;
  orderingKey?: string;
  /** The source message, for the dead letter (and `interlace dlq show`). */
  source?: {
    topic: string;
    sequence: number;
    messageId?: string;
    key?: string;
    publishedAt: number;
    headers: Record<string, string>;
    payloadBase64: string;
  };
  businessKeys: Record<string, string>;
  sentAt: number;
  /** Epoch milliseconds by which a 997 must have arrived. */
  deadline: number;
}

/** Where an expected acknowledgement stands. */
export type AcknowledgementStatus = 'pending' | 'accepted' | 'rejected' | 'overdue';

export interface AcknowledgementRecord extends ExpectedAcknowledgement {
  status: AcknowledgementStatus;
  /** The 997, once one arrived. */
  received?: AcknowledgementReceived;
}

const PENDING = 'ack/pending';
const MAX_ROUNDS = 1_000;

/**
 * The 997s we wait for, in AdapterState: each sent group under `ack/<GS06>` with its deadline, and
 * the list of groups still open (AdapterState has no key listing). Every transition out of `pending`
 * is a compare-and-set, so of two replicas sweeping at once, or a 997 arriving as the deadline passes,
 * exactly one wins and the group gets one verdict. A verdict that owes a dead letter (`rejected`,
 * `overdue`) keeps the group on the list until `released` says the letter is out, so a crash between
 * the verdict and the letter is finished by the next sweep instead of losing the letter.
 */
export class X12Acknowledgements {
  private readonly state: AdapterState;

  constructor(state: AdapterState) {
    this.state = state;
  }

  /** Starts waiting for a 997 for this group (again: idempotent for a redelivery). */
  async expect(expected: ExpectedAcknowledgement): Promise<void> {
    const key = recordKey(expected.groupControl);
    const record: AcknowledgementRecord = { ...expected, status: 'pending' };
    if (!(await this.state.update(key, undefined, JSON.stringify(record)))) {
      // An earlier attempt stored it; it may have stopped before listing it.
      if ((await this.record(expected.groupControl))?.status !== 'pending') return;
    }
    await this.editPending((list) => (list.includes(expected.groupControl) ? list : [...list, expected.groupControl]));
  }

  /**
   * Reconciles a partner's 997: the group it names becomes `accepted` (AK901 A or E) or `rejected`
   * (P or R; it stays listed until its letter is `released`). Returns the updated record, or undefined
   * when the 997 names no group we wait for (someone else's, or one already settled — a repeated 997,
   * or one that came after the group was declared overdue, changes nothing).
   */
  async received(ack: AcknowledgementReceived): Promise<AcknowledgementRecord | undefined> {
    const settled = await this.settle(ack.groupControl, (record) => ({
      ...record,
      status: ack.status === 'A' || ack.status === 'E' ? 'accepted' : 'rejected',
      received: ack,
    }));
    return settled;
  }

  /**
   * What a sweep has to do: pending groups whose deadline has passed (not claimed: see
   * `markOverdue`), and groups with a verdict whose dead letter is not known to be out (`rejected`
   * or `overdue` still listed: the process stopped between the verdict and the letter).
   */
  async due(now: number): Promise<AcknowledgementRecord[]> {
    const due: AcknowledgementRecord[] = [];
    for (const control of await this.pending()) {
      const record = await this.record(control);
      if (record?.status === 'pending' ? record.deadline <= now : owesLetter(record)) due.push(record!);
      else if (record?.status !== 'pending') await this.released(control);
    }
    return due;
  }

  /**
   * Marks a due group `overdue` (it stays listed until its letter is `released`); undefined when a
   * 997 settled it first (or another replica did).
   */
  async markOverdue(groupControl: string, now: number): Promise<AcknowledgementRecord | undefined> {
    return this.settle(groupControl, (r) => (r.deadline <= now ? { ...r, status: 'overdue' } : undefined));
  }

  /** Takes a settled group off the list: nothing more is owed for it (its letter, if any, is out). */
  async released(groupControl: string): Promise<void> {
    await this.editPending((list) => list.filter((c) => c !== groupControl));
  }

  /** The record of one group (tests, `interlace run`'s summary). */
  async record(groupControl: string): Promise<AcknowledgementRecord | undefined> {
    const text = await this.state.get(recordKey(groupControl));
    return text === undefined ? undefined : (JSON.parse(text) as AcknowledgementRecord);
  }

  /** Group control numbers still open: waiting for a 997, or for the dead letter of their verdict. */
  async pending(): Promise<string[]> {
    const text = await this.state.get(PENDING);
    return text === undefined ? [] : (JSON.parse(text) as string[]);
  }

  /** Moves a pending record on with a compare-and-set; undefined when it is not pending (or `change` declines). */
  private async settle(
    control: string,
    change: (record: AcknowledgementRecord) => AcknowledgementRecord | undefined,
  ): Promise<AcknowledgementRecord | undefined> {
    const key = recordKey(control);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const text = await this.state.get(key);
      if (text === undefined) return undefined;
      const record = JSON.parse(text) as AcknowledgementRecord;
      if (record.status !== 'pending') {
        if (!owesLetter(record)) await this.released(control);
        return undefined;
      }
      const next = change(record);
      if (!next) return undefined;
      if (await this.state.update(key, text, JSON.stringify(next))) {
        if (!owesLetter(next)) await this.released(control);
        return next;
      }
    }
    throw new Error(`could not settle the 997 of group ${control} in ${MAX_ROUNDS} rounds`);
  }

  private async editPending(edit: (list: string[]) => string[]): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const text = await this.state.get(PENDING);
      const list = text === undefined ? [] : (JSON.parse(text) as string[]);
      const next = edit(list);
      if (next.length === list.length && next.every((c, i) => c === list[i])) return;
      if (await this.state.update(PENDING, text, JSON.stringify(next))) return;
    }
    throw new Error(`could not update the list of pending 997s in ${MAX_ROUNDS} rounds`);
  }
}

/** A verdict reported as a dead letter of the route target. */
function owesLetter(record: AcknowledgementRecord | undefined): boolean {
  return record?.status === 'rejected' || record?.status === 'overdue';
}

function recordKey(groupControl: string): string {
  return `ack/group/${groupControl}`;
}
