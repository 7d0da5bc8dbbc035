// Leader election on a coordination.k8s.io/v1 Lease, in the manner of client-go's leaderelection:
// only the leader reconciles, so two replicas never write the same objects. A replica that cannot
// renew within the renew deadline stops leading (and so stops writing) before the lease runs out
// for the others; a replica that shuts down releases the lease so a peer takes over at once.
import { ApiException, CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  /** Namespace and name of the Lease (e.g. the controller's namespace, `interlace-controller`). */
  namespace: string;
  name: string;
  /** This replica's identity (pod name + random suffix): what `holderIdentity` says. */
  identity: string;
  /** How long a lease holds without renewal (default 15 000 ms). Peers take over after it. */
  leaseDurationMs?: number;
  /** The leader steps down when it has not renewed for this long (default 10 000 ms; < leaseDuration). */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 000 ms). */
  retryPeriodMs?: number;
  /** Called on becoming leader; `signal` aborts the moment leadership is lost or given up. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called after leadership is lost or released (the signal given to onStartedLeading is already aborted). */
  onStoppedLeading?: () => void;
  /** Called when the observed holder changes (including to this replica; '' when released). */
  onNewLeader?: (identity: string) => void;
  log?: Logger;
  /** Time source for tests; default Date.now. */
  now?: () => number;
}

/**
 * Campaigns for a Lease and keeps it. `start()` begins campaigning; `stop({ release })` ends it.
 *
 * Guarantees:
 * - writes are optimistic: every update carries the resourceVersion read, a 409 means someone else won;
 * - another holder's lease counts as expired only when its record has not changed for
 *   leaseDuration by this replica's own clock (no trust in peers' clocks, as client-go);
 * - the leader that has not renewed within renewDeadline aborts its signal and stops renewing;
 * - after losing leadership the elector campaigns again (`onStartedLeading` runs anew) until stopped;
 * - `stop({ release: true })` (default) aborts the signal, then clears `holderIdentity` so a peer
 *   acquires on its next retry instead of waiting out the lease.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly options: LeaderElectionOptions;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  private observed: { holder: string; renewTime: string; resourceVersion: string } | undefined;
  private observedAt = 0;
  private lastRenewal = 0;
  private leading: AbortController | undefined;
  private stopped = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastCallOk = false;
  private lastHolder: string | undefined;

  constructor(options: LeaderElectionOptions) {
    this.options = options;
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.renewDeadlineMs < this.leaseDurationMs))
      throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
    if (!(this.retryPeriodMs < this.renewDeadlineMs)) throw new Error('leader election: retryPeriod must be shorter than renewDeadline');
    this.log = (options.log ?? silentLogger).child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
    this.now = options.now ?? Date.now;
  }

  /** Begins campaigning (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.campaign();
  }

  /** True while this replica holds the lease and has renewed within the renew deadline. */
  isLeader(): boolean {
    return this.leading !== undefined && this.now() - this.lastRenewal < this.renewDeadlineMs;
  }

  /** True when the last call to the API server succeeded (for /readyz). */
  connected(): boolean {
    return this.lastCallOk;
  }

  /** The holder last observed ('' when released, undefined before the first read). */
  currentLeader(): string | undefined {
    return this.lastHolder;
  }

  /**
   * Stops campaigning. When leading: aborts the leadership signal, calls onStoppedLeading, and with
   * `release` (default true) clears the lease so a peer takes over immediately. `release: false`
   * just goes silent, as a crashed replica would.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    const wasLeading = this.leading !== undefined;
    this.stepDown('stopped');
    if (wasLeading && options.release !== false) await this.release();
  }

  private async campaign(): Promise<void> {
    while (!this.stopped) {
      const ok = await this.tryAcquireOrRenew();
      if (this.stopped) return;
      if (ok && !this.leading) {
        this.leading = new AbortController();
        this.log.info('started leading', { reason: 'LeaderElected' });
        const signal = this.leading.signal;
        void Promise.resolve()
          .then(() => this.options.onStartedLeading(signal))
          .catch((error: unknown) => this.log.error('onStartedLeading failed', { error }));
      } else if (this.leading && !ok && this.now() - this.lastRenewal >= this.renewDeadlineMs) {
        this.stepDown('renew deadline passed');
      } else if (this.leading && ok === 'lost') {
        this.stepDown('lease taken by another holder');
      }
      await this.sleep(this.jittered());
    }
  }

  /** One read-modify-write of the Lease: true when this replica holds it afterwards, 'lost' when another holds it. */
  private async tryAcquireOrRenew(): Promise<boolean | 'lost'> {
    const { namespace, name, identity } = this.options;
    const nowMs = this.now();
    const now = new V1MicroTime(nowMs);
    let current: V1Lease;
    try {
      current = await this.bounded(this.api.readNamespacedLease({ name, namespace }));
      this.lastCallOk = true;
    } catch (error) {
      if (!isStatus(error, 404)) return this.failed('read', error);
      try {
        await this.bounded(
          this.api.createNamespacedLease({
            namespace,
            body: {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              metadata: { name, namespace },
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
                acquireTime: now,
                renewTime: now,
                leaseTransitions: 0,
              },
            },
          }),
        );
        this.lastCallOk = true;
        this.renewed(nowMs, identity);
        return true;
      } catch (createError) {
        return isStatus(createError, 409) ? false : this.failed('create', createError);
      }
    }
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ? new Date(spec.renewTime).toISOString() : '';
    const resourceVersion = current.metadata?.resourceVersion ?? '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, resourceVersion };
      this.observedAt = nowMs;
    }
    if (holder !== this.lastHolder) {
      this.lastHolder = holder;
      this.options.onNewLeader?.(holder);
    }
    const leaseMs = (spec.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
    const iHold = holder === identity;
    if (!iHold && holder !== '' && this.observedAt + leaseMs > nowMs) return this.leading ? 'lost' : false;
    const transitions = (spec.leaseTransitions ?? 0) + (iHold ? 0 : 1);
    const body: V1Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
        acquireTime: iHold && spec.acquireTime ? new V1MicroTime(new Date(spec.acquireTime).getTime()) : now,
        renewTime: now,
        leaseTransitions: transitions,
      },
    };
    try {
      // replace carries metadata.resourceVersion: a concurrent writer makes this a 409, never a lost update.
      await this.bounded(this.api.replaceNamespacedLease({ name, namespace, body }));
      this.lastCallOk = true;
      this.renewed(nowMs, identity);
      return true;
    } catch (error) {
      if (isStatus(error, 409)) {
        this.lastCallOk = true;
        return false;
      }
      return this.failed('update', error);
    }
  }

  private renewed(at: number, identity: string): void {
    this.lastRenewal = at;
    // Watchdog: a renewal request that hangs must not keep this replica leading past the deadline.
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => {
      if (this.now() - this.lastRenewal >= this.renewDeadlineMs) this.stepDown('renew deadline passed');
    }, this.renewDeadlineMs);
    this.deadlineTimer.unref?.();
    if (this.lastHolder !== identity) {
      this.lastHolder = identity;
      this.options.onNewLeader?.(identity);
    }
  }

  private failed(what: string, error: unknown): false {
    this.lastCallOk = false;
    this.log.warn(`lease ${what} failed`, {
      reason: 'LeaseRequestFailed',
      error: error instanceof ApiException ? `HTTP ${error.code}` : error,
    });
    return false;
  }

  private stepDown(why: string): void {
    const leading = this.leading;
    if (!leading) return;
    this.leading = undefined;
    leading.abort(new Error(`leadership lost: ${why}`));
    this.log.info('stopped leading', { reason: 'LeaderLost', why });
    try {
      this.options.onStoppedLeading?.();
    } catch (error) {
      this.log.error('onStoppedLeading failed', { error });
    }
  }

  /** Clears the holder (only if still ours, guarded by resourceVersion) so peers need not wait. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    try {
      const current = await this.bounded(this.api.readNamespacedLease({ name, namespace }));
      if (current.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime(this.now());
      await this.bounded(
        this.api.replaceNamespacedLease({
          name,
          namespace,
          body: {
            ...current,
            spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
          },
        }),
      );
      this.log.info('released lease', { reason: 'LeaderReleased' });
    } catch (error) {
      this.log.warn('releasing the lease failed; peers take over when it expires', {
        reason: 'LeaseReleaseFailed',
        error: error instanceof ApiException ? `HTTP ${error.code}` : error,
      });
    }
  }

  /**
   * One API call, given up after renewDeadline: a request that hangs must neither keep the loop from
   * noticing the deadline nor make stop() wait for the HTTP client's own (minutes-long) timeout.
   */
  private bounded<T>(call: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the API server within ${this.renewDeadlineMs} ms`)), this.renewDeadlineMs);
    });
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }

  /** retryPeriod with up to +20 % jitter, so replicas do not retry in lockstep. */
  private jittered(): number {
    return Math.round(this.retryPeriodMs * (1 + Math.random() * 0.2));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }
}

function isStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException ? error.code === code : (error as { code?: number } | null)?.code === code;
}
