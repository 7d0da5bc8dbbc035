// Watches Estates (or any custom resource) through @kubernetes/client-node's ListWatch and turns
// what changed into work-queue keys `namespace/name`. The library's ListWatch stops for good on a
// watch or list error; this wrapper restarts it with backoff, so the cache heals by itself after an
// API server restart or a revoked permission.
import { CustomObjectsApi, makeInformer } from '@kubernetes/client-node';
import type { Informer, KubeConfig, KubernetesListObject, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';

/** Which custom resource to watch. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
}

/** The Estate CRD: interlace.dev/v1alpha1, plural estates. */
export const ESTATE_RESOURCE: ResourceRef = { group: 'interlace.dev', version: 'v1alpha1', plural: 'estates' };

export type InformerEvent = 'add' | 'update' | 'delete';

export interface ResourceInformerOptions {
  kubeConfig: KubeConfig;
  resource?: ResourceRef;
  /** Watch one namespace; default all namespaces. */
  namespace?: string;
  /** Receives `namespace/name` for every relevant change (typically `queue.add`). */
  onKey: (key: string, event: InformerEvent) => void;
  /**
   * Enqueue an update only when it matters for reconciling: generation (spec), labels, annotations,
   * finalizers or deletionTimestamp changed. Status-only writes, which the reconciler itself makes,
   * are skipped (default true).
   */
  ignoreStatusOnlyUpdates?: boolean;
  /** Restart delays after an error: base doubling up to max (default 1 000 / 30 000 ms). */
  backoff?: { baseMs: number; maxMs: number };
  log?: Logger;
}

/** The key a queue uses for an object: `namespace/name` (just `name` when cluster-scoped). */
export function objectKey(obj: KubernetesObject): string {
  const { namespace, name } = obj.metadata ?? {};
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

/** Splits a queue key back into namespace and name. */
export function parseKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash === -1 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** What about an object decides whether an update is worth a reconcile. */
function fingerprint(obj: KubernetesObject): string {
  const m = obj.metadata ?? {};
  return JSON.stringify([m.generation, m.labels ?? {}, m.annotations ?? {}, m.finalizers ?? [], m.deletionTimestamp ?? null]);
}

/**
 * A self-healing informer: list, then watch from the listed resourceVersion; on any error, wait
 * (exponential backoff) and resume — from the last resourceVersion, or with a fresh list when the
 * server says it is too old (410) — firing deletes for objects that vanished meanwhile.
 */
export class ResourceInformer<T extends KubernetesObject = KubernetesObject> {
  private readonly options: ResourceInformerOptions;
  private readonly informer: Informer<T> & ObjectCache<T>;
  private readonly log: Logger;
  private readonly fingerprints = new Map<string, string>();
  private synced = false;
  private listedOk = false;
  private stopped = true;
  private failures = 0;
  private errored = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private syncWaiters: (() => void)[] = [];

  constructor(options: ResourceInformerOptions) {
    this.options = options;
    this.log = options.log ?? silentLogger;
    const { group, version, plural } = options.resource ?? ESTATE_RESOURCE;
    const api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    const path = options.namespace
      ? `/apis/${group}/${version}/namespaces/${options.namespace}/${plural}`
      : `/apis/${group}/${version}/${plural}`;
    const list = async (): Promise<KubernetesListObject<T>> => {
      const result = (
        options.namespace
          ? await api.listNamespacedCustomObject({ group, version, plural, namespace: options.namespace })
          : await api.listClusterCustomObject({ group, version, plural })
      ) as KubernetesListObject<T>;
      this.listedOk = true;
      return result;
    };
    this.informer = makeInformer<T>(options.kubeConfig, path, list);
    const ignoreStatus = options.ignoreStatusOnlyUpdates ?? true;
    this.informer.on('add', (obj) => {
      const key = objectKey(obj);
      this.fingerprints.set(key, fingerprint(obj));
      options.onKey(key, 'add');
    });
    this.informer.on('update', (obj) => {
      const key = objectKey(obj);
      const next = fingerprint(obj);
      const before = this.fingerprints.get(key);
      this.fingerprints.set(key, next);
      if (ignoreStatus && before === next) return;
      options.onKey(key, 'update');
    });
    this.informer.on('delete', (obj) => {
      const key = objectKey(obj);
      this.fingerprints.delete(key);
      options.onKey(key, 'delete');
    });
    this.informer.on('error', (err) => this.restartLater(err));
  }

  /** Lists and starts watching; resolves once the first list succeeded (see {@link waitForSync} for a bound). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.run();
  }

  /** Stops watching; no callbacks after it resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  /** True once a full list has been delivered (the cache holds every object). Stays true across restarts. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves when synced, or rejects after `timeoutMs`. */
  waitForSync(timeoutMs: number): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`informer not synced within ${timeoutMs} ms`)), timeoutMs);
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The cached object for a key `namespace/name`. */
  get(key: string): T | undefined {
    const { namespace, name } = parseKey(key);
    return this.informer.get(name, namespace || undefined);
  }

  /** Every cached object (optionally of one namespace). */
  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  private async run(): Promise<void> {
    this.listedOk = false;
    this.errored = false;
    try {
      await this.informer.start();
    } catch (err) {
      this.restartLater(err);
      return;
    }
    // ListWatch reports list failures through the error callback; only a delivered list counts.
    if (!this.errored) this.failures = 0;
    if (this.listedOk || this.synced) {
      if (!this.synced) {
        this.synced = true;
        for (const waiter of this.syncWaiters.splice(0)) waiter();
      }
    }
  }

  private restartLater(err: unknown): void {
    this.errored = true;
    if (this.stopped || this.restartTimer) return;
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 1000, maxMs: 30_000 };
    const delay = Math.min(maxMs, baseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    this.log.warn('watch failed; restarting', { reason: 'WatchError', retryInMs: delay, error: describe(err) });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      void this.run();
    }, delay);
    this.restartTimer.unref?.();
  }
}

/** An Estate informer: {@link ResourceInformer} on interlace.dev/v1alpha1 estates. */
export function createEstateInformer(options: Omit<ResourceInformerOptions, 'resource'>): ResourceInformer {
  return new ResourceInformer({ ...options, resource: ESTATE_RESOURCE });
}

function describe(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { statusCode?: number; code?: number | string; message?: string };
    return [e.statusCode ?? e.code, e.message].filter((x) => x !== undefined && x !== '').join(' ');
  }
  return String(err);
}
