// The Temporal engine's client connection when the server goes away (runtime/workflow/temporal/connection.ts):
// a real dev server, SIGKILLed while the engine has calls in flight. The SDK's default retry interceptor
// re-issued failed calls from timers, and a timer that fired after the engine closed threw "Channel has
// been shut down" — an uncaught exception that ends `interlace worker` (commit ad0a94c fixed the same in
// the execution counter). Here: no uncaught exception and no unhandled rejection, however long we wait
// past the SDK's backoff (5 s at most per attempt), every call ends with an error that says why, and a
// start made while the server is down is not lost when the server comes back in time.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TemporalWorkflowEngine } from '../../runtime/workflow/temporal/temporal-engine.ts';
import { openExecutionCounter } from '../../runtime/workflow/temporal/execution-counts.ts';
import { type TemporalServer, startTemporalServer, temporalOrSkipReason } from './harness/temporal-server.ts';
import { PROGRAMS } from './workflow-contract-programs.ts';

const found = await temporalOrSkipReason();
const skip = 'skip' in found ? found.skip : undefined;
if (skip) console.warn(`[temporal connection] skipping: ${skip}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every uncaught exception and unhandled rejection of this process while it listens. */
function processErrors(): { readonly errors: string[]; stop(): void } {
  const errors: string[] = [];
  const onError = (error: unknown) => errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    errors,
    stop() {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}

type Settled = { ok: true } | { ok: false; message: string };
const settle = (promise: Promise<unknown>): Promise<Settled> =>
  promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, message: error instanceof Error ? error.message : String(error) }),
  );

describe.skipIf(skip !== undefined)('Temporal engine: the connection when the server goes away', () => {
  let server: TemporalServer;
  let listening: ReturnType<typeof processErrors> | undefined;

  beforeAll(async () => {
    if (!('binary' in found)) throw new Error(found.skip);
    server = await startTemporalServer(found.binary);
  });
  afterEach(async () => {
    listening?.stop();
    // Each test kills the server: the next one starts with it up again, whatever happened.
    await server.restart().catch(() => {});
  });
  afterAll(async () => {
    await server?.close();
  });

  const connect = () =>
    TemporalWorkflowEngine.connect({ address: server.address, namespace: server.namespace, taskQueue: `conn-${randomUUID()}` }, PROGRAMS);

  it('closing the engine (and the execution counter) while their calls retry against a killed server throws nothing from a timer', async () => {
    const engine = await connect();
    const counter = await openExecutionCounter({ address: server.address, namespace: server.namespace });
    // The calls work while the server is up.
    expect(await engine.show('contract-order@1/nobody')).toBeUndefined();
    expect(await counter.count(`WorkflowType = 'interlace'`)).toBe(0);
    await server.kill();
    listening = processErrors();
    const key = `gone-${randomUUID().slice(0, 8)}`;
    const calls = [
      settle(engine.start('contract-order@1', { orderNo: key })),
      settle(engine.signal(`contract-confirm@1/${key}`, 'event:contract.confirmations', { poNumber: key })),
      settle(engine.deliverEvent('contract.confirmations', { poNumber: key, status: 'confirmed' })),
      settle(engine.deliverEvent('contract.po-confirmations', { poNumber: `PO-${key}`, status: 'confirmed' })),
      settle(engine.list()),
      settle(engine.show(`contract-order@1/${key}`)),
      settle(engine.cancel(`contract-order@1/${key}`)),
      settle(counter.count(`WorkflowType = 'interlace'`)),
    ];
    // Long enough for every call's first attempt to fail and a retry to be pending.
    await sleep(1_500);
    await engine.close();
    await counter.close();
    const outcomes = await Promise.race([Promise.all(calls), sleep(15_000).then(() => 'some call never ended' as const)]);
    // Past the SDK's longest backoff (5 s, +20 % jitter): a retry timer left behind would have fired by now.
    await sleep(7_000);
    expect(listening.errors).toEqual([]);
    expect(outcomes).not.toBe('some call never ended');
    for (const outcome of outcomes as Settled[]) {
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.message).toMatch(/closed|unavailable|UNAVAILABLE|deadline|DEADLINE|connect/i);
    }
    // A closed engine refuses new calls with a plain error, not an SDK crash.
    await expect(engine.start('contract-order@1', { orderNo: `${key}-after` })).rejects.toThrow(/closed/);
    expect(listening.errors).toEqual([]);
  }, 90_000);

  it('a start made while the server is down is retried and goes through once the server is back', async () => {
    const engine = await connect();
    try {
      await server.kill();
      listening = processErrors();
      const key = `back-${randomUUID().slice(0, 8)}`;
      const started = engine.start('contract-order@1', { orderNo: key });
      void started.catch(() => {});
      await sleep(1_000);
      await server.restart();
      expect(await started).toEqual({ executionId: `contract-order@1/${key}`, started: true });
      expect((await engine.show(`contract-order@1/${key}`))?.status).toBe('running');
      expect(listening.errors).toEqual([]);
    } finally {
      await engine.close();
    }
  }, 90_000);
});
