/**
 * The per-attempt timeout, measured on the time this process was able to notice an answer.
 *
 * A wall-clock timer is wrong when the worker's own event loop is saturated (a loaded machine, a
 * backlog after a broker restart, `interlace run` carrying every unit and simulator in one process):
 * Node runs due timers *before* it reads the sockets that became readable, so after a long busy turn
 * the deadline fires while the target's answer — sent in time — is still unread in the socket. The
 * attempt counts as timed out, the retry calls the target again with an effect it already made, and
 * a target that does not de-duplicate by `Idempotency-Key` applies it twice (test/broker/fault-*.test.ts
 * saw this on a saturated 2-core machine: 5 s timeouts against simulators answering in 1 ms).
 *
 * So a deadline advances in small steps on one shared ticker: each tick counts the time since the last
 * one, but at most `2 × TICK_MS`; a tick that came late says the loop was busy elsewhere, and that
 * time is not held against the target. Between two ticks the loop polls its sockets at least once, so
 * an answer that arrived before the deadline is read before it expires. On an idle loop this is the
 * wall clock (±TICK_MS); a target that never answers still times out, later in wall time the busier
 * this process is.
 */
import { AttemptTimeout } from './failures.ts';

const TICK_MS = 50;

interface Waiter {
  /** Responsive time at which the deadline expires. */
  at: number;
  expire(): void;
}

const waiters = new Set<Waiter>();
let responsiveMs = 0;
let lastTick = 0;
let ticker: ReturnType<typeof setInterval> | undefined;

/** Counts the time since the last tick, at most 2 × TICK_MS of it. */
function advance(): void {
  const now = performance.now();
  responsiveMs += Math.min(now - lastTick, 2 * TICK_MS);
  lastTick = now;
}

function tick(): void {
  advance();
  for (const waiter of waiters) {
    if (responsiveMs >= waiter.at) {
      waiters.delete(waiter);
      waiter.expire();
    }
  }
  if (waiters.size === 0 && ticker) {
    clearInterval(ticker);
    ticker = undefined;
  }
}

/** Starts `timeoutMs` of responsive time from now. */
function register(waiter: Waiter, timeoutMs: number): void {
  if (ticker) {
    advance();
  } else {
    lastTick = performance.now();
    ticker = setInterval(tick, TICK_MS);
    ticker.unref();
  }
  waiter.at = responsiveMs + timeoutMs;
  waiters.add(waiter);
}

/**
 * Runs `call` with a signal that aborts when `timeoutMs` of responsive time have passed (see above),
 * or when `outer` aborts. Rejects with `AttemptTimeout` at the deadline even if `call` ignores the
 * signal (the attempt is over for the caller either way).
 */
export function withAttemptDeadline<T>(timeoutMs: number, call: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
  if (outer?.aborted) return Promise.reject(outer.reason);
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      waiters.delete(waiter);
      outer?.removeEventListener('abort', onOuterAbort);
      return true;
    };
    const waiter: Waiter = {
      at: Number.POSITIVE_INFINITY,
      expire: () => {
        if (!finish()) return;
        const error = new AttemptTimeout(timeoutMs);
        controller.abort(error);
        reject(error);
      },
    };
    function onOuterAbort(): void {
      if (!finish()) return;
      controller.abort(outer!.reason);
      reject(outer!.reason);
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    register(waiter, timeoutMs);
    call(controller.signal).then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}
