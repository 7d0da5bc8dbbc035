/**
 * Remembers verified webhook deliveries for a while, so a captured request sent again is refused
 * (GitHub and GitLab sign or authenticate the body, not the moment it was sent). Bounded in time and
 * in entries: the oldest are forgotten first.
 */
export class DeliveryLog {
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** key → when it was first seen; insertion order is age order. */
  private readonly seen = new Map<string, number>();

  constructor(options: { windowMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.windowMs = options.windowMs ?? 10 * 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * True when none of `keys` was seen within the window (and records them all); false for a replay.
   * A delivery has several keys (its id, its body digest): matching any one is a replay.
   */
  firstSeen(keys: readonly string[]): boolean {
    const now = this.now();
    this.expire(now);
    if (keys.some((k) => this.seen.has(k))) return false;
    for (const key of keys) this.seen.set(key, now);
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }

  /** Forgets a delivery that could not be acted on, so the sender's retry is not taken for a replay. */
  forget(keys: readonly string[]): void {
    for (const key of keys) this.seen.delete(key);
  }

  get size(): number {
    return this.seen.size;
  }

  private expire(now: number): void {
    for (const [key, at] of this.seen) {
      if (now - at < this.windowMs) break;
      this.seen.delete(key);
    }
  }
}
