/**
 * Counts the requests a client sends, by verb. The controller's promise "no write at all when nothing
 * changed" is checked by tests and the benchmark through this count, not by trusting the code path.
 */

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/apis/apps/v1/namespaces/shop/deployments/route-a?fieldManager=…`. */
  path: string;
  /** Server-side dry-run requests change nothing and are not counted as writes. */
  dryRun: boolean;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class RequestCounter {
  readonly requests: RecordedRequest[] = [];
  /** Keep at most this many records (the counts stay exact); a long-running controller must not grow without bound. */
  private readonly keep: number;
  private readonly counts = new Map<string, number>();

  /** Observes every request (the controller turns them into a Prometheus counter). */
  onRecord: ((method: string, path: string, dryRun: boolean) => void) | undefined;

  constructor(keep = 10_000) {
    this.keep = keep;
  }

  record(method: string, path: string): void {
    const dryRun = /[?&]dryRun=All\b/.test(path);
    this.onRecord?.(method, path, dryRun);
    const key = `${method}${dryRun ? ' dry-run' : ''}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.requests.length < this.keep) this.requests.push({ method, path, dryRun });
  }

  /** Requests that change the cluster (POST, PUT, PATCH, DELETE without dryRun), optionally only those matching `filter`. */
  writes(filter?: (r: RecordedRequest) => boolean): RecordedRequest[] {
    return this.requests.filter((r) => WRITE_METHODS.has(r.method) && !r.dryRun && (!filter || filter(r)));
  }

  writeCount(): number {
    let n = 0;
    for (const [key, count] of this.counts) if (WRITE_METHODS.has(key)) n += count;
    return n;
  }

  total(): number {
    let n = 0;
    for (const count of this.counts.values()) n += count;
    return n;
  }

  /** Starts counting afresh (tests take a mark before the step they measure). */
  reset(): void {
    this.requests.length = 0;
    this.counts.clear();
  }
}
