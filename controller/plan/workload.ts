/**
 * The runtime objects of one deployable unit: a ConfigMap holding its bundle, a Deployment running
 * the runtime image on it, and a Service when it serves an API. Hardened by default (non-root,
 * read-only root filesystem, no capabilities, no service-account token) because a worker needs none
 * of that: it reads its bundle, talks to Systems over the network and serves HTTP.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { backboneWiring } from './backbone-env.ts';
import type { BackboneSpec } from './backbone-env.ts';
import { temporalWiring } from './temporal-env.ts';
import type { ScopedTemporalSpec } from './temporal-env.ts';
import type { Scale } from '../../language/kinds/generated/kinds.ts';
import { ANNOTATION_BUNDLE_HASH, LABEL_ESTATE, LABEL_UNIT } from './labels.ts';
import type { ContainerResources, KubeObject, TracingSpec } from './types.ts';
import type { SecretEnv } from './unit-secrets.ts';

/** Kubernetes' limit on a ConfigMap's data (keys and values together; k8s.io/api core/v1 validation). */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
export const BUNDLE_MOUNT = '/bundle';
/**
 * Where the worker keeps its idempotency store, views and (without NATS) its embedded backbone: an
 * emptyDir, passed as INTERLACE_STATE_DIR. The worker's own default is relative to its working
 * directory, which is on the read-only root filesystem: without this, a real pod crash-loops on
 * `ENOENT mkdir '/opt/interlace/.interlace/worker'` (kwok never runs the container, so only a real
 * node showed it).
 */
export const STATE_MOUNT = '/var/lib/interlace';
/** The state emptyDir's limit: above it the kubelet evicts the pod rather than filling the node's disk. */
export const STATE_SIZE_LIMIT = '256Mi';
/**
 * The bundle is stored gzipped (binaryData): a unit's bundle links the support library and re2js in
 * (500–600 KB of JavaScript for the example's routes), which compresses about 5×. Plain, 125 units put
 * 20 MB into the API server on every cold start and kept bundles close to the 1 MiB ConfigMap limit.
 */
const BUNDLE_KEY = 'bundle.js.gz';
const MANIFEST_KEY = 'manifest.json';
export const DEFAULT_RESOURCES: ContainerResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
/**
 * A Workflow unit's worker: the Temporal SDK's native core, and webpack bundling the workflows into the
 * sandbox at start, need more than a route's worker — measured 435 MB resident (peak) for one small
 * workflow, ready 3 s after start (docs/kubernetes.md#workflows-on-temporal-specworkflowstemporal).
 */
export const WORKFLOW_RESOURCES: ContainerResources = { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '768Mi' } };
export const DEFAULT_WORKER_PORT = 8080;
/** The worker image's non-root user (distroless `nonroot`). */
export const WORKER_UID = 65532;

export interface UnitWorkload {
  name: string;
  namespace: string;
  unitId: string;
  estate: string;
  bundle: string;
  manifest: string;
  bundleHash: string;
  image: string;
  port: number;
  resources: ContainerResources;
  secrets: readonly SecretEnv[];
  env: Readonly<Record<string, string>>;
  serviceAccountName?: string;
  servesApi: boolean;
  /** The shared NATS JetStream backbone; without one the worker would open a per-pod embedded store. */
  backbone?: BackboneSpec;
  /** The Temporal cluster a Workflow unit runs on (the Estate's `spec.workflows.temporal`), with the Estate's scope. */
  temporal?: ScopedTemporalSpec;
  /** OTLP trace export (the plan's `tracing`); without it the worker drops its spans. */
  tracing?: TracingSpec;
  /** The spec's `scale`: a fixed replicas count is set on the Deployment; autoscale leaves it to the HPA. */
  scale?: Scale;
}

/** Bytes a ConfigMap's data and binaryData count against its limit (binaryData counted as base64: an upper bound). */
export function configMapDataBytes(configMap: { data?: Record<string, string>; binaryData?: Record<string, string> }): number {
  let total = 0;
  for (const values of [configMap.data ?? {}, configMap.binaryData ?? {}])
    for (const [key, value] of Object.entries(values)) total += Buffer.byteLength(key) + Buffer.byteLength(value);
  return total;
}

/** Compressed bundles by the SHA-256 of their text: a revision re-plans every unit, and most bundles did not change. */
const compressed = new Map<string, string>();
const COMPRESSED_KEPT = 2_000;

/**
 * The bundle gzipped, base64 (the ConfigMap's binaryData). Deterministic for one zlib version: Node
 * writes no file name and mtime 0 into the gzip header, so the same bundle plans the same object.
 */
function compressedBundle(bundle: string): string {
  const bundleHash = createHash('sha256').update(bundle).digest('hex');
  const hit = compressed.get(bundleHash);
  if (hit !== undefined) return hit;
  const value = gzipSync(bundle, { level: 9 }).toString('base64');
  if (compressed.size >= COMPRESSED_KEPT) compressed.delete(compressed.keys().next().value as string);
  compressed.set(bundleHash, value);
  return value;
}

export function bundleConfigMapName(unitName: string): string {
  return `${unitName}-bundle`;
}

export function bundleConfigMap(w: UnitWorkload): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: bundleConfigMapName(w.name), namespace: w.namespace },
    data: { [MANIFEST_KEY]: w.manifest },
    binaryData: { [BUNDLE_KEY]: compressedBundle(w.bundle) },
  };
}

/** Labels that select a unit's pods; never change them (a Deployment's selector is immutable). */
export function selectorLabels(w: Pick<UnitWorkload, 'estate' | 'name'>): Record<string, string> {
  return { [LABEL_ESTATE]: w.estate, [LABEL_UNIT]: w.name };
}

/** The OpenTelemetry variables of a worker that exports its spans (runtime/observe/trace-config.ts). */
function tracingEnv(w: UnitWorkload): Record<string, unknown>[] {
  if (!w.tracing) return [];
  return [
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: w.tracing.otlpEndpoint },
    ...(w.tracing.sampleRatio !== undefined ? [{ name: 'OTEL_TRACES_SAMPLER_ARG', value: String(w.tracing.sampleRatio) }] : []),
    { name: 'OTEL_SERVICE_NAME', value: w.unitId },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `interlace.estate=${w.estate},k8s.namespace.name=${w.namespace}` },
  ];
}

export function deployment(w: UnitWorkload): KubeObject {
  const none = { env: [], volumes: [], volumeMounts: [] };
  const backbone = w.backbone ? backboneWiring(w.backbone) : none;
  const temporal = w.temporal ? temporalWiring(w.temporal) : none;
  const wiring = {
    env: [...backbone.env, ...temporal.env],
    volumes: [...backbone.volumes, ...temporal.volumes],
    volumeMounts: [...backbone.volumeMounts, ...temporal.volumeMounts],
  };
  const env: Record<string, unknown>[] = [
    { name: 'INTERLACE_UNIT', value: w.unitId },
    { name: 'INTERLACE_PORT', value: String(w.port) },
    { name: 'INTERLACE_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'INTERLACE_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'INTERLACE_STATE_DIR', value: STATE_MOUNT },
    ...Object.keys(w.env)
      .sort()
      .map((name) => ({ name, value: w.env[name]! })),
    ...wiring.env,
    ...tracingEnv(w),
    ...w.secrets.map((s) => ({
      name: s.variable,
      valueFrom: { secretKeyRef: { name: s.secret, key: s.key, ...(s.optional ? { optional: true } : {}) } },
    })),
  ];
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: w.name, namespace: w.namespace },
    spec: {
      // Only a fixed `scale.replicas` is set. Otherwise the field is left out, so the HPA of an
      // autoscaled unit (or `kubectl scale` on one without `scale`) owns it and apply never fights it.
      ...(w.scale?.replicas !== undefined && !w.scale.autoscale ? { replicas: w.scale.replicas } : {}),
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(w) },
      template: {
        metadata: {
          labels: {
            'app.kubernetes.io/name': 'interlace-worker',
            'app.kubernetes.io/instance': w.name,
            'app.kubernetes.io/managed-by': 'interlace',
            ...selectorLabels(w),
          },
          // The bundle's hash rolls the Deployment when its code changes; nothing else here varies per commit.
          annotations: { [ANNOTATION_BUNDLE_HASH]: w.bundleHash },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(w.serviceAccountName ? { serviceAccountName: w.serviceAccountName } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: WORKER_UID,
            runAsGroup: WORKER_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'worker',
              image: w.image,
              command: ['interlace'],
              args: ['worker', '--bundle', BUNDLE_MOUNT],
              ports: [{ name: 'http', containerPort: w.port, protocol: 'TCP' }],
              env,
              resources: { requests: { ...w.resources.requests }, limits: { ...w.resources.limits } },
              startupProbe: probe('/healthz', 2, 30),
              readinessProbe: probe('/readyz', 5, 3),
              livenessProbe: probe('/healthz', 10, 3),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'bundle', mountPath: BUNDLE_MOUNT, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'state', mountPath: STATE_MOUNT },
                ...wiring.volumeMounts,
              ],
            },
          ],
          volumes: [
            { name: 'bundle', configMap: { name: bundleConfigMapName(w.name), defaultMode: 0o444 } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            { name: 'state', emptyDir: { sizeLimit: STATE_SIZE_LIMIT } },
            ...wiring.volumes,
          ],
        },
      },
    },
  };
}

/** A ClusterIP Service in front of an Api's worker (port 80 → the worker's `http` port). */
export function service(w: UnitWorkload): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: w.name, namespace: w.namespace },
    spec: { type: 'ClusterIP', selector: selectorLabels(w), ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
}
