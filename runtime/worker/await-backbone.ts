/**
 * A worker that starts while its broker is unreachable waits for it instead of exiting: exiting would put
 * the pod into its crash-loop back-off, so it would recover minutes after the broker returned. While it
 * waits, the worker's port answers `/healthz` 200 (alive: the kubelet does not restart it) and `/readyz`
 * 503 naming the backbone (not Ready); the moment the broker answers, this server closes and the worker
 * starts on the same port. What waiting cannot fix (credentials refused, an unreadable creds file) is
 * thrown at once.
 */
import { normalisedPath, startHttpServer } from '../../lib/http-server.ts';
import type { Logger } from '../../lib/log.ts';

export interface AwaitBackboneOptions<T> {
  /** Opens the backbone; throws when it cannot. */
  open: () => Promise<T>;
  /** True for errors that end when the broker is back (refused, no such host yet, timed out). */
  unreachable: (error: unknown) => boolean;
  /** Where the worker will listen: the waiting answers are served there. */
  port: number;
  host: string;
  logger: Logger;
  /** Aborted by SIGTERM/SIGINT: stop waiting. */
  signal: AbortSignal;
  /** Delay between attempts, doubling from `initialMs` to `maxMs` (default 250 ms → 5 s). */
  retry?: { initialMs: number; maxMs: number };
}

const WAITING_DETAIL = 'NATS unreachable at start; retrying';

/** The opened backbone, or undefined when `signal` was aborted while waiting. */
export async function openBackboneWhenReachable<T>(options: AwaitBackboneOptions<T>): Promise<T | undefined> {
  try {
    return await options.open();
  } catch (error) {
    if (!options.unreachable(error)) throw error;
    options.logger.warn('backbone unreachable; waiting for it (not ready meanwhile)', { error: (error as Error).message });
  }
  const server = await startHttpServer({
    port: options.port,
    host: options.host,
    handler: async (req, res) => {
      const path = normalisedPath(req.url)?.path;
      const alive = path === '/healthz';
      res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(alive ? { status: 'ok' } : { status: 'not-ready', checks: { backbone: { ok: false, detail: WAITING_DETAIL } } }),
      );
    },
  });
  const { initialMs, maxMs } = options.retry ?? { initialMs: 250, maxMs: 5_000 };
  try {
    for (let delay = initialMs, attempt = 1; ; delay = Math.min(maxMs, delay * 2), attempt++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        options.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (options.signal.aborted) return undefined;
      try {
        const opened = await options.open();
        options.logger.info('backbone reachable', { attempts: attempt + 1 });
        return opened;
      } catch (error) {
        if (!options.unreachable(error)) throw error;
        // Every attempt at first, then once a minute: a TLS or DNS problem shows in the log without flooding it.
        if (attempt <= 3 || attempt % Math.ceil(60_000 / maxMs) === 0)
          options.logger.warn('backbone still unreachable', { attempts: attempt + 1, error: (error as Error).message });
      }
    }
  } finally {
    server.server.closeAllConnections();
    await server.close();
  }
}
