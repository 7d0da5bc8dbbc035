// Leader election against the real API server: one leader among two electors, takeover after a
// silent leader's lease expires, immediate takeover after a graceful release, and a leader that
// loses its lease stops leading (and so stops writing).
import { CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../controller/reconcile/leader-election.ts';
import type { LeaderElectionOptions } from '../../controller/reconcile/leader-election.ts';
import { clusterUnavailable, kubeConfig, useTestNamespace } from './harness/context.ts';

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

/** An elector that records when it leads; durations short enough for a test, long enough for a 2-core machine. */
function elector(namespace: string, identity: string, events: string[], overrides: Partial<LeaderElectionOptions> = {}) {
  const state = { leading: false, signal: undefined as AbortSignal | undefined };
  const e = new LeaderElector({
    kubeConfig: kubeConfig(),
    namespace,
    name: 'interlace-controller',
    identity,
    leaseDurationMs: 3000,
    renewDeadlineMs: 2000,
    retryPeriodMs: 250,
    onStartedLeading: (signal) => {
      state.leading = true;
      state.signal = signal;
      events.push(`${identity} started`);
    },
    onStoppedLeading: () => {
      state.leading = false;
      events.push(`${identity} stopped`);
    },
    ...overrides,
  });
  return { e, state };
}

describe.skipIf(clusterUnavailable())('leader election on a Lease', () => {
  const ns = useTestNamespace();
  const running: LeaderElector[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop({ release: false })));
  });

  it('two electors: exactly one leads, and the Lease names it', async () => {
    const events: string[] = [];
    const a = elector(ns(), 'replica-a', events);
    const b = elector(ns(), 'replica-b', events);
    running.push(a.e, b.e);
    a.e.start();
    b.e.start();
    await until('a leader', () => a.state.leading || b.state.leading);
    // Watch for a while: never both.
    for (let i = 0; i < 20; i++) {
      expect(a.state.leading && b.state.leading).toBe(false);
      await new Promise((r) => setTimeout(r, 100));
    }
    const leader = a.state.leading ? 'replica-a' : 'replica-b';
    expect(events).toEqual([`${leader} started`]);
    const lease = await kubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'interlace-controller', namespace: ns() });
    expect(lease.spec?.holderIdentity).toBe(leader);
    expect(lease.spec?.leaseDurationSeconds).toBe(3);
    expect((a.state.leading ? a.e : b.e).isLeader()).toBe(true);
    expect(a.e.connected() && b.e.connected()).toBe(true);
  });

  it('a leader that goes silent (no release) is replaced after the lease expires', async () => {
    const events: string[] = [];
    const a = elector(ns(), 'replica-a', events);
    running.push(a.e);
    a.e.start();
    await until('a leads', () => a.state.leading);
    const b = elector(ns(), 'replica-b', events);
    running.push(b.e);
    b.e.start();
    await new Promise((r) => setTimeout(r, 1000));
    expect(b.state.leading).toBe(false);
    const stoppedAt = Date.now();
    await a.e.stop({ release: false });
    expect(a.state.signal?.aborted).toBe(true);
    await until('b takes over', () => b.state.leading, 15_000);
    const waited = Date.now() - stoppedAt;
    // Not before the 3 s lease has run out since b last saw it change, and not long after.
    expect(waited).toBeGreaterThanOrEqual(2000);
    expect(waited).toBeLessThan(8000);
    const lease = await kubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'interlace-controller', namespace: ns() });
    expect(lease.spec?.holderIdentity).toBe('replica-b');
    expect(lease.spec?.leaseTransitions).toBe(1);
  });

  it('a graceful release hands over at once', async () => {
    const events: string[] = [];
    const a = elector(ns(), 'replica-a', events);
    running.push(a.e);
    a.e.start();
    await until('a leads', () => a.state.leading);
    const b = elector(ns(), 'replica-b', events);
    running.push(b.e);
    b.e.start();
    await new Promise((r) => setTimeout(r, 600));
    await a.e.stop({ release: true });
    const lease = await kubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'interlace-controller', namespace: ns() });
    expect(['', 'replica-b']).toContain(lease.spec?.holderIdentity ?? '');
    const waited = await until('b takes over', () => b.state.leading, 10_000);
    // Well under the 3 s lease: b acquires on its next retry (250 ms + jitter).
    expect(waited).toBeLessThan(1500);
    expect(events).toEqual(['replica-a started', 'replica-a stopped', 'replica-b started']);
  });

  it('a leader whose lease is taken stops leading and stops renewing', async () => {
    const events: string[] = [];
    const a = elector(ns(), 'replica-a', events);
    running.push(a.e);
    a.e.start();
    await until('a leads', () => a.state.leading);
    const api = kubeConfig().makeApiClient(CoordinationV1Api);
    const lease = await api.readNamespacedLease({ name: 'interlace-controller', namespace: ns() });
    // Someone else writes the lease as theirs, with a long duration (like a partitioned peer that won).
    await api.replaceNamespacedLease({
      name: 'interlace-controller',
      namespace: ns(),
      body: {
        ...lease,
        spec: { ...lease.spec, holderIdentity: 'intruder', leaseDurationSeconds: 60, renewTime: new V1MicroTime(Date.now()) },
      },
    });
    await until('a steps down', () => !a.state.leading, 5000);
    expect(a.state.signal?.aborted).toBe(true);
    expect(a.e.isLeader()).toBe(false);
    // It does not overwrite the new holder while that lease is valid.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await api.readNamespacedLease({ name: 'interlace-controller', namespace: ns() });
    expect(after.spec?.holderIdentity).toBe('intruder');
    expect(events).toEqual(['replica-a started', 'replica-a stopped']);
  });

  for (const mode of ['refused', 'hanging'] as const) {
    it(`a leader whose renewals fail (${mode}) steps down within the renew deadline`, async () => {
      const events: string[] = [];
      const a = elector(ns(), 'replica-a', events);
      running.push(a.e);
      a.e.start();
      await until('a leads', () => a.state.leading);
      // Re-point this elector's API client: at a closed port (fails fast) or at a server that accepts
      // and never answers (the renewal hangs; only the watchdog can end leadership in time).
      const sockets: Socket[] = [];
      const blackHole = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
      const port = mode === 'refused' ? 1 : (blackHole.address() as AddressInfo).port;
      const broken = kubeConfig();
      const current = broken.getCurrentCluster()!;
      broken.clusters = broken.clusters.map((c) => (c.name === current.name ? { ...c, server: `https://127.0.0.1:${port}` } : c));
      (a.e as unknown as { api: CoordinationV1Api }).api = broken.makeApiClient(CoordinationV1Api);
      const started = Date.now();
      await until('a steps down', () => !a.state.leading, 6000);
      // Renew deadline 2 s after the last renewal (at most one 250 ms retry + jitter earlier).
      expect(Date.now() - started).toBeLessThan(2600);
      expect(a.state.signal?.aborted).toBe(true);
      expect(events).toEqual(['replica-a started', 'replica-a stopped']);
      // Stopping does not wait for the hung request (calls are bounded by the renew deadline).
      const stopping = Date.now();
      await a.e.stop();
      expect(Date.now() - stopping).toBeLessThan(5000);
      for (const s of sockets) s.destroy();
      blackHole.close();
    });
  }
});
