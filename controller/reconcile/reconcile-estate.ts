/**
 * The reconcile function of one Estate — a function of current state, not of the event that woke it
 * (controller-runtime's contract): fetch the Estate; finalize if it is being deleted; stop if
 * suspended; sync its Git source; gate the revision (validate, check, generate, plan); apply, prune,
 * report health, write status and Events. What it returns decides the requeue:
 *   - `done` after the interval: applied and healthy, or a rejected revision (terminal: nothing to
 *     retry until Git changes, which the next poll or a webhook finds);
 *   - `waiting`: a rollout is in progress, look again in a few seconds;
 *   - thrown errors are transient (API server or Git unreachable): the work queue backs off.
 */
import type { Change, KubeRest } from '../apply/index.ts';
import {
  ApplyFailed,
  changedAnything,
  EventRecorder,
  isNotFound,
  KubeApiError,
  pruneObjects,
  readLiveState,
  renderChangeSet,
  summarizeChanges,
  writeStatusIfChanged,
} from '../apply/index.ts';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import { redactCredentialPatterns } from '../../lib/redact.ts';
import { kubeTime } from '../../lib/time.ts';
import type { PlanOptions } from '../plan/index.ts';
import type { BackboneSpec } from '../plan/backbone-env.ts';
import { backboneProblem, temporalProblem } from './backbone-secrets.ts';
import type { TemporalSpec } from '../plan/temporal-env.ts';
import { temporalScope } from '../plan/temporal-env.ts';
import { routeDeadLetterTopics } from './dead-letter-counts.ts';
import type { DeadLetterCounter } from './dead-letter-counts.ts';
import type { WorkflowExecutionCounter } from './workflow-executions.ts';
import type { GitCredentials } from '../../language/source/git-credentials.ts';
import { credentialsFromSecretData } from '../../language/source/git-credentials.ts';
import type { GitSourceSpec } from '../../language/source/git-source.ts';
import { GitSourceError, revisionCommit } from '../../language/source/git-source.ts';
import type { RevisionFiles } from '../../language/source/read-git-revision.ts';
import { estateStatus, findCondition } from '../status/index.ts';
import type { EstateOutcome, EstateStatus } from '../status/index.ts';
import type { Generator } from '../../generators/generate.ts';
import { applyRevision } from './apply-revision.ts';
import { GateTimeoutError } from './gate-worker.ts';
import type { EstateGraph } from '../../runtime/map/estate-graph.ts';
import type { DesiredStateInput, GateResult } from './desired-state.ts';
import { DEFAULT_INTERVAL_MS, ESTATE_API_VERSION, ESTATE_KIND, FINALIZER, RECONCILE_REQUESTED_AT, sourceTimings } from './estate-types.ts';
import type { EstateObject } from './estate-types.ts';
import { targetNamespaceAllowed } from './target-namespaces.ts';
import type { TargetNamespaceRule } from './target-namespaces.ts';

/** The Git side, as language/source/git-source.ts's GitSourceCache provides it. */
export interface RevisionSource {
  sync(spec: GitSourceSpec, credentials?: GitCredentials, lastRevision?: string): Promise<{ revision: string; commit: string }>;
  readRevision(spec: GitSourceSpec, commit: string): Promise<RevisionFiles>;
}

export interface ReconcilerOptions {
  rest: KubeRest;
  source: RevisionSource;
  /** Image that runs bundles when an Estate names none. */
  defaultRuntimeImage: string;
  /** Apply the Interlace CRDs in stage 1 (default false: the Helm chart installs them). */
  installCrds?: boolean;
  /** generators/support sources the generator embeds (for the in-process gate). */
  support: ReadonlyMap<string, string>;
  /**
   * Runs the gate (validate → check → generate → plan). Default: in this process, with one incremental
   * generator per Estate. The controller passes its gate worker process instead (see gate-worker.ts).
   */
  gate?: GateFunction;
  log?: Logger;
  now?: () => Date;
  /** How soon to look again while a rollout is in progress (default 2 s). */
  progressRequeueMs?: number;
  events?: EventRecorder;
  /** Extra plan options (worker env, resources). */
  planOptions?: PlanOptions;
  /** The backbone of Estates that name none (controller --nats-url; the chart's nats.* values). */
  defaultBackbone?: BackboneSpec;
  /** The Temporal cluster of Estates that name none (controller --temporal-address; the chart's temporal.* values). */
  defaultTemporal?: TemporalSpec;
  /**
   * Namespaces an Estate may target besides its own (set by the cluster admin). Default none: an
   * Estate writes only to its own namespace.
   */
  allowedTargetNamespaces?: readonly TargetNamespaceRule[];
  /**
   * Reads the dead letters waiting per route from the estate's backbone after each apply, for
   * `status.deadLetters` (the controller passes a NatsDeadLetterCounter). Absent: no counts.
   */
  deadLetters?: DeadLetterCounter;
  /**
   * Counts each Workflow unit's executions on the Estate's Temporal cluster for the Workflow objects'
   * status (the controller passes a TemporalExecutionCounter). Absent: no counts.
   */
  workflowExecutions?: WorkflowExecutionCounter;
}

export type ReconcileResult =
  | { result: 'done'; requeueAfterMs?: number; changes?: Change[] }
  | { result: 'waiting'; requeueAfterMs: number; changes?: Change[] };

/** `estateKey` (namespace/name) lets the gate keep per-Estate caches (the incremental generator). */
export type GateFunction = (estateKey: string, input: Omit<DesiredStateInput, 'generator' | 'support'>) => Promise<GateResult>;

/** Gate results are kept per revision: a resync of an unchanged commit skips load → generate. */
interface EstateCache {
  /** The in-process gate's incremental generator (loaded on first use: the TypeScript compiler is big). */
  generator?: Generator;
  gate?: { key: string; state: GateResult };
  /** The estate map's graph of the last accepted revision (what runs, or is being applied). */
  graph?: EstateGraph;
  /** Live objects compared in full and found equal, by resourceVersion (lets ConfigMaps be listed metadata-only). */
  verified: Map<string, string>;
}

export class EstateReconciler {
  private readonly options: ReconcilerOptions;
  private readonly rest: KubeRest;
  private readonly log: Logger;
  private readonly events: EventRecorder;
  private readonly caches = new Map<string, EstateCache>();

  constructor(options: ReconcilerOptions) {
    this.options = options;
    this.rest = options.rest;
    this.log = options.log ?? silentLogger;
    this.events = options.events ?? new EventRecorder(options.rest);
  }

  /** The estate map's graphs: `namespace/name` → the graph of its last accepted revision. */
  graphs(): Map<string, EstateGraph> {
    const out = new Map<string, EstateGraph>();
    for (const [key, cache] of this.caches) if (cache.graph) out.set(key, cache.graph);
    return out;
  }

  async reconcile(key: { namespace: string; name: string }): Promise<ReconcileResult> {
    const ref = { apiVersion: ESTATE_API_VERSION, kind: ESTATE_KIND, namespace: key.namespace, name: key.name };
    let estate: EstateObject;
    try {
      estate = (await this.rest.get(ref)) as EstateObject;
    } catch (error) {
      if (isNotFound(error)) {
        this.caches.delete(`${key.namespace}/${key.name}`);
        return { result: 'done' };
      }
      throw error;
    }
    const log = this.log.child({ estate: `${key.namespace}/${key.name}` });
    const now = (this.options.now ?? (() => new Date()))();
    const timings = sourceTimings(estate.spec.source);
    const interval = timings.ok ? timings.timings.intervalMs : DEFAULT_INTERVAL_MS;
    const target = { ...ref, ...(estate.metadata.uid ? { uid: estate.metadata.uid } : {}) };

    if (estate.metadata.deletionTimestamp) return this.finalize(estate, log);
    if (!estate.metadata.finalizers?.includes(FINALIZER)) {
      // Before anything is created, so nothing can be orphaned by a deletion that races the first apply.
      await this.rest.mergePatch(ref, {
        metadata: { finalizers: [...(estate.metadata.finalizers ?? []), FINALIZER], resourceVersion: estate.metadata.resourceVersion },
      });
    }

    // A manual request (`interlace reconcile`): whatever this pass comes to, its status says it handled
    // the request; a new one also drops what the last pass cached, so the gate runs again and every
    // object is compared in full (drift is corrected, not skipped by resourceVersion).
    const requested = requestedReconcile(estate);
    if (requested !== undefined && requested !== estate.status?.lastHandledReconcileAt) {
      const cache = this.cacheOf(estate);
      delete cache.gate;
      cache.verified.clear();
      log.info('reconcile requested', { reason: 'ReconcileRequested', requestedAt: requested });
    }

    const write = async (outcome: EstateOutcome, note?: string): Promise<EstateStatus> => {
      const status = estateStatus(outcome, estate.status, estate.metadata.generation, kubeTime(now));
      if (requested !== undefined) status.lastHandledReconcileAt = requested;
      if (await writeStatusIfChanged(this.rest, ref, estate.status, status)) {
        const before = findCondition(estate.status?.conditions, 'Ready');
        const after = findCondition(status.conditions, 'Ready');
        const transition =
          !before || !after || before.status !== after.status || before.reason !== after.reason || before.message !== after.message;
        if (after && (transition || note)) {
          const warning = after.status === 'False' && after.reason !== 'Progressing';
          const error = await this.events.record(target, {
            type: warning ? 'Warning' : 'Normal',
            reason: after.reason,
            note: note ? `${after.message}\n${note}` : after.message,
            action: 'Reconcile',
          });
          if (error) log.warn('event not recorded', { error });
        }
        if (outcome.kind === 'suspended' && estate.status?.health !== 'Suspended')
          await this.events.record(target, {
            type: 'Normal',
            reason: 'Suspended',
            note: status.message ?? 'suspended',
            action: 'Reconcile',
          });
      }
      return status;
    };

    if (estate.spec.suspend) {
      await write({ kind: 'suspended' });
      log.info('reconciliation suspended', { reason: 'Suspended' });
      return { result: 'done' };
    }

    if (!timings.ok) {
      // The API server admitted what the parser refuses (a CRD without validation, or a zero duration).
      await write({ kind: 'failed', reason: 'InvalidSpec', message: timings.message, stalled: true });
      log.warn('invalid Estate spec', { reason: 'InvalidSpec', error: timings.message });
      return { result: 'done' };
    }

    // Tenancy: an Estate writes to its own namespace unless the cluster admin allowed another.
    const targetNamespace = estate.spec.targetNamespace ?? key.namespace;
    if (!targetNamespaceAllowed(key.namespace, targetNamespace, this.options.allowedTargetNamespaces ?? [])) {
      const message = `targetNamespace "${targetNamespace}" is not allowed for Estates in namespace "${key.namespace}": an Estate writes to its own namespace unless the cluster admin allows another (controller flag --allow-target-namespace ${key.namespace}=${targetNamespace}, chart value controller.allowedTargetNamespaces)`;
      await write({ kind: 'failed', reason: 'TargetNamespaceNotAllowed', message, stalled: true });
      log.warn('target namespace refused', { reason: 'TargetNamespaceNotAllowed', targetNamespace });
      return { result: 'done', requeueAfterMs: interval };
    }

    // The backbone's Secrets: checked before anything is fetched or rolled, so a missing or wrong one
    // leaves the running workers alone and says which Secret (never what is in it).
    const backbone = estate.spec.backbone ?? this.options.defaultBackbone;
    const tracing = estate.spec.tracing ?? this.options.planOptions?.tracing;
    const temporal = estate.spec.workflows?.temporal ?? this.options.defaultTemporal;
    const secretProblem =
      (backbone ? await backboneProblem(this.rest, targetNamespace, backbone) : undefined) ??
      (temporal ? await temporalProblem(this.rest, targetNamespace, temporal) : undefined);
    if (secretProblem) {
      await write({ kind: 'failed', reason: secretProblem.reason, message: secretProblem.message, stalled: false });
      log.warn('connection secret', { reason: secretProblem.reason, secret: secretProblem.secret });
      return { result: 'done', requeueAfterMs: Math.min(interval, 30_000) };
    }

    // Source.
    const sourceSpec: GitSourceSpec = {
      url: estate.spec.source.url,
      ...(estate.spec.source.ref ? { ref: estate.spec.source.ref } : {}),
      path: estate.spec.source.path ?? 'specs',
      timeoutMs: timings.timings.timeoutMs,
    };
    let revision: string;
    let files: RevisionFiles;
    try {
      const credentials = await this.credentials(estate);
      const synced = await this.options.source.sync(sourceSpec, credentials, estate.status?.lastAttemptedRevision);
      revision = synced.revision;
      const cache = this.cacheOf(estate);
      const gateKey = this.gateKey(estate, synced.commit, now);
      if (cache.gate?.key === gateKey) files = { commit: synced.commit, files: [], unchanged: [], diagnostics: [], displayPath: (p) => p };
      else files = await this.options.source.readRevision(sourceSpec, synced.commit);
    } catch (error) {
      const reason =
        error instanceof GitSourceError
          ? error.reason
          : error instanceof KubeApiError && error.code === 404
            ? 'SecretNotFound'
            : 'SourceFailed';
      // Nothing a retry can fix: the Estate's spec must change.
      const stalled = reason === 'InvalidUrl' || reason === 'CredentialsInUrl' || reason === 'LocalSourceRefused';
      await write({
        kind: 'failed',
        reason,
        message: `Fetching ${redactCredentialPatterns(sourceSpec.url)} failed: ${redactCredentialPatterns((error as Error).message)}`,
        stalled,
      });
      log.warn('source failed', { reason, error: redactCredentialPatterns((error as Error).message) });
      if (stalled) return { result: 'done', requeueAfterMs: interval };
      throw error;
    }

    // Gate.
    const cache = this.cacheOf(estate);
    const gateKey = this.gateKey(estate, files.commit, now);
    let gate: GateResult;
    if (cache.gate?.key === gateKey) gate = cache.gate.state;
    else {
      const run: GateFunction =
        this.options.gate ??
        (async (_, input) => {
          const [{ gate: gateInProcess }, { Generator }] = await Promise.all([
            import('./desired-state.ts'),
            import('../../generators/generate.ts'),
          ]);
          cache.generator ??= new Generator();
          return gateInProcess({ ...input, support: this.options.support, generator: cache.generator });
        });
      try {
        const base = await this.lastAppliedFiles(estate, sourceSpec, files.commit, log);
        gate = await run(`${key.namespace}/${key.name}`, {
          ...(base ? { base } : {}),
          files: files.files,
          readDiagnostics: files.diagnostics,
          estate: { name: key.name, namespace: key.namespace },
          targetNamespace,
          revision,
          runtimeImage: estate.spec.runtimeImage ?? this.options.defaultRuntimeImage,
          today: now.toISOString().slice(0, 10),
          planOptions: {
            ...this.options.planOptions,
            includeCrds: this.options.installCrds ?? false,
            ...(backbone ? { backbone } : {}),
            ...(temporal ? { temporal } : {}),
            ...(tracing ? { tracing } : {}),
          },
        });
      } catch (error) {
        // A gate that crashes, times out or runs out of memory on this revision would do the same on a
        // retry: the revision is stalled (condition + Warning Event), never a throw that reruns it
        // with backoff forever. The next commit, or the next interval, tries again.
        const detail = redactCredentialPatterns(firstLine(error));
        await write({
          kind: 'failed',
          revision,
          reason: error instanceof GateTimeoutError ? 'GateTimeout' : 'GateFailed',
          message: `Revision ${revision} could not be checked (${detail}); the last applied revision keeps running`,
          stalled: true,
        });
        log.warn('gate failed', { revision, reason: error instanceof GateTimeoutError ? 'GateTimeout' : 'GateFailed', error: detail });
        return { result: 'done', requeueAfterMs: interval };
      }
      cache.gate = { key: gateKey, state: gate };
    }
    if (!gate.accepted) {
      await write({ kind: 'rejected', revision, stage: gate.stage, diagnostics: gate.diagnostics });
      log.warn('revision rejected', { revision, reason: 'ValidationFailed', stage: gate.stage, first: firstDiagnostic(gate.diagnostics) });
      return { result: 'done', requeueAfterMs: interval };
    }

    if (gate.graph) cache.graph = gate.graph;
    // Apply, prune, health, status.
    const previousInventory = estate.status?.inventory?.entries ?? [];
    // Executions of the Workflow units on Temporal; when Temporal cannot be read the last counts stay.
    let workflowExecutions: ReadonlyMap<string, { running: number; failed: number }> | undefined;
    const workflowUnits = gate.plan.units.filter((u) => u.owner.kind === 'Workflow').map((u) => u.id);
    if (this.options.workflowExecutions && temporal && workflowUnits.length > 0) {
      const scope = temporalScope(temporal, { name: key.name, namespace: key.namespace });
      const counted = await this.options.workflowExecutions.count(targetNamespace, temporal, scope, workflowUnits);
      if (counted.ok) workflowExecutions = counted.counts;
      else log.warn('workflow executions not counted', { reason: 'WorkflowExecutionsUnreadable', error: counted.reason });
    }
    try {
      const applied = await applyRevision(this.rest, {
        estate: { name: key.name, namespace: key.namespace },
        plan: gate.plan,
        previousInventory,
        prune: estate.spec.prune !== false,
        now,
        events: this.events,
        verified: cache.verified,
        ...(workflowExecutions ? { workflowExecutions } : {}),
      });
      const changed = changedAnything(applied.changes);
      const deleted = applied.changes.filter((c) => c.action === 'deleted');
      // Dead letters waiting per route; when the backbone cannot be read the last counts stay.
      let deadLetters: { route: string; count: number }[] | undefined;
      if (this.options.deadLetters && backbone) {
        const counted = await this.options.deadLetters.count(targetNamespace, backbone, routeDeadLetterTopics(gate.plan));
        if (counted.ok) deadLetters = counted.routes;
        else log.warn('dead letters not counted', { reason: 'DeadLettersUnreadable', error: counted.reason });
      }
      await write(
        {
          kind: 'applied',
          revision,
          inventory: applied.inventory,
          counts: applied.counts,
          health: applied.health,
          healthMessage: applied.healthMessage,
          ...(deadLetters ? { deadLetters } : {}),
          ...(applied.monitoring ? { monitoring: applied.monitoring } : {}),
        },
        changed ? renderChangeSet(applied.changes).trimEnd() : undefined,
      );
      if (deleted.length > 0)
        await this.events.record(target, { type: 'Normal', reason: 'Pruned', note: renderChangeSet(deleted).trimEnd(), action: 'Prune' });
      if (changed) log.info('applied', { revision, reason: 'ReconciliationSucceeded', changes: summarizeChanges(applied.changes) });
      if (applied.health === 'Progressing')
        return { result: 'waiting', requeueAfterMs: this.options.progressRequeueMs ?? 2_000, changes: applied.changes };
      return { result: 'done', requeueAfterMs: interval, changes: applied.changes };
    } catch (error) {
      if (error instanceof ApplyFailed) {
        await write({
          kind: 'failed',
          revision,
          reason: 'ApplyFailed',
          message: redactCredentialPatterns(error.message),
          stalled: error.terminal,
        });
        log.warn('apply failed', { revision, reason: 'ApplyFailed', error: error.message });
        if (error.terminal) return { result: 'done', requeueAfterMs: interval };
      }
      throw error;
    }
  }

  /** Deletes everything the Estate created (its inventory and whatever carries its labels), then lets it go. */
  private async finalize(estate: EstateObject, log: Logger): Promise<ReconcileResult> {
    const ref = { apiVersion: ESTATE_API_VERSION, kind: ESTATE_KIND, namespace: estate.metadata.namespace!, name: estate.metadata.name };
    if (!estate.metadata.finalizers?.includes(FINALIZER)) return { result: 'done' };
    const id = { name: ref.name, namespace: ref.namespace };
    const inventory = estate.status?.inventory?.entries ?? [];
    const live = await readLiveState(this.rest, { objects: [], units: [], diagnostics: [] }, id, [
      ...inventory,
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        // Never look outside what the Estate may write, even for a spec edited after the fact.
        namespace: targetNamespaceAllowed(
          ref.namespace,
          estate.spec.targetNamespace ?? ref.namespace,
          this.options.allowedTargetNamespaces ?? [],
        )
          ? (estate.spec.targetNamespace ?? ref.namespace)
          : ref.namespace,
        name: '-',
      },
    ]);
    const changes = await pruneObjects(this.rest, { estate: id, enabled: true, previousInventory: inventory, live });
    const deleted = changes.filter((c) => c.action === 'deleted');
    if (deleted.length > 0) {
      await this.events.record(
        { ...ref, ...(estate.metadata.uid ? { uid: estate.metadata.uid } : {}) },
        { type: 'Normal', reason: 'Pruned', note: `Estate deleted: ${renderChangeSet(deleted).trimEnd()}`, action: 'Finalize' },
      );
    }
    await this.rest
      .mergePatch(ref, {
        metadata: {
          finalizers: (estate.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
          resourceVersion: estate.metadata.resourceVersion,
        },
      })
      .catch((error) => {
        if (!isNotFound(error)) throw error;
      });
    this.caches.delete(`${ref.namespace}/${ref.name}`);
    log.info('finalized', { reason: 'Finalized', deleted: deleted.length });
    return { result: 'done', changes };
  }

  private async credentials(estate: EstateObject): Promise<GitCredentials | undefined> {
    const name = estate.spec.source.secretRef?.name;
    if (!name) return undefined;
    const secret = await this.rest.get({ apiVersion: 'v1', kind: 'Secret', namespace: estate.metadata.namespace!, name });
    return credentialsFromSecretData((secret as unknown as { data?: Record<string, string> }).data);
  }

  private cacheOf(estate: EstateObject): EstateCache {
    const key = `${estate.metadata.namespace}/${estate.metadata.name}`;
    let cache = this.caches.get(key);
    if (!cache) {
      cache = { verified: new Map() };
      this.caches.set(key, cache);
    }
    return cache;
  }

  /**
   * The files of `status.lastAppliedRevision` when it is another commit than `head`: the base the
   * gate judges breaking changes and deprecations against. None when nothing was applied yet, when
   * the head is what runs (a resync has no change to judge), or when the commit cannot be read any
   * more (a force-push dropped it): the gate then checks the revision alone, where no date decides.
   */
  private async lastAppliedFiles(
    estate: EstateObject,
    sourceSpec: GitSourceSpec,
    head: string,
    log: Logger,
  ): Promise<{ revision: string; files: RevisionFiles['files'] } | undefined> {
    const revision = estate.status?.lastAppliedRevision;
    const commit = revisionCommit(revision);
    if (!revision || !commit || commit === head) return undefined;
    try {
      const read = await this.options.source.readRevision(sourceSpec, commit);
      return { revision, files: read.files };
    } catch (error) {
      log.warn('last applied revision unreadable; gating without a base', {
        revision,
        error: redactCredentialPatterns(firstLine(error)),
      });
      return undefined;
    }
  }

  /** Everything the gate's result depends on besides the files of the commit. */
  private gateKey(estate: EstateObject, commit: string, now: Date): string {
    const s = estate.spec;
    return JSON.stringify([
      commit,
      revisionCommit(estate.status?.lastAppliedRevision) ?? '',
      s.source.path ?? 'specs',
      s.targetNamespace ?? '',
      s.runtimeImage ?? this.options.defaultRuntimeImage,
      s.backbone ?? this.options.defaultBackbone ?? null,
      s.workflows?.temporal ?? this.options.defaultTemporal ?? null,
      s.tracing ?? this.options.planOptions?.tracing ?? null,
      this.options.installCrds ?? false,
      now.toISOString().slice(0, 10),
    ]);
  }
}

/** The annotation's value when it is a usable one (a string of at most 256 characters, as the status field holds). */
function requestedReconcile(estate: EstateObject): string | undefined {
  const value = estate.metadata.annotations?.[RECONCILE_REQUESTED_AT];
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

function firstDiagnostic(diagnostics: readonly Diagnostic[]): string {
  const d = diagnostics[0];
  return d ? `${d.file}:${d.range.start.line} ${d.code} ${d.message}` : '';
}
