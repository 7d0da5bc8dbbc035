/**
 * How this folder talks to a Temporal frontend from the client side (the engine, temporal-engine.ts, and
 * the controller's execution counter, execution-counts.ts): one way to open the Connection and one retry
 * policy for its calls.
 *
 * The SDK's default gRPC retry interceptor is switched off (`interceptors: []`): it re-issues a failed
 * call from a `setTimeout`, and when that timer fires after the connection was closed it throws "Channel
 * has been shut down" from the timer — an uncaught exception that takes the process down (the execution
 * counter hit it in the cluster tier, commit ad0a94c; the engine has the same exposure when `interlace
 * worker` shuts down while the server is away). Instead every call has a deadline, and `CallPolicy`
 * retries what is worth retrying (the server unreachable or shedding load) on its own timers, which
 * `close()` clears: after it, nothing of ours touches the channel again and the calls still waiting end
 * with an error that says the engine closed.
 */
import { Connection } from '@temporalio/client';

export interface TemporalConnectionOptions {
  /** `host:port` of the frontend. */
  readonly address: string;
  readonly namespace: string;
  /** Sent as a bearer token (Temporal Cloud API keys); from a Secret in the chart. */
  readonly apiKey?: string;
  /** mTLS client certificate and key (PEM), and the server's CA; from a Secret in the chart. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca?: Buffer };
  readonly taskQueue?: string;
  /**
   * The Estate's scope (scope.ts): prefixes the task queue and every workflow id, so Estates that share
   * the namespace never see each other's executions. Unset: the names are unscoped.
   */
  readonly scope?: string;
}

/** gRPC status codes worth another attempt: the frontend could not be reached, or shed the call. */
const UNAVAILABLE = 14;
const RESOURCE_EXHAUSTED = 8;

export interface CallPolicyOptions {
  /** Per attempt (default 10 s): no call stays in flight for ever behind a server that does not answer. */
  readonly deadlineMs?: number;
  /** Attempts of a call that meets an unavailable server (default 10, about 25 s of backoff: a server restart). */
  readonly attempts?: number;
  /** First backoff (default 200 ms), doubled per attempt up to 5 s. */
  readonly initialBackoffMs?: number;
}

/** The SDK's `tls` option for the settings (the worker's NativeConnection takes the same shape). */
export function tlsOf(options: TemporalConnectionOptions) {
  if (!options.tls) return options.apiKey ? true : undefined;
  return {
    clientCertPair: { crt: options.tls.cert, key: options.tls.key },
    ...(options.tls.ca ? { serverRootCACertificate: options.tls.ca } : {}),
  };
}

/** A client Connection without the SDK's retry interceptor (see above); `connectTimeoutMs` bounds the first call. */
export async function openConnection(options: TemporalConnectionOptions, connectTimeoutMs = 10_000): Promise<Connection> {
  const tls = tlsOf(options);
  return Connection.connect({
    address: options.address,
    connectTimeout: connectTimeoutMs,
    interceptors: [],
    ...(tls !== undefined ? { tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
}

/** The gRPC status code of an SDK error (it wraps the gRPC error in `cause`), if any. */
function grpcCodeOf(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** Runs calls on one Connection with a deadline per attempt and retries on our own timers; `close()` stops them all. */
export class CallPolicy {
  readonly #connection: Connection;
  readonly #address: string;
  readonly #deadlineMs: number;
  readonly #attempts: number;
  readonly #initialBackoffMs: number;
  /** The backoff waits in progress: close() ends them at once. */
  readonly #waits = new Set<() => void>();
  #closed = false;

  constructor(connection: Connection, address: string, options: CallPolicyOptions = {}) {
    this.#connection = connection;
    this.#address = address;
    this.#deadlineMs = options.deadlineMs ?? 10_000;
    this.#attempts = options.attempts ?? 10;
    this.#initialBackoffMs = options.initialBackoffMs ?? 200;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * `fn` with a deadline; again after a backoff while the server is unavailable. Only failures where the
   * server most likely did not take the call (unreachable, or shed it) are retried — not a deadline, after
   * which a start or a signal may have been applied; what still fails is thrown, and the caller (the event
   * feed) redelivers, at least once as before.
   */
  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new Error(`${what}: the Temporal connection to ${this.#address} is closed`);
      try {
        return await this.#connection.withDeadline(Date.now() + this.#deadlineMs, fn);
      } catch (error) {
        const code = grpcCodeOf(error);
        const retryable = code === UNAVAILABLE || code === RESOURCE_EXHAUSTED;
        if (this.#closed) throw new Error(`${what}: the Temporal connection to ${this.#address} closed`, { cause: error });
        if (!retryable) throw error;
        if (attempt >= this.#attempts)
          throw new Error(`${what}: Temporal at ${this.#address} is unavailable (${attempt} attempts): ${messageOf(error)}`, {
            cause: error,
          });
        await this.#backoff(Math.min(5_000, this.#initialBackoffMs * 2 ** (attempt - 1)));
      }
    }
  }

  /** Ends the backoff waits; calls in flight end by their deadline; then the channel closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const wake of [...this.#waits]) wake();
    await this.#connection.close();
  }

  #backoff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waits.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#waits.add(wake);
    });
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  return String(error);
}
