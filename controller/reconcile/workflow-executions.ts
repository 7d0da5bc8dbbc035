/**
 * Executions per Workflow unit, read from the Temporal cluster's visibility for the Workflow objects'
 * status (`kubectl get workflows`: RUNNING, FAILED). The controller connects with the Estate's Temporal
 * settings (mTLS and API key from their Secrets in the target namespace, never logged) and keeps one
 * connection per namespace and settings, renewed when a Secret changes. The SDK (@temporalio/client, an
 * optional peer) is imported only when an Estate runs workflows on Temporal: a controller
 * without it reports why and writes no counts.
 *
 * Counted by the unit's task queue behind the Estate's scope (`<scope>/<unit id>`, the worker's default,
 * controller/plan/temporal-env.ts; so another Estate on the same namespace is not counted) and the
 * workflow type `interlace` (so correlation mailboxes do not count):
 * - running: executions open now;
 * - failed: executions Temporal closed as Failed, Terminated or TimedOut, and those that ended `failed` in
 *   business terms — an `end: failed` step, a step that failed for good (compensated or not), a compensation
 *   that failed. Temporal closes those as Completed (the workflow itself ran fine), so the workflow upserts
 *   its outcome into the `InterlaceStatus` search attribute (runtime/workflow/temporal/names.ts), which the
 *   engine registers on the namespace; until it is registered only Temporal's own failures are counted.
 *   `escalated` and `compensated` are outcomes the spec chose, not failures: not counted (docs/workflows.md).
 */
import { createHash } from 'node:crypto';
import type { KubeRest } from '../apply/index.ts';
import type { TemporalSpec } from '../plan/temporal-env.ts';
import type { ExecutionCounter } from '../../runtime/workflow/temporal/execution-counts.ts';
import { scopedName } from '../../runtime/workflow/temporal/scope.ts';

export interface WorkflowExecutionCounts {
  running: number;
  failed: number;
}

export type WorkflowExecutionCountResult = { ok: true; counts: Map<string, WorkflowExecutionCounts> } | { ok: false; reason: string };

export interface WorkflowExecutionCounter {
  /** Counts for each task queue (the Workflow units' ids) of the Estate `scope` (controller/plan/temporal-env.ts `temporalScope`), by unit id. */
  count(namespace: string, temporal: TemporalSpec, scope: string, taskQueues: readonly string[]): Promise<WorkflowExecutionCountResult>;
  close(): Promise<void>;
}

/** The workflow type every Interlace workflow runs as (runtime/workflow/temporal/names.ts). */
const WORKFLOW_TYPE = 'interlace';
/** The search attribute with the business outcome (runtime/workflow/temporal/names.ts `STATUS_ATTRIBUTE`). */
const STATUS_ATTRIBUTE = 'InterlaceStatus';
const TEMPORAL_FAILED = `ExecutionStatus = 'Failed' OR ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut'`;
const RECONNECT_AFTER_MS = 30_000;

interface Connection {
  fingerprint: string;
  client: Promise<ExecutionCounter>;
  failedAt?: number;
}

/** A task queue id in a visibility query: the unit ids are DNS-like, but quote defensively. */
function quoted(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export class TemporalExecutionCounter implements WorkflowExecutionCounter {
  readonly #rest: KubeRest;
  readonly #timeoutMs: number;
  readonly #connections = new Map<string, Connection>();

  /** `timeoutMs` bounds one count, connecting included (default 5 s): a Temporal that is away must not hold up a reconcile. */
  constructor(rest: KubeRest, options: { timeoutMs?: number } = {}) {
    this.#rest = rest;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  async count(
    namespace: string,
    temporal: TemporalSpec,
    scope: string,
    taskQueues: readonly string[],
  ): Promise<WorkflowExecutionCountResult> {
    if (taskQueues.length === 0) return { ok: true, counts: new Map() };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<WorkflowExecutionCountResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, reason: `no answer from Temporal at ${temporal.address} within ${this.#timeoutMs} ms` }),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#count(namespace, temporal, scope, taskQueues), timeout]);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  async #count(
    namespace: string,
    temporal: TemporalSpec,
    scope: string,
    taskQueues: readonly string[],
  ): Promise<WorkflowExecutionCountResult> {
    const client = await this.#connection(namespace, temporal);
    const counts = new Map<string, WorkflowExecutionCounts>();
    const failedWhen = (await client.hasStatusAttribute())
      ? `(${TEMPORAL_FAILED} OR (ExecutionStatus = 'Completed' AND ${STATUS_ATTRIBUTE} = 'failed'))`
      : `(${TEMPORAL_FAILED})`;
    for (const queue of taskQueues) {
      const ofUnit = `WorkflowType = '${WORKFLOW_TYPE}' AND TaskQueue = ${quoted(scopedName(scope, queue))}`;
      const [running, failed] = await Promise.all([
        client.count(`${ofUnit} AND ExecutionStatus = 'Running'`),
        client.count(`${ofUnit} AND ${failedWhen}`),
      ]);
      counts.set(queue, { running, failed });
    }
    return { ok: true, counts };
  }

  async #connection(namespace: string, spec: TemporalSpec): Promise<Awaited<Connection['client']>> {
    const secrets = await this.#secrets(namespace, spec);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([spec, secrets]))
      .digest('hex');
    const key = `${namespace}/${spec.address}/${spec.namespace ?? 'default'}`;
    const current = this.#connections.get(key);
    if (current?.fingerprint === fingerprint) {
      try {
        return await current.client;
      } catch (error) {
        if (current.failedAt !== undefined && Date.now() - current.failedAt < RECONNECT_AFTER_MS)
          throw new Error(`cannot connect to Temporal (next attempt within ${RECONNECT_AFTER_MS / 1000} s): ${(error as Error).message}`);
      }
    }
    if (current) await this.#drop(key, current);
    const connection: Connection = { fingerprint, client: connect(spec, secrets) };
    this.#connections.set(key, connection);
    connection.client.catch(() => {
      connection.failedAt = Date.now();
    });
    return connection.client;
  }

  /** The data of the Temporal Secrets (decoded), by Secret name. */
  async #secrets(namespace: string, spec: TemporalSpec): Promise<Record<string, Record<string, Buffer>>> {
    const names = [spec.mtls?.secretRef.name, spec.apiKey?.secretRef.name].filter((n): n is string => n !== undefined);
    const out: Record<string, Record<string, Buffer>> = {};
    for (const name of names) {
      const secret = (await this.#rest.get({ apiVersion: 'v1', kind: 'Secret', namespace, name })) as { data?: Record<string, string> };
      out[name] = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    }
    return out;
  }

  async #drop(key: string, connection: Connection): Promise<void> {
    this.#connections.delete(key);
    await connection.client.then((c) => c.close()).catch(() => {});
  }

  async close(): Promise<void> {
    await Promise.all([...this.#connections].map(([key, c]) => this.#drop(key, c)));
  }
}

/** A visibility client (runtime/workflow/temporal/execution-counts.ts, imported here so a controller without the SDK still loads). */
async function connect(spec: TemporalSpec, secrets: Record<string, Record<string, Buffer>>): Promise<ExecutionCounter> {
  let counts: typeof import('../../runtime/workflow/temporal/execution-counts.ts');
  try {
    counts = await import('../../runtime/workflow/temporal/execution-counts.ts');
  } catch (error) {
    if (!/@temporalio\//.test((error as Error).message)) throw error;
    throw new Error('the controller has no Temporal SDK (@temporalio/client 1.24.0, an optional peer): executions are not counted');
  }
  const mtls = spec.mtls ? secrets[spec.mtls.secretRef.name] : undefined;
  const apiKey = spec.apiKey ? secrets[spec.apiKey.secretRef.name]?.[spec.apiKey.secretRef.key ?? 'api-key']?.toString('utf8') : undefined;
  return counts.openExecutionCounter({
    address: spec.address,
    namespace: spec.namespace ?? 'default',
    ...(mtls?.['tls.crt'] && mtls['tls.key']
      ? { tls: { cert: mtls['tls.crt'], key: mtls['tls.key'], ...(mtls['ca.crt'] ? { ca: mtls['ca.crt'] } : {}) } }
      : {}),
    ...(apiKey ? { apiKey } : {}),
  });
}
