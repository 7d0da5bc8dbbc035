import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import type { SpecDocument } from '../../language/validate/estate-index.ts';
import type { BackboneSpec } from './backbone-env.ts';
import type { TemporalSpec } from './temporal-env.ts';

/** A Kubernetes object as plain JSON (what server-side apply sends). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  /** {@link OWNER_UID_PLACEHOLDER} in a plan until {@link bindOwnerUids} fills in the owner's real uid. */
  uid: string;
  controller: true;
  blockOwnerDeletion: true;
}

/** Identifies one object: what the Estate's inventory and pruning store. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  /** Absent for cluster-scoped objects (Namespace, CustomResourceDefinition). */
  namespace?: string;
  name: string;
}

/**
 * Apply order. 1: CRDs and Namespaces (wait until CRDs are Established). 2: the spec objects as
 * custom resources (their uids are needed as owners). 3: each unit's ConfigMap, Deployment, Service.
 */
export type Stage = 1 | 2 | 3;

export interface PlannedObject {
  stage: Stage;
  /** `apps/v1/Deployment/<namespace>/<name>`; unique within a plan. */
  key: string;
  ref: ObjectRef;
  object: KubeObject;
  /** For stage 3: the spec object this one serves (its ownerReference). */
  owner?: ObjectRef;
  /** Where it comes from in Git (spec objects and the runtime objects of their units). */
  source?: { file: string; line: number };
  /** SHA-256 of the desired object (before owner uids are bound): also its `interlace.dev/content-hash` annotation. */
  contentHash: string;
  /**
   * False for objects an estate must never delete when they leave the plan: Namespaces (they may
   * hold other things) and CRDs (deleting one deletes every custom resource of its kind, everywhere).
   */
  prune: boolean;
}

/** One deployable unit (an EventRoute, or one major of an Api), as the generator's bundles define it. */
export interface PlannedUnit {
  /** The generator's unit id, `route-order-confirmed`, `api-order-status-v1`. */
  id: string;
  /** Kubernetes name of its Deployment (the id, shortened with a hash when longer than 63). */
  name: string;
  namespace: string;
  owner: ObjectRef;
  bundleHash: string;
  bundleBytes: number;
  /** The Api this unit serves over HTTP (a Service is planned), or undefined for a route. */
  serves?: { port: number };
  /** Secret references mounted as environment variables (names only; never values). */
  secrets: { variable: string; secret: string; key: string }[];
}

export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu?: string; memory: string };
}

export interface PlanOptions {
  /** Include the Interlace CRDs in stage 1 (default true; false when the Helm chart installs them). */
  includeCrds?: boolean;
  /** Plan Namespace objects for the target namespaces (default true). */
  createNamespaces?: boolean;
  /** Container resources of every worker (defaults: requests 50m/64Mi, limits 500m/256Mi). */
  resources?: ContainerResources;
  /**
   * The NATS JetStream backbone every worker connects to (the Estate's `spec.backbone`, else the
   * controller's default). Without one, an estate with routes is refused (`plan-backbone-missing`):
   * each pod would consume its own embedded store, where nothing is ever published.
   */
  backbone?: BackboneSpec;
  /**
   * The Temporal cluster Workflow units run on (the Estate's `spec.workflows.temporal`, else the
   * controller's default). Without one, no Workflow unit is planned and each workflow gets a warning
   * (`plan-temporal-missing`).
   */
  temporal?: TemporalSpec;
  /** Extra plain environment for every worker. Never secrets. */
  workerEnv?: Readonly<Record<string, string>>;
  /** Where every worker exports its spans over OTLP (the controller's `--otlp-endpoint`; the chart's `tracing.*`). */
  tracing?: TracingSpec;
  /** Port the worker listens on for its API, /healthz, /readyz and /metrics (default 8080). */
  workerPort?: number;
  /** ServiceAccount the workers run as (default: the namespace's default; the token is not mounted either way). */
  serviceAccountName?: string;
  /**
   * What was applied before, by object key (read from the live objects' annotations): an object whose
   * content did not change keeps the revision it was last changed in, so a commit that touches one
   * spec rewrites one object, not all of them.
   */
  previous?: ReadonlyMap<string, { contentHash: string; revision: string }>;
}

export interface PlanInput {
  /** The Estate the plan is for; its name and namespace label every object. */
  estate: { name: string; namespace: string };
  /** Where spec objects go unless a document names its own `metadata.namespace`. */
  targetNamespace: string;
  /** `main@sha1:<commit>` (or `working-tree` offline). */
  revision: string;
  /** Documents that passed validation and check. */
  documents: readonly SpecDocument[];
  /** The generator's output files (`GenerateResult.files`): `bundles/<unit>.js` and `.manifest.json` are used. */
  generated: ReadonlyMap<string, string>;
  /** Image that runs bundles (`interlace worker`). */
  runtimeImage: string;
  options?: PlanOptions;
}

export interface Plan {
  /** Sorted: by stage, then kind order, namespace, name. */
  objects: PlannedObject[];
  units: PlannedUnit[];
  /** Problems that block applying (a bundle too large for a ConfigMap). */
  diagnostics: Diagnostic[];
}

/**
 * Trace export of the workers (runtime/observe/trace-config.ts reads it from their environment):
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_TRACES_SAMPLER_ARG`, `OTEL_SERVICE_NAME` (the unit) and
 * `OTEL_RESOURCE_ATTRIBUTES` (`interlace.estate`, `k8s.namespace.name`).
 */
export interface TracingSpec {
  /** OTLP/HTTP base URL of a collector (`http://otel-collector.observability:4318`). */
  otlpEndpoint: string;
  /** Share of new traces kept, 0..1 (default 1); a trace continued from upstream follows its parent. */
  sampleRatio?: number;
}
