import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import { FILE_START } from '../../language/diagnostics/diagnostic.ts';
import { locate } from '../../language/diagnostics/locate.ts';
import { API_VERSION, VERSIONED_KINDS } from '../../language/kinds/registry.ts';
import { EstateIndex } from '../../language/validate/estate-index.ts';
import type { SpecDocument } from '../../language/validate/estate-index.ts';
import { interlaceCrds } from '../../generators/crds/crds.ts';
import { sha256, stableJson } from '../../generators/shared/hash.ts';
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_REVISION,
  ANNOTATION_SOURCE,
  LABEL_ESTATE,
  LABEL_ESTATE_NAMESPACE,
  LABEL_MAJOR,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_UNIT,
  MANAGED_BY,
} from './labels.ts';
import { kubeName, specObjectName } from './names.ts';
import { KIND_ORDER, objectKey, refOf } from './object-key.ts';
import { OWNER_UID_PLACEHOLDER } from './owners.ts';
import type { KubeObject, ObjectRef, Plan, PlanInput, PlannedObject, PlannedUnit } from './types.ts';
import { unitSecretEnv } from './unit-secrets.ts';
import { servesHttp } from '../../runtime/adapters/sources/create-sources.ts';
import {
  CONFIGMAP_MAX_BYTES,
  DEFAULT_RESOURCES,
  DEFAULT_WORKER_PORT,
  WORKFLOW_RESOURCES,
  bundleConfigMap,
  configMapDataBytes,
  deployment,
  service,
} from './workload.ts';
import type { UnitWorkload } from './workload.ts';
import { temporalScope } from './temporal-env.ts';
import { horizontalPodAutoscaler } from './autoscaler.ts';
import { monitoringObjects } from './monitoring.ts';
import type { Scale } from '../../language/kinds/generated/kinds.ts';

interface BundleManifest {
  unit: string;
  kind: string;
  name: string;
  major?: number;
  bundle: string;
  sha256: string;
}

/**
 * The desired state of an estate at one revision: every object the controller applies, in apply
 * order, with labels that tie it to the Estate and annotations that tie it to Git. Pure and
 * deterministic: the same input gives byte-identical objects (keys sorted when rendered, objects
 * sorted here). Runtime objects carry an ownerReference to the spec object they serve with a
 * placeholder uid; `bindOwnerUids` fills it in once stage 2 is applied.
 */
export function planEstate(input: PlanInput): Plan {
  const options = input.options ?? {};
  const diagnostics: Diagnostic[] = [];
  const planned: Omit<PlannedObject, 'contentHash' | 'key'>[] = [];
  const common = { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_ESTATE]: input.estate.name, [LABEL_ESTATE_NAMESPACE]: input.estate.namespace };
  // Specs never choose their namespace: the Estate's (admin-restricted) target namespace is the only
  // place an Estate writes. A document's own metadata.namespace would otherwise put its workers, and
  // the Secrets they read, wherever the spec author likes (`kube-system`).
  const namespaceOf = (_doc: SpecDocument) => input.targetNamespace;
  for (const doc of input.documents) {
    const own = (doc.source.value.metadata as { namespace?: unknown } | undefined)?.namespace;
    if (own === undefined || own === input.targetNamespace) continue;
    diagnostics.push({
      code: 'plan-spec-namespace-ignored',
      severity: 'warning',
      file: doc.source.file,
      path: ['metadata', 'namespace'],
      range: locate(doc.source, ['metadata', 'namespace']),
      message: `metadata.namespace "${String(own).slice(0, 80)}" is ignored: ${doc.kind} ${doc.name} is applied to the Estate's target namespace "${input.targetNamespace}"`,
      hint: "Remove metadata.namespace; the Estate's spec.targetNamespace (within what the cluster admin allows) decides where objects go.",
    });
  }

  // Stage 1: CRDs, then every namespace the estate writes to.
  if (options.includeCrds !== false) {
    for (const { object } of interlaceCrds().crds)
      planned.push({ stage: 1, ref: refOf(object as unknown as KubeObject), object: object as unknown as KubeObject, prune: false });
  }
  if (options.createNamespaces !== false) {
    const namespaces = new Set([input.targetNamespace, ...input.documents.map(namespaceOf)]);
    for (const name of [...namespaces].sort()) {
      const object: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...common } } };
      planned.push({ stage: 1, ref: refOf(object), object, prune: false });
    }
  }

  // Stage 2: each spec document as its custom resource.
  const specRefs = new Map<SpecDocument, ObjectRef>();
  for (const doc of input.documents) {
    const metadata = (doc.source.value.metadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const line = doc.source.yaml.contents?.range ? doc.source.lineCounter.linePos(doc.source.yaml.contents.range[0]).line : 1;
    const source = { file: doc.source.file, line };
    const labels: Record<string, string> = { ...metadata.labels, ...common };
    if (VERSIONED_KINDS.has(doc.kind) && doc.major !== undefined)
      Object.assign(labels, { [LABEL_NAME]: doc.name, [LABEL_MAJOR]: String(doc.major) });
    const object: KubeObject = {
      apiVersion: API_VERSION,
      kind: doc.kind,
      metadata: {
        name: specObjectName(doc),
        namespace: namespaceOf(doc),
        labels,
        annotations: { ...metadata.annotations, [ANNOTATION_SOURCE]: `${source.file}:${source.line}` },
      },
      spec: structuredClone(doc.source.value.spec ?? doc.spec),
    };
    const ref = refOf(object);
    specRefs.set(doc, ref);
    planned.push({ stage: 2, ref, object, source, prune: true });
  }

  // Stage 3: each deployable unit the generator bundled.
  const index = new EstateIndex(input.documents);
  const units: PlannedUnit[] = [];
  const manifests = [...input.generated.entries()]
    .filter(([path]) => /^bundles\/[^/]+\.manifest\.json$/.test(path))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const bundled = new Set<SpecDocument>();
  for (const [path, text] of manifests) {
    const manifest = JSON.parse(text) as BundleManifest;
    if (manifest.kind === 'Workflow' && !options.temporal) {
      const doc = input.documents.find((d) => d.kind === 'Workflow' && d.name === manifest.name && d.major === manifest.major);
      if (doc)
        diagnostics.push({
          code: 'plan-temporal-missing',
          severity: 'warning',
          file: doc.source.file,
          path: [],
          range: locate(doc.source, []),
          message: `Workflow ${specObjectName(doc)} is not deployed: the Estate names no Temporal cluster to run it on`,
          hint: "Give the Estate spec.workflows.temporal.address (an existing Temporal cluster), run the controller with --temporal-address (the chart's temporal.address), or pass `interlace plan --temporal <host:port>`.",
        });
      continue;
    }
    const doc = input.documents.find((d) => d.kind === manifest.kind && d.name === manifest.name && d.major === manifest.major);
    const bundle = input.generated.get(`bundles/${manifest.bundle}`);
    if (!doc || bundle === undefined)
      throw new Error(
        `${path}: the generated bundle does not match the documents (${manifest.kind} ${manifest.name}); generate and plan must see the same estate`,
      );
    bundled.add(doc);
    const owner = specRefs.get(doc)!;
    const name = kubeName(manifest.unit);
    const secrets = unitSecretEnv(doc, index);
    const workload: UnitWorkload = {
      name,
      namespace: owner.namespace!,
      unitId: manifest.unit,
      estate: input.estate.name,
      bundle,
      manifest: text,
      bundleHash: manifest.sha256,
      image: (manifest.kind === 'Workflow' ? options.temporal?.image : undefined) ?? input.runtimeImage,
      port: options.workerPort ?? DEFAULT_WORKER_PORT,
      resources: options.resources ?? (manifest.kind === 'Workflow' ? WORKFLOW_RESOURCES : DEFAULT_RESOURCES),
      secrets,
      env: options.workerEnv ?? {},
      ...(options.serviceAccountName ? { serviceAccountName: options.serviceAccountName } : {}),
      // An Api, or a System whose sources take HTTP (a webhook receiver): both get a Service.
      servesApi: doc.kind === 'Api' || (doc.kind === 'System' && servesHttp({ metadata: { name: doc.name }, spec: doc.spec })),
      ...(options.backbone ? { backbone: options.backbone } : {}),
      // The Estate's scope: other Estates on the same Temporal namespace never poll its queues or meet its ids.
      ...(manifest.kind === 'Workflow' && options.temporal
        ? { temporal: { ...options.temporal, scope: temporalScope(options.temporal, input.estate) } }
        : {}),
      ...(options.tracing ? { tracing: options.tracing } : {}),
      ...(doc.kind === 'EventRoute' || doc.kind === 'Api' ? scaleOf(doc.spec.scale) : {}),
    };
    const configMap = bundleConfigMap(workload);
    const bytes = configMapDataBytes(configMap as { data?: Record<string, string>; binaryData?: Record<string, string> });
    if (bytes > CONFIGMAP_MAX_BYTES) {
      diagnostics.push({
        code: 'plan-bundle-too-large',
        severity: 'error',
        file: doc.source.file,
        path: [],
        range: locate(doc.source, []),
        message: `the bundle of ${manifest.unit} is ${bytes} bytes gzipped (base64, with its manifest); a ConfigMap holds at most ${CONFIGMAP_MAX_BYTES} (1 MiB)`,
        hint: 'Split the route or API so each unit uses fewer mappings and contracts.',
      });
    }
    units.push({
      id: manifest.unit,
      name,
      namespace: workload.namespace,
      owner,
      bundleHash: manifest.sha256,
      bundleBytes: Buffer.byteLength(bundle),
      ...(workload.servesApi ? { serves: { port: 80 } } : {}),
      secrets,
    });
    const source = planned.find((p) => p.ref === owner)!.source;
    const autoscaler = horizontalPodAutoscaler(workload, workload.scale);
    const runtime = [
      configMap,
      deployment(workload),
      ...(workload.servesApi ? [service(workload)] : []),
      ...(autoscaler ? [autoscaler] : []),
    ];
    for (const object of runtime) {
      object.metadata.labels = { ...common, [LABEL_UNIT]: name };
      object.metadata.annotations = source ? { [ANNOTATION_SOURCE]: `${source.file}:${source.line}` } : {};
      object.metadata.ownerReferences = [
        {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.name,
          uid: OWNER_UID_PLACEHOLDER,
          controller: true,
          blockOwnerDeletion: true,
        },
      ];
      planned.push({ stage: 3, ref: refOf(object), object, owner, ...(source ? { source } : {}), prune: true });
    }
  }
  // The Prometheus Operator's objects: applied only where the cluster has their CRDs (applyRevision).
  for (const object of monitoringObjects({
    generated: input.generated,
    namespace: input.targetNamespace,
    estate: input.estate.name,
    labels: common,
    hasWorkers: units.length > 0,
  }))
    planned.push({ stage: 3, ref: refOf(object), object, prune: true });
  for (const doc of input.documents) {
    const deployable = doc.kind === 'EventRoute' || (doc.kind === 'Api' && doc.major !== undefined);
    if (!deployable || bundled.has(doc)) continue;
    diagnostics.push({
      code: 'plan-bundle-missing',
      severity: 'error',
      file: doc.source.file,
      path: [],
      range: doc.source ? locate(doc.source, []) : FILE_START,
      message: `${doc.kind} ${specObjectName(doc)} has no generated bundle, so nothing would run it`,
      hint: 'Run `interlace generate` on the estate: it says why the unit could not be built.',
    });
  }
  const consumer = input.documents.find((d) => d.kind === 'EventRoute' && bundled.has(d));
  if (consumer && !options.backbone) {
    diagnostics.push({
      code: 'plan-backbone-missing',
      severity: 'error',
      file: consumer.source.file,
      path: [],
      range: locate(consumer.source, []),
      message: `${consumer.kind} ${specObjectName(consumer)} and the estate's other routes consume topics, but the Estate has no backbone: each worker pod would read its own empty embedded store`,
      hint: 'Give the Estate spec.backbone.url (a NATS JetStream server; the chart installs one with nats.enabled), run the controller with --nats-url, or pass `interlace plan --nats <url>`.',
    });
  }

  return { objects: finish(planned, input), units, diagnostics };
}

/** `{scale}` for a unit whose spec says one, else nothing (so an estate without `scale` plans as before). */
function scaleOf(scale: Scale | undefined): { scale?: Scale } {
  return scale ? { scale } : {};
}

/** Adds content hashes and revision annotations, then sorts into apply order. */
function finish(planned: Omit<PlannedObject, 'contentHash' | 'key'>[], input: PlanInput): PlannedObject[] {
  const out: PlannedObject[] = planned.map((p) => {
    const key = objectKey(p.ref);
    const contentHash = sha256(stableJson(p.object));
    const previous = input.options?.previous?.get(key);
    const revision = previous && previous.contentHash === contentHash ? previous.revision : input.revision;
    p.object.metadata.annotations = {
      ...p.object.metadata.annotations,
      [ANNOTATION_CONTENT_HASH]: contentHash,
      [ANNOTATION_REVISION]: revision,
    };
    return { ...p, key, contentHash };
  });
  const seen = new Set<string>();
  for (const p of out) {
    if (seen.has(p.key)) throw new Error(`two planned objects share the key ${p.key}`);
    seen.add(p.key);
  }
  return out.sort(compareStageOrder);
}

function compareStageOrder(a: PlannedObject, b: PlannedObject): number {
  if (a.stage !== b.stage) return a.stage - b.stage;
  const ka = KIND_ORDER.indexOf(a.ref.kind);
  const kb = KIND_ORDER.indexOf(b.ref.kind);
  if (ka !== kb) return ka - kb;
  const na = a.ref.namespace ?? '';
  const nb = b.ref.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.ref.name < b.ref.name ? -1 : a.ref.name > b.ref.name ? 1 : 0;
}
