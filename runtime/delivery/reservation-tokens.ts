import { randomBytes } from 'node:crypto';

/**
 * The reservation tokens one idempotency store instance has handed out and not yet seen committed or
 * released. A token is `<owner>#<instance>.<n>`, so the store can tell three holders of a key apart:
 * a reservation of this instance that is still running (always busy, whatever its lease says: the
 * delivery holding it may be calling the target right now), one left by an earlier incarnation of
 * the same owner (taken over at once), and another worker's (busy until its lease ends).
 */
export class ReservationTokens {
  private readonly live = new Set<string>();
  private readonly prefix: string;
  private next = 0;

  constructor() {
    // The instance part keeps tokens unique across restarts of a worker with a stable owner id.
    this.prefix = randomBytes(4).toString('hex');
  }

  issue(owner: string): string {
    const token = `${owner}#${this.prefix}.${++this.next}`;
    this.live.add(token);
    return token;
  }

  /** The reservation ended here (committed or released): its holder no longer calls the target. */
  end(token: string): void {
    this.live.delete(token);
  }

  /**
   * What to do with an existing reservation held by `holder` whose lease ends at `leaseUntil`:
   * busy (with the time to come back), or take it over.
   */
  decide(holder: string, leaseUntil: number, owner: string, now: number): { busy: true; retryInMs: number } | { busy: false } {
    if (this.live.has(holder)) return { busy: true, retryInMs: Math.max(100, leaseUntil - now) };
    if (ownerOf(holder) === owner) return { busy: false };
    if (leaseUntil > now) return { busy: true, retryInMs: leaseUntil - now };
    return { busy: false };
  }

  /** Reservations this instance holds (tests, the live view). */
  get size(): number {
    return this.live.size;
  }
}

/** The owner part of a token (a token written by an older version is the bare owner). */
function ownerOf(token: string): string {
  const hash = token.lastIndexOf('#');
  return hash < 0 ? token : token.slice(0, hash);
}
