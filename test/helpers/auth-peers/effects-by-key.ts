/**
 * What a target that honours `Idempotency-Key` does with the writes it accepts, for the kill -9 tests
 * of authenticated calls: the first write with a key is applied, a later one with the same key is
 * answered again without a second effect (and counted), and a write without a key is applied every
 * time (the target cannot tell it from a new one). `holdMs` holds each answer after its effect — the
 * window in which a worker killed mid-call has changed the target without knowing it.
 */
export class EffectsByKey {
  /** The body of each applied effect by its key, in the order applied. */
  readonly applied = new Map<string, unknown>();
  /** Writes whose key had been applied before, by key. */
  readonly repeated = new Map<string, number>();
  /** Writes that came without an Idempotency-Key. */
  withoutKey = 0;
  /** Writes applied whose answer is still being held. */
  held = 0;
  holdMs: number;

  constructor(holdMs = 0) {
    this.holdMs = holdMs;
  }

  /** Applies a write once per key; true when this write applied it. */
  apply(key: string | string[] | undefined, body: unknown): boolean {
    if (typeof key !== 'string' || key === '') {
      this.withoutKey++;
      this.applied.set(`(no key ${this.withoutKey})`, body);
      return true;
    }
    if (this.applied.has(key)) {
      this.repeated.set(key, (this.repeated.get(key) ?? 0) + 1);
      return false;
    }
    this.applied.set(key, body);
    return true;
  }

  /** Waits `holdMs` before the answer goes out, counted in `held` meanwhile. */
  async hold(): Promise<void> {
    if (this.holdMs <= 0) return;
    this.held++;
    try {
      await new Promise((resolve) => setTimeout(resolve, this.holdMs));
    } finally {
      this.held--;
    }
  }

  /** Repeated writes in all. */
  get repeats(): number {
    let n = 0;
    for (const count of this.repeated.values()) n += count;
    return n;
  }
}
