import type { AdapterState } from './adapter-state.ts';

/** ISA13 is nine digits; after the last one the sequence starts again at 1. */
const MAX_CONTROL = 999_999_999;
const LAST_ISSUED = 'control/last';
/** A compare-and-set loses only when another replica won; this many losses in a row is a fault, not contention. */
const MAX_ROUNDS = 1_000;

/** The interchange a message was given: its control number and the instant its envelope carries. */
export interface X12Reservation {
  control: number;
  /** Epoch milliseconds stamped into ISA09/ISA10 and GS04/GS05, kept so a rewrite is byte-identical. */
  at: number;
  /** The interchange was handed to the sink in full. */
  sent: boolean;
}

/**
 * Interchange control numbers (ISA13 = GS06 = ST02) for one partner, in AdapterState so they survive
 * restarts and are shared by every replica. `next` advances the last issued number with a
 * compare-and-set, so two replicas never issue the same number: the loser reads the winner's number
 * and tries the one after it. `forMessage` ties a number to a delivery's idempotency key, so a
 * redelivery of the same message gets the same number (and the same envelope time) instead of a new
 * interchange.
 */
export class X12ControlNumbers {
  private readonly state: AdapterState;
  private readonly counter: AdapterState;

  /**
   * `state` keeps the reservations (they may age out), `counter` the last issued number (it must
   * not: a counter that expired would start again at 1); by default both are `state`.
   */
  constructor(state: AdapterState, counter: AdapterState = state) {
    this.state = state;
    this.counter = counter;
  }

  /** A number no earlier call (in any process sharing the state) returned. */
  async next(): Promise<number> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const last = await this.counter.get(LAST_ISSUED);
      const previous = last === undefined ? 0 : Number(last);
      const control = Number.isInteger(previous) && previous > 0 && previous < MAX_CONTROL ? previous + 1 : 1;
      if (await this.counter.update(LAST_ISSUED, last, String(control))) return control;
      // Lost to another replica: back off a little so two hot loops do not keep colliding.
      if (round > 3) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, round)));
    }
    throw new Error(`could not allocate an X12 control number in ${MAX_ROUNDS} rounds (the adapter state keeps changing)`);
  }

  /**
   * The reservation of the message with idempotency key `key`: the one made by an earlier attempt
   * (this process or another replica), else a new number stamped `now`.
   */
  async forMessage(key: string, now: number): Promise<X12Reservation> {
    const stored = await this.reservation(key);
    if (stored) return stored;
    const fresh: X12Reservation = { control: await this.next(), at: now, sent: false };
    if (await this.state.update(messageKey(key), undefined, JSON.stringify(fresh))) return fresh;
    // Another replica reserved this message first: use its number (ours is simply never used).
    const winner = await this.reservation(key);
    if (!winner) throw new Error(`the X12 reservation of ${key} vanished while it was being made`);
    return winner;
  }

  /** Records that the message's interchange was handed over whole, so a redelivery sends nothing. */
  async markSent(key: string, reservation: X12Reservation): Promise<void> {
    await this.state.put(messageKey(key), JSON.stringify({ ...reservation, sent: true }));
  }

  private async reservation(key: string): Promise<X12Reservation | undefined> {
    const text = await this.state.get(messageKey(key));
    if (text === undefined) return undefined;
    const value = JSON.parse(text) as X12Reservation;
    return { control: value.control, at: value.at, sent: value.sent === true };
  }
}

function messageKey(key: string): string {
  return `message/${key}`;
}
