/**
 * Misbehaviour on demand for the simulated systems, per endpoint: the fault tests and `interlace run`
 * tell a system to answer 500, 503 with Retry-After, time out, be slow, reject with 400, or answer garbage — for the
 * next N requests or until cleared. Faults are checked before the endpoint runs, so a faulted request
 * has no effect (like a real server that failed before committing), except `timeout-after-effect`,
 * which applies the effect and then never answers (the window an Idempotency-Key closes).
 */

export type FaultMode =
  /** Answer `status` (default 500) without effect. */
  | 'error'
  /** Answer 503 (or `status`) with `Retry-After: retryAfterSeconds`. */
  | 'retry-after'
  /** Hold the request and never answer (the client's timeout fires). */
  | 'timeout'
  /** Apply the effect, then never answer. */
  | 'timeout-after-effect'
  /** Wait `delayMs`, then handle normally. */
  | 'slow'
  /** Answer 400 (or `status`) — a permanent rejection. */
  | 'reject'
  /** Answer 200 with a body that is not JSON (a proxy's HTML error page, a cut-off answer), without effect. */
  | 'garbage';

export interface FaultRule {
  /** `METHOD /path` or a path; found anywhere in the request path (systems keep their base path). Absent: every endpoint. */
  endpoint?: string;
  mode: FaultMode;
  status?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
  /** How many matching requests it applies to; absent: until cleared. */
  times?: number;
  /** Only requests whose body contains this text (a poison message's marker). */
  bodyIncludes?: string;
}

export interface FaultDecision {
  rule: FaultRule;
}

/** The active fault rules of one simulated system. */
export class FaultPlan {
  private rules: { rule: FaultRule; left: number }[] = [];
  /** Requests each mode was applied to (the tests' evidence that the fault happened). */
  readonly applied = new Map<FaultMode, number>();

  add(rule: FaultRule): void {
    this.rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.filter((r) => r.left > 0).map((r) => r.rule);
  }

  /** The first live rule matching the request, consumed once; undefined when none. */
  take(method: string, path: string, bodyText: string): FaultDecision | undefined {
    for (const entry of this.rules) {
      if (entry.left <= 0) continue;
      if (!matches(entry.rule, method, path, bodyText)) continue;
      entry.left--;
      this.applied.set(entry.rule.mode, (this.applied.get(entry.rule.mode) ?? 0) + 1);
      return { rule: entry.rule };
    }
    return undefined;
  }
}

function matches(rule: FaultRule, method: string, path: string, bodyText: string): boolean {
  if (rule.bodyIncludes !== undefined && !bodyText.includes(rule.bodyIncludes)) return false;
  if (rule.endpoint === undefined) return true;
  const m = /^(GET|POST|PUT|PATCH|DELETE)\s+(.*)$/.exec(rule.endpoint.trim());
  // The endpoint is matched anywhere in the path: systems keep their real base path (`/api/v1/…`).
  if (m) return m[1] === method && path.includes(m[2]!);
  return path.includes(rule.endpoint);
}
