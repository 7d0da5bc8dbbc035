// Issue 10, finding 11: the gate worker serves every Estate one gate at a time, so one revision built
// to be slow must not hold the others up. A gate past its time fails with GateTimeoutError (the
// reconciler's Stalled reason GateTimeout), the worker is replaced, and the gate queued behind it runs.
import { afterAll, describe, expect, it } from 'vitest';
import { GateTimeoutError, GateWorker } from '../../controller/reconcile/gate-worker.ts';

const input = {
  files: [{ path: 'specs/system.yaml', text: 'apiVersion: interlace.dev/v1alpha1\nkind: System\nmetadata:\n  name: wms\n' }],
  estate: { name: 'shop', namespace: 'shop' },
  targetNamespace: 'shop',
  revision: 'main@sha1:0',
  runtimeImage: 'interlace:test',
  today: '2026-12-03',
};

describe('gate worker timeout', () => {
  const worker = new GateWorker();
  afterAll(() => worker.stop());

  it('fails a gate past its time and runs the next one on a fresh worker', async () => {
    const slow = worker.gate('a/slow', input, { timeoutMs: 1 });
    const stuckPid = worker.pid;
    const next = worker.gate('b/next', input);
    await expect(slow).rejects.toBeInstanceOf(GateTimeoutError);
    const result = await next;
    expect(result).toHaveProperty('accepted');
    // The stuck worker was replaced, not waited for.
    expect(stuckPid).toBeDefined();
    expect(worker.pid).toBeDefined();
    expect(worker.pid).not.toBe(stuckPid);
  }, 60_000);

  it("doubles an Estate's gate time after each timeout, up to 8×, and leaves other Estates' alone", async () => {
    const tight = new GateWorker({ gateTimeoutMs: 1 });
    try {
      for (const allowed of [2, 4, 8, 8]) {
        const error = await tight.gate('a/big', input).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(GateTimeoutError);
        expect(tight.timeoutFor('a/big')).toBe(allowed);
      }
      expect((await tight.gate('a/big', input).catch((e: Error) => e)) as Error).toHaveProperty(
        'message',
        expect.stringMatching(/next try may take 0 s/),
      );
      expect(tight.timeoutFor('b/other')).toBe(1);
    } finally {
      await tight.stop();
    }
  }, 60_000);
});
