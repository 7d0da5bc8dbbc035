// The per-attempt timeout under a saturated event loop. The target answers at once, then this process is
// busy for longer than the timeout (as a loaded worker is: test/broker/fault-*.test.ts on a saturated
// 2-core machine). A wall-clock timer fires before the loop reads the answer waiting in the socket, the
// attempt counts as timed out and the retry makes the target apply the effect a second time. The
// deadline must count only time in which the answer could have been read: one call, no retry.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAttemptDeadline } from '../../../runtime/delivery/attempt-deadline.ts';
import { runAttempts } from '../../../runtime/delivery/attempts.ts';
import { AttemptTimeout } from '../../../runtime/delivery/failures.ts';
import { deliveryPolicyOf } from '../../../runtime/delivery/policy.ts';
import { httpSystemTarget } from '../../../runtime/delivery/targets.ts';
import { SystemClient } from '../../../runtime/http/system-client.ts';
import { startHttpServer } from '../../../lib/http-server.ts';
import type { StartedServer } from '../../../lib/http-server.ts';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* the process is busy with other deliveries */
  }
}

/** POSTs to `url` and resolves with the status once the answer was read. */
function post(url: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', signal }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe('the per-attempt timeout on a busy event loop', { timeout: 60_000 }, () => {
  let server: StartedServer;
  let effects = 0;
  /**
   * How long the process is busy after each answer: 3× the 1 s timeouts below. (Not shorter: on a loaded
   * machine a request can take a few hundred ms of idle loop time to reach the server, which rightly counts.)
   */
  const busyMs = 3_000;
  beforeAll(async () => {
    server = await startHttpServer({
      port: 0,
      handler: (_req, res) => {
        effects++;
        res.end('ok');
        // The answer is in the socket; the process is now busy elsewhere for 3× the timeout.
        busy(busyMs);
      },
    });
    // fetch compiles its HTTP stack on first use (hundreds of ms on a loaded machine): not what is measured.
    await (await fetch(server.url)).text();
  });
  afterAll(() => server.close());

  it('does not time out an answer that arrived while the process was busy: one call, one effect', async () => {
    effects = 0;
    let calls = 0;
    const policy = deliveryPolicyOf('r', 't', {
      timeout: '1s',
      retry: { maxAttempts: 3, initialBackoff: '5ms', maxBackoff: '10ms', multiplier: 2, jitter: 0 },
    });
    const result = await runAttempts(
      async (signal) => {
        calls++;
        await post(server.url, signal);
      },
      { policy, budget: undefined, previous: [], stop: new AbortController().signal, onFailedAttempt: () => {} },
    );
    expect(result.attempts.map((a) => a.reason)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(calls).toBe(1);
    expect(effects).toBe(1);
  });

  it('the same through the worker’s real HTTP client (SystemClient): its own timeout counts responsive time too', async () => {
    effects = 0;
    const failures: string[] = [];
    const policy = deliveryPolicyOf('r', 't', {
      timeout: '1s',
      retry: { maxAttempts: 3, initialBackoff: '5ms', maxBackoff: '10ms', multiplier: 2, jitter: 0 },
    });
    const client = new SystemClient('crm', { endpoint: { protocol: 'http', url: server.url } } as never, {});
    const target = httpSystemTarget(client, 'PUT /orders/{orderNo}', () => undefined);
    const result = await runAttempts(
      (signal, timeoutMs) =>
        target.send({ payload: { orderNo: 'A-1' }, headers: {}, orderingKey: 'A-1', idempotencyKey: 'k', timeoutMs, signal }),
      {
        policy,
        budget: undefined,
        previous: [],
        stop: new AbortController().signal,
        onFailedAttempt: (attempt) => {
          failures.push(attempt.reason);
        },
      },
    );
    expect(failures).toEqual([]);
    expect(result.ok).toBe(true);
    expect(effects).toBe(1);
  });

  it('a SystemClient call on its own (API backends) does not time out an answer read late either', async () => {
    effects = 0;
    const client = new SystemClient('crm', { endpoint: { protocol: 'http', url: server.url } } as never, {});
    const response = await client.call({ method: 'GET', path: '/x', timeoutMs: 1_000 });
    expect(response.status).toBe(200);
    expect(effects).toBe(1);
  });

  it('still times out a target that does not answer', async () => {
    const started = performance.now();
    const outcome = await withAttemptDeadline(
      150,
      (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    ).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(AttemptTimeout);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('gives way to the caller’s abort (the worker stopping)', async () => {
    const stop = new AbortController();
    const pending = withAttemptDeadline(10_000, () => new Promise(() => {}), stop.signal).catch((error: unknown) => error);
    stop.abort(new Error('stopping'));
    expect(((await pending) as Error).message).toBe('stopping');
  });
});
