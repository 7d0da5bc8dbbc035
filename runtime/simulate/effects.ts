/**
 * What a simulated system did, counted by a business effect key (`pick:DP-2026-000001`,
 * `goods-issue:SHP-DE01-0000001`): the evidence behind "no target saw an effect twice". A key applied
 * a second time is a duplicate effect — a real system would have picked, booked or invoiced twice.
 * Requests carrying an Idempotency-Key that was already seen are counted too (retries after a
 * failure are expected to repeat it; that alone is no duplicate effect).
 */
export class EffectLedger {
  private readonly counts = new Map<string, number>();
  /** When each effect was first applied (ms, performance clock): says how long after it a duplicate came. */
  private readonly firstAt = new Map<string, number>();
  private readonly byKind = new Map<string, number>();
  private readonly seenIdempotencyKeys = new Set<string>();
  private duplicateCount = 0;
  private repeatedKeyCount = 0;
  /** The first few duplicate keys, for a readable failure message. */
  readonly duplicateKeys: string[] = [];
  /** For the same duplicates: how long after the first application each one came (ms). */
  readonly duplicateDelaysMs: number[] = [];

  /** Records one effect; returns false when the same effect was already applied (a duplicate). */
  record(kind: string, key: string, idempotencyKey?: string): boolean {
    if (idempotencyKey !== undefined) {
      if (this.seenIdempotencyKeys.has(idempotencyKey)) this.repeatedKeyCount++;
      else this.seenIdempotencyKeys.add(idempotencyKey);
    }
    const full = `${kind}:${key}`;
    const n = (this.counts.get(full) ?? 0) + 1;
    this.counts.set(full, n);
    if (n > 1) {
      this.duplicateCount++;
      if (this.duplicateKeys.length < 20) {
        this.duplicateKeys.push(full);
        this.duplicateDelaysMs.push(Math.round(performance.now() - (this.firstAt.get(full) ?? 0)));
      }
      return false;
    }
    this.firstAt.set(full, performance.now());
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    return true;
  }

  has(kind: string, key: string): boolean {
    return this.counts.has(`${kind}:${key}`);
  }

  /** Distinct effects of a kind. */
  count(kind: string): number {
    return this.byKind.get(kind) ?? 0;
  }

  get duplicates(): number {
    return this.duplicateCount;
  }

  snapshot(): { effects: Record<string, number>; duplicates: number; duplicateKeys: string[]; repeatedIdempotencyKeys: number } {
    return {
      effects: Object.fromEntries(this.byKind),
      duplicates: this.duplicateCount,
      duplicateKeys: [...this.duplicateKeys],
      repeatedIdempotencyKeys: this.repeatedKeyCount,
    };
  }
}
