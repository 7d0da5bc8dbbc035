/**
 * A small REST client for the few kinds the controller reads and writes, on @kubernetes/client-node's
 * transport and authentication (KubeConfig: tokens, client certificates, exec plugins, CA). Objects
 * stay plain JSON exactly as the API server sends them — the generated typed models rename fields
 * (`x-kubernetes-list-type` → `xKubernetesListType`) and turn timestamps into Dates, which would make
 * every comparison of desired and live objects report a difference.
 *
 * Every request passes through one {@link RequestCounter}, so "a no-op resync writes nothing" is a
 * number a test reads.
 */
import { createConfiguration, HttpMethod, KubeConfig, ServerConfiguration } from '@kubernetes/client-node';
import type { HttpLibrary } from '@kubernetes/client-node';
import type { Dispatcher } from 'undici';
import { TokenBucket } from '../../lib/token-bucket.ts';
import type { KubeObject, ObjectRef } from '../plan/index.ts';
import { RequestCounter } from './request-counter.ts';
import { listPath, resourcePath } from './resources.ts';

/** A live object as the API server returns it. */
export interface LiveObject extends KubeObject {
  metadata: KubeObject['metadata'] & {
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    managedFields?: { manager?: string; operation?: string; subresource?: string; fieldsV1?: unknown }[];
  };
  status?: Record<string, unknown>;
}

/** A non-2xx answer of the API server, with its Status reason (`NotFound`, `Conflict`, `Invalid`, …). */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  /** From a Retry-After header. */
  retryAfterMs?: number;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
  }
}

/** No answer at all (connection refused while the API server restarts, a reset, a timeout). */
export class KubeUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeUnavailableError';
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 404;
}

export interface ApplyOptions {
  fieldManager: string;
  /** `All` asks the API server what it would store without storing it. */
  dryRun?: boolean;
  /** Take over fields another manager owns (the controller is the source of truth for what it applies). Default true. */
  force?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  /** Metadata only (PartialObjectMetadataList): labels, annotations, resourceVersion, managedFields — not the data. */
  metadataOnly?: boolean;
}

const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
}

export interface KubeRestOptions {
  counter?: RequestCounter;
  timeoutMs?: number;
  /**
   * Client-side limit on requests per second (client-go's QPS/Burst), so a controller with many
   * Estates cannot flood the API server; unlimited when undefined.
   */
  qps?: number;
  burst?: number;
}

const METHODS: Record<string, HttpMethod> = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
};

export class KubeRest {
  readonly counter: RequestCounter;
  readonly kubeConfig: KubeConfig;
  private readonly server: ServerConfiguration<Record<string, string>>;
  private readonly http: HttpLibrary;
  private readonly timeoutMs: number;
  private readonly limiter: TokenBucket | undefined;
  private dispatcher: Dispatcher | undefined;
  private dispatcherAt = 0;

  constructor(kubeConfig: KubeConfig, options: KubeRestOptions = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.kubeConfig = kubeConfig;
    this.server = new ServerConfiguration(cluster.server.replace(/\/+$/, ''), {});
    this.http = createConfiguration().httpApi;
    this.counter = options.counter ?? new RequestCounter();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    // Waiters are served in arrival order (TokenBucket.take reserves ahead), as client-go's limiter does.
    this.limiter = options.qps ? new TokenBucket(options.qps, 1000, options.burst ?? Math.max(1, Math.ceil(options.qps * 2))) : undefined;
  }

  /** Makes a client from a kubeconfig file, or the default chain ($KUBECONFIG, ~/.kube/config, in-cluster). */
  static fromKubeconfig(path?: string, options: KubeRestOptions = {}): KubeRest {
    const kc = new KubeConfig();
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
    return new KubeRest(kc, options);
  }

  /**
   * One request; the body is JSON (JSON is YAML too, so it serves apply patches as well). A 429
   * (too many requests, or a new CRD's storage still initializing) is retried after its Retry-After,
   * a few times, as client-go does.
   */
  async request<T = unknown>(method: keyof typeof METHODS, path: string, options: RequestOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, path, options);
      } catch (error) {
        if (!(error instanceof KubeApiError) || error.code !== 429 || attempt >= 10) throw error;
        await new Promise((r) => setTimeout(r, Math.min(error.retryAfterMs ?? 250 * attempt, 5_000)));
      }
    }
  }

  private async requestOnce<T>(method: keyof typeof METHODS, path: string, options: RequestOptions): Promise<T> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(key, value);
    const fullPath = query.size > 0 ? `${path}?${query}` : path;
    const context = this.server.makeRequestContext(fullPath, METHODS[method]!);
    context.setHeaderParam('Accept', options.accept ?? 'application/json');
    if (options.body !== undefined) {
      context.setHeaderParam('Content-Type', options.contentType ?? 'application/json');
      context.setBody(JSON.stringify(options.body));
    }
    await this.kubeConfig.applySecurityAuthentication(context);
    this.reuseConnections(context);
    if (this.limiter) await this.limiter.take();
    context.setSignal(AbortSignal.timeout(this.timeoutMs));
    this.counter.record(method, fullPath);
    let status: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      const response = await this.http.send(context).toPromise();
      status = response.httpStatusCode;
      retryAfter = response.headers['retry-after'];
      text = await response.body.text();
    } catch (error) {
      throw new KubeUnavailableError(`${method} ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (status >= 200 && status < 300) return (text ? JSON.parse(text) : undefined) as T;
    let reason = 'Unknown';
    let message = text;
    try {
      const body = JSON.parse(text) as { reason?: string; message?: string };
      reason = body.reason ?? reason;
      message = body.message ?? message;
    } catch {
      // not a Status object (a proxy's HTML page): keep the text
    }
    const error = new KubeApiError(status, reason, `${method} ${path}: ${status} ${message}`);
    if (retryAfter && /^\d+$/.test(retryAfter)) error.retryAfterMs = Number(retryAfter) * 1000;
    throw error;
  }

  /**
   * KubeConfig makes a new connection pool (undici Agent, keep-alive, TLS context) for every request;
   * at 50 requests a second that is hundreds of idle TLS sockets and contexts and a fresh handshake
   * each time. Keep one pool and renew it every 10 minutes (rotated client certificates are then
   * picked up; headers such as bearer tokens are applied per request anyway).
   */
  private reuseConnections(context: { getDispatcher(): Dispatcher | undefined; setDispatcher(d: Dispatcher): void }): void {
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const now = Date.now();
    if (!this.dispatcher || now - this.dispatcherAt > 10 * 60_000) {
      const old = this.dispatcher;
      this.dispatcher = fresh;
      this.dispatcherAt = now;
      if (old) setTimeout(() => void old.close().catch(() => undefined), 60_000).unref();
      return;
    }
    if (fresh !== this.dispatcher) {
      void fresh.close().catch(() => undefined);
      context.setDispatcher(this.dispatcher);
    }
  }

  async get(ref: ObjectRef): Promise<LiveObject> {
    return this.request<LiveObject>('GET', resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name));
  }

  /** The object, or undefined when it (or its kind) does not exist. */
  async getOrUndefined(ref: ObjectRef): Promise<LiveObject | undefined> {
    try {
      return await this.get(ref);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(apiVersion: string, kind: string, namespace: string | undefined, options: ListOptions = {}): Promise<LiveObject[]> {
    const items: LiveObject[] = [];
    let next: string | undefined;
    do {
      const page = await this.request<{ items: LiveObject[]; metadata?: { continue?: string } }>(
        'GET',
        listPath(apiVersion, kind, namespace),
        {
          query: {
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
            limit: String(options.limit ?? 500),
            continue: next,
          },
          ...(options.metadataOnly ? { accept: METADATA_LIST } : {}),
        },
      );
      // A list's items carry no apiVersion/kind; put them back so objects are self-describing.
      for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
      next = page.metadata?.continue || undefined;
    } while (next);
    return items;
  }

  /** Server-side apply of the whole object with strict field validation. */
  async apply(object: KubeObject, options: ApplyOptions): Promise<LiveObject> {
    const ref = { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
    return this.request<LiveObject>('PATCH', resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name), {
      query: {
        fieldManager: options.fieldManager,
        force: String(options.force ?? true),
        fieldValidation: 'Strict',
        dryRun: options.dryRun ? 'All' : undefined,
      },
      body: object,
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** Server-side apply to the status subresource (the object's spec is not touched). */
  async applyStatus(ref: ObjectRef, status: Record<string, unknown>, fieldManager: string): Promise<LiveObject> {
    return this.request<LiveObject>('PATCH', `${resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name)}/status`, {
      query: { fieldManager, force: 'true', fieldValidation: 'Strict' },
      body: {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
        status,
      },
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** A JSON merge patch (finalizers: a list SSA would own as a whole). */
  async mergePatch(ref: ObjectRef, patch: unknown): Promise<LiveObject> {
    return this.request<LiveObject>('PATCH', resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name), {
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  }

  async create(object: KubeObject): Promise<LiveObject> {
    return this.request<LiveObject>('POST', resourcePath(object.apiVersion, object.kind, object.metadata.namespace), { body: object });
  }

  /** Deletes with background propagation; true when it was there, false when it was already gone. */
  async delete(ref: ObjectRef, options: { uid?: string; propagation?: 'Background' | 'Foreground' | 'Orphan' } = {}): Promise<boolean> {
    try {
      await this.request('DELETE', resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name), {
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: options.propagation ?? 'Background',
          ...(options.uid ? { preconditions: { uid: options.uid } } : {}),
        },
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
