import { isBrokenCircuitError, isBulkheadRejectedError, isTaskCancelledError } from 'cockatiel';

/**
 * What went wrong with one attempt, decided once so that every layer agrees: `permanent` failures go
 * straight to the dead letter (a retry cannot fix a contract violation or a 400), `transient` ones are
 * retried (5xx, 408, 429, timeouts, refused connections, an open circuit).
 */
export type FailureKind = 'permanent' | 'transient';

/** A non-2xx answer from a target system. */
export class HttpStatusError extends Error {
  readonly status: number;
  /** From `Retry-After`, when the target sent one. */
  readonly retryAfterMs: number | undefined;
  readonly body: string;
  constructor(status: number, body: string, retryAfterMs: number | undefined, what: string) {
    super(`${what}: HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
    this.name = 'HttpStatusError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.body = body.slice(0, 2000);
  }
}

/** The payload breaks its contract (a generated validator said no, or a mapping could not map it). */
export class ContractViolation extends Error {
  readonly problems: readonly unknown[];
  constructor(message: string, problems: readonly unknown[] = []) {
    super(message);
    this.name = 'ContractViolation';
    this.problems = problems;
  }
}

/**
 * The credentials for a call could not be had: an OAuth2 token endpoint refused or failed, a CSRF
 * token fetch failed, a client certificate is unusable (runtime/http/). `permanent` when asking again
 * cannot help until someone fixes a secret or the spec (`invalid_client`, a certificate that does not
 * parse); transient when the identity provider is down, busy or answered garbage. The message names
 * the endpoint and the OAuth2 `error` code, never a secret or the provider's free text.
 */
export class CredentialError extends Error {
  readonly permanent: boolean;
  /** Stable and short, for dead letters and logs: `token-invalid_client`, `token-http-503`, `csrf-no-token`, … */
  readonly reason: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { permanent: boolean; reason: string; status?: number; retryAfterMs?: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CredentialError';
    this.permanent = options.permanent;
    this.reason = options.reason;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** An attempt that ran out of time (the per-attempt `timeout`). */
export class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'AttemptTimeout';
  }
}

/**
 * Whether an HTTP status fails at once. A route's `permanentOn` list is taken as written (so a 401 not
 * on it is retried, which lets an expired token be fetched again); without one, every 4xx but 408
 * (timeout) and 429 (too many requests) is permanent.
 */
export function isPermanentStatus(status: number, permanentOn: readonly number[] | undefined): boolean {
  if (permanentOn) return permanentOn.includes(status);
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export interface ClassifiedFailure {
  kind: FailureKind;
  /** Short stable reason for dead letters and logs: `http-503`, `timeout`, `contract-violation`, … */
  reason: string;
  message: string;
  status?: number;
  retryAfterMs?: number;
}

/** Classifies one attempt's error. Unknown errors are transient: a bug is retried, then dead-lettered. */
export function classifyFailure(error: unknown, permanentOn?: readonly number[]): ClassifiedFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof HttpStatusError) {
    const permanent = isPermanentStatus(error.status, permanentOn);
    return {
      kind: permanent ? 'permanent' : 'transient',
      reason: `http-${error.status}`,
      message,
      status: error.status,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  if (error instanceof ContractViolation) return { kind: 'permanent', reason: 'contract-violation', message };
  if (error instanceof CredentialError)
    return {
      kind: error.permanent ? 'permanent' : 'transient',
      reason: error.reason,
      message,
      // No `status`: that field is the target's answer; this one came from the credentials' endpoint.
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  // Generated mappings throw MappingError (generators/support/errors.ts) from inside the bundle,
  // a different class identity than ours: recognise it by name and code.
  if (error instanceof Error && error.name === 'MappingError')
    return { kind: 'permanent', reason: `contract-violation:${(error as Error & { code?: string }).code ?? 'mapping'}`, message };
  if (error instanceof AttemptTimeout || isTaskCancelledError(error)) return { kind: 'transient', reason: 'timeout', message };
  if (isBrokenCircuitError(error)) return { kind: 'transient', reason: 'circuit-open', message };
  if (isBulkheadRejectedError(error)) return { kind: 'transient', reason: 'concurrency-budget', message };
  const code = (error as { cause?: { code?: string }; code?: string })?.cause?.code ?? (error as { code?: string })?.code;
  if (code) return { kind: 'transient', reason: `network-${code.toLowerCase()}`, message };
  return { kind: 'transient', reason: 'error', message };
}
