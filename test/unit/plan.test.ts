import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ValidationSession } from '../../language/validation-session.ts';
import {
  ANNOTATION_BUNDLE_HASH,
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_REVISION,
  ANNOTATION_SOURCE,
  bindOwnerUids,
  CONFIGMAP_MAX_BYTES,
  diffObjects,
  hasUnboundOwner,
  kubeName,
  OWNER_UID_PLACEHOLDER,
  planEstate,
  planJson,
  planYaml,
} from '../../controller/plan/index.ts';
import type { KubeObject, PlanInput } from '../../controller/plan/index.ts';
import { Generator } from '../../generators/generate.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { runCli } from '../helpers/cli.ts';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = 'test/fixtures/plan-estate';
let base: PlanInput;

beforeAll(async () => {
  const run = new ValidationSession().run([FIXTURE], { cwd: ROOT });
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const generated = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  expect(generated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  base = {
    estate: { name: 'shop', namespace: 'interlace-system' },
    targetNamespace: 'shop',
    revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
    documents: run.result.documents,
    generated: generated.files,
    runtimeImage: 'ghcr.io/interlace-dev/interlace:1.0.0-worker',
    options: { backbone: BACKBONE },
  };
}, 60_000);

const BACKBONE = { url: 'nats://nats.shop:4222' };

const find = <T extends { object: KubeObject }>(objects: T[], kind: string, name: string): T =>
  objects.find((o) => o.object.kind === kind && o.object.metadata.name === name)!;
const container = (deployment: KubeObject) => (deployment.spec as any).template.spec.containers[0];

describe('planEstate', () => {
  it('orders stage 1 (CRDs, namespaces), stage 2 (spec objects), stage 3 (runtime objects)', () => {
    const plan = planEstate(base);
    expect(plan.diagnostics).toEqual([]);
    const summary = plan.objects.map((o) => `${o.stage} ${o.ref.kind}/${o.ref.name}`);
    expect(summary).toEqual([
      '1 CustomResourceDefinition/apis.interlace.dev',
      '1 CustomResourceDefinition/datacontracts.interlace.dev',
      '1 CustomResourceDefinition/estates.interlace.dev',
      '1 CustomResourceDefinition/eventroutes.interlace.dev',
      '1 CustomResourceDefinition/mappings.interlace.dev',
      '1 CustomResourceDefinition/policies.interlace.dev',
      '1 CustomResourceDefinition/systems.interlace.dev',
      '1 CustomResourceDefinition/workflows.interlace.dev',
      '1 Namespace/shop',
      '2 DataContract/order-v2',
      '2 DataContract/sap-order-v1',
      '2 DataContract/x12-850-v1',
      '2 System/legacy-erp',
      '2 Mapping/sap-order-to-order',
      '2 Mapping/x12-850-to-order',
      '2 EventRoute/sap-order-created',
      '2 Api/order-status-v1',
      '3 ConfigMap/api-order-status-v1-bundle',
      '3 ConfigMap/route-sap-order-created-bundle',
      '3 Deployment/api-order-status-v1',
      '3 Deployment/route-sap-order-created',
      '3 Service/api-order-status-v1',
      '3 PodMonitor/interlace-workers',
    ]);
    expect(plan.units.map((u) => u.id)).toEqual(['api-order-status-v1', 'route-sap-order-created']);
    expect(plan.objects.filter((o) => !o.prune).map((o) => o.ref.kind)).toEqual([
      ...Array(8).fill('CustomResourceDefinition'),
      'Namespace',
    ]);
  });

  it('is deterministic: same input, byte-identical output', () => {
    expect(planYaml(planEstate(base))).toBe(planYaml(planEstate(base)));
    expect(planJson(planEstate(base))).toBe(planJson(planEstate(base)));
  });

  it('spec objects: versioned kinds get one object per major with name and major labels; Git position and revision annotated', () => {
    const plan = planEstate(base);
    const order = find(plan.objects, 'DataContract', 'order-v2');
    expect(order.object.metadata.namespace).toBe('shop');
    expect(order.object.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'interlace',
      'interlace.dev/estate': 'shop',
      'interlace.dev/estate-namespace': 'interlace-system',
      'interlace.dev/name': 'order',
      'interlace.dev/major': '2',
    });
    expect(order.object.metadata.annotations![ANNOTATION_SOURCE]).toMatch(/^test\/fixtures\/plan-estate\/contracts\.yaml:\d+$/);
    expect(order.object.metadata.annotations![ANNOTATION_REVISION]).toBe(base.revision);
    expect((order.object.spec as any).version).toBe('2.0.0');
    const system = find(plan.objects, 'System', 'legacy-erp');
    expect(system.object.metadata.labels!['interlace.dev/major']).toBeUndefined();
  });

  it('runtime objects: owned by the spec object they serve, with a placeholder uid the applier binds', () => {
    const plan = planEstate(base);
    const deployment = find(plan.objects, 'Deployment', 'route-sap-order-created');
    expect(deployment.owner).toEqual({
      apiVersion: 'interlace.dev/v1alpha1',
      kind: 'EventRoute',
      namespace: 'shop',
      name: 'sap-order-created',
    });
    expect(deployment.object.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'interlace.dev/v1alpha1',
        kind: 'EventRoute',
        name: 'sap-order-created',
        uid: OWNER_UID_PLACEHOLDER,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(hasUnboundOwner(deployment.object)).toBe(true);
    const bound = bindOwnerUids(deployment, (owner) => (owner.name === 'sap-order-created' ? 'uid-123' : undefined));
    expect(bound.metadata.ownerReferences![0]!.uid).toBe('uid-123');
    expect(hasUnboundOwner(bound)).toBe(false);
    expect(deployment.object.metadata.ownerReferences![0]!.uid).toBe(OWNER_UID_PLACEHOLDER); // the plan is not mutated
    expect(() => bindOwnerUids(deployment, () => undefined)).toThrow(/apply stage 2 first/);
  });

  it('the Deployment runs the runtime image on the mounted bundle, hardened, probed, with a bundle-hash annotation', () => {
    const plan = planEstate(base);
    const unit = plan.units.find((u) => u.id === 'route-sap-order-created')!;
    const deployment = find(plan.objects, 'Deployment', 'route-sap-order-created').object;
    const spec = (deployment.spec as any).template.spec;
    expect((deployment.spec as any).template.metadata.annotations[ANNOTATION_BUNDLE_HASH]).toBe(unit.bundleHash);
    expect(unit.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    const c = container(deployment);
    expect(c.image).toBe('ghcr.io/interlace-dev/interlace:1.0.0-worker');
    expect([...c.command, ...c.args]).toEqual(['interlace', 'worker', '--bundle', '/bundle']);
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(c.resources.requests).toEqual({ cpu: '50m', memory: '64Mi' });
    expect(c.resources.limits.memory).toBe('256Mi');
    expect(spec.volumes[0]).toEqual({ name: 'bundle', configMap: { name: 'route-sap-order-created-bundle', defaultMode: 0o444 } });
    // The root filesystem is read-only: the worker's state folder must be a mounted, writable volume
    // named by INTERLACE_STATE_DIR (its relative default crash-looped on a real node).
    const stateDir = c.env.find((e: { name: string }) => e.name === 'INTERLACE_STATE_DIR')?.value;
    expect(stateDir).toBe('/var/lib/interlace');
    const stateMount = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === stateDir);
    expect(stateMount?.readOnly).toBeFalsy();
    expect(spec.volumes.find((v: { name: string }) => v.name === stateMount?.name)).toEqual({
      name: 'state',
      emptyDir: { sizeLimit: '256Mi' },
    });
    const configMap = find(plan.objects, 'ConfigMap', 'route-sap-order-created-bundle').object as KubeObject & {
      data: Record<string, string>;
      binaryData: Record<string, string>;
    };
    expect(Object.keys(configMap.data)).toEqual(['manifest.json']);
    // The bundle travels gzipped (about 5× smaller): it unpacks to exactly the generated bundle.
    const packed = Buffer.from(configMap.binaryData['bundle.js.gz']!, 'base64');
    expect(gunzipSync(packed).toString('utf8')).toBe(base.generated.get('bundles/route-sap-order-created.js'));
    expect(packed.length * 3).toBeLessThan(base.generated.get('bundles/route-sap-order-created.js')!.length);
    // Routes get no Service; Apis do.
    expect(plan.objects.some((o) => o.ref.kind === 'Service' && o.ref.name === 'route-sap-order-created')).toBe(false);
    expect(find(plan.objects, 'Service', 'api-order-status-v1').object.spec).toMatchObject({
      ports: [{ port: 80, targetPort: 'http' }],
      selector: { 'interlace.dev/unit': 'api-order-status-v1' },
    });
  });

  it('secrets reach the worker as secretKeyRef env named as the runtime reads them — never values', () => {
    const plan = planEstate(base);
    const env = container(find(plan.objects, 'Deployment', 'api-order-status-v1').object).env as {
      name: string;
      value?: string;
      valueFrom?: any;
    }[];
    const secretEnv = env.filter((e) => e.valueFrom?.secretKeyRef);
    expect(secretEnv.map((e) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key])).toEqual([
      ['LEGACY_ERP_CREDENTIALS_PASSWORD', 'legacy-erp-credentials', 'password'],
      ['LEGACY_ERP_CREDENTIALS_USERNAME', 'legacy-erp-credentials', 'username'],
      ['ORDER_STATUS_API_KEYS_KEYS', 'order-status-api-keys', 'keys'],
    ]);
    expect(secretEnv.every((e) => e.value === undefined)).toBe(true);
    expect(planYaml(plan)).not.toMatch(/kind: Secret/);
  });

  it('an mTLS System’s client certificate reaches the worker as the keys of a TLS Secret, ca.crt optional', () => {
    const mtls = { type: 'mtls', secretRef: { name: 'erp-client-cert' } };
    const documents = base.documents.map((d) => (d.kind === 'System' ? ({ ...d, spec: { ...d.spec, auth: mtls } } as typeof d) : d));
    const plan = planEstate({ ...base, documents });
    const env = container(find(plan.objects, 'Deployment', 'api-order-status-v1').object).env as { name: string; valueFrom?: any }[];
    const tls = env.filter((e) => e.valueFrom?.secretKeyRef?.name === 'erp-client-cert');
    expect(tls.map((e) => [e.name, e.valueFrom.secretKeyRef.key, e.valueFrom.secretKeyRef.optional])).toEqual([
      ['ERP_CLIENT_CERT_CA_CRT', 'ca.crt', true],
      ['ERP_CLIENT_CERT_TLS_CRT', 'tls.crt', undefined],
      ['ERP_CLIENT_CERT_TLS_KEY', 'tls.key', undefined],
    ]);
  });

  it('a new bundle changes the pod template (a rollout); a new commit that changes nothing keeps revisions and hashes', () => {
    const first = planEstate(base);
    const previous = new Map(
      first.objects.map((o) => [o.key, { contentHash: o.contentHash, revision: o.object.metadata.annotations![ANNOTATION_REVISION]! }]),
    );
    const again = planEstate({
      ...base,
      revision: 'main@sha1:ffffffffffffffffffffffffffffffffffffffff',
      options: { ...base.options, previous },
    });
    expect(again.objects.map((o) => o.object.metadata.annotations![ANNOTATION_REVISION])).toEqual(first.objects.map(() => base.revision));
    expect(planYaml(again)).toBe(planYaml(first));

    const generated = new Map(base.generated);
    const manifest = JSON.parse(generated.get('bundles/route-sap-order-created.manifest.json')!);
    generated.set('bundles/route-sap-order-created.js', `${generated.get('bundles/route-sap-order-created.js')}\n// changed\n`);
    generated.set('bundles/route-sap-order-created.manifest.json', JSON.stringify({ ...manifest, sha256: 'f'.repeat(64) }));
    const changed = planEstate({
      ...base,
      generated,
      revision: 'main@sha1:ffffffffffffffffffffffffffffffffffffffff',
      options: { ...base.options, previous },
    });
    const revisions = new Map(
      changed.objects.map((o) => [`${o.ref.kind}/${o.ref.name}`, o.object.metadata.annotations![ANNOTATION_REVISION]]),
    );
    expect(revisions.get('Deployment/route-sap-order-created')).toBe('main@sha1:ffffffffffffffffffffffffffffffffffffffff');
    expect(revisions.get('ConfigMap/route-sap-order-created-bundle')).toBe('main@sha1:ffffffffffffffffffffffffffffffffffffffff');
    expect(revisions.get('Deployment/api-order-status-v1')).toBe(base.revision);
    expect(
      (find(changed.objects, 'Deployment', 'route-sap-order-created').object.spec as any).template.metadata.annotations[
        ANNOTATION_BUNDLE_HASH
      ],
    ).toBe('f'.repeat(64));
    expect(find(changed.objects, 'Deployment', 'route-sap-order-created').object.metadata.annotations![ANNOTATION_CONTENT_HASH]).not.toBe(
      find(first.objects, 'Deployment', 'route-sap-order-created').object.metadata.annotations![ANNOTATION_CONTENT_HASH],
    );
  });

  it('reports a bundle too large for a ConfigMap as a diagnostic at the spec', () => {
    const generated = new Map(base.generated);
    // Incompressible: the bundle is stored gzipped, so a merely long one would fit.
    generated.set('bundles/api-order-status-v1.js', randomBytes(CONFIGMAP_MAX_BYTES).toString('base64'));
    const plan = planEstate({ ...base, generated });
    expect(plan.diagnostics).toEqual([
      expect.objectContaining({ code: 'plan-bundle-too-large', severity: 'error', file: 'test/fixtures/plan-estate/route-api.yaml' }),
    ]);
    expect(plan.diagnostics[0]!.range.start.line).toBeGreaterThan(1);
  });

  it('reports a route or API without a bundle', () => {
    const generated = new Map([...base.generated].filter(([path]) => !path.startsWith('bundles/route-')));
    const plan = planEstate({ ...base, generated });
    expect(plan.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['plan-bundle-missing', 'EventRoute sap-order-created has no generated bundle, so nothing would run it'],
    ]);
  });

  it('options: no CRDs, no namespaces', () => {
    const plan = planEstate({ ...base, options: { ...base.options, includeCrds: false, createNamespaces: false } });
    expect(plan.objects.filter((o) => o.stage === 1)).toEqual([]);
  });

  it("never lets a spec document's own metadata.namespace choose where its objects go: it is flagged and ignored", () => {
    const documents = base.documents.map((doc) =>
      doc.kind === 'EventRoute'
        ? {
            ...doc,
            source: {
              ...doc.source,
              value: { ...doc.source.value, metadata: { ...(doc.source.value.metadata as object), namespace: 'kube-system' } },
            },
          }
        : doc,
    );
    const plan = planEstate({ ...base, documents });
    expect(plan.objects.map((o) => o.ref.namespace).filter((n) => n !== undefined && n !== 'shop')).toEqual([]);
    expect(plan.objects.some((o) => o.ref.kind === 'Namespace' && o.ref.name === 'kube-system')).toBe(false);
    expect(find(plan.objects, 'Deployment', 'route-sap-order-created').ref.namespace).toBe('shop');
    expect(plan.diagnostics).toEqual([
      expect.objectContaining({
        code: 'plan-spec-namespace-ignored',
        severity: 'warning',
        file: 'test/fixtures/plan-estate/route-api.yaml',
        path: ['metadata', 'namespace'],
      }),
    ]);
    expect(plan.diagnostics[0]!.message).toContain('kube-system');
  });

  it('every worker gets the backbone: URL as env, credentials by secretKeyRef or a mounted creds file, a mounted CA — never values', () => {
    const byEnv = (d: KubeObject) => Object.fromEntries(container(d).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    const token = planEstate({
      ...base,
      options: { backbone: { ...BACKBONE, credentials: { type: 'token', secretRef: { name: 'nats-token' } } } },
    });
    expect(token.diagnostics).toEqual([]);
    for (const d of token.objects.filter((o) => o.object.kind === 'Deployment')) {
      expect(byEnv(d.object)).toMatchObject({
        INTERLACE_NATS_URL: BACKBONE.url,
        INTERLACE_NATS_TOKEN: { secretKeyRef: { name: 'nats-token', key: 'token' } },
      });
    }
    const creds = planEstate({
      ...base,
      options: {
        backbone: {
          ...BACKBONE,
          credentials: { type: 'creds', secretRef: { name: 'nats-creds' } },
          tls: { caSecretRef: { name: 'nats-ca' } },
        },
      },
    });
    const deployment = find(creds.objects, 'Deployment', 'route-sap-order-created').object as any;
    const env = byEnv(deployment);
    expect(env.INTERLACE_NATS_CREDS_FILE).toBe('/etc/interlace/nats-creds/user.creds');
    expect(env.INTERLACE_NATS_CA_FILE).toBe('/etc/interlace/nats-ca/ca.crt');
    const volumes = deployment.spec.template.spec.volumes.map((v: any) => v.secret?.secretName).filter(Boolean);
    expect(volumes).toEqual(['nats-creds', 'nats-ca']);
    expect(
      container(deployment)
        .volumeMounts.filter((m: any) => m.name.startsWith('nats-'))
        .every((m: any) => m.readOnly),
    ).toBe(true);
  });

  it("every worker exports traces to the plan's OTLP endpoint: OpenTelemetry variables with its unit and estate; none without one", () => {
    const byEnv = (d: KubeObject) => Object.fromEntries(container(d).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    const traced = planEstate({
      ...base,
      options: { ...base.options, tracing: { otlpEndpoint: 'http://otel-collector:4318', sampleRatio: 0.25 } },
    });
    expect(traced.diagnostics).toEqual([]);
    const deployments = traced.objects.filter((o) => o.object.kind === 'Deployment');
    expect(deployments.length).toBeGreaterThan(0);
    const route = byEnv(find(traced.objects, 'Deployment', 'route-sap-order-created').object);
    expect(route).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_SERVICE_NAME: route.INTERLACE_UNIT,
    });
    expect(route.OTEL_RESOURCE_ATTRIBUTES).toMatch(/^interlace\.estate=[a-z0-9-]+,k8s\.namespace\.name=[a-z0-9-]+$/);
    for (const d of planEstate(base).objects.filter((o) => o.object.kind === 'Deployment'))
      expect(Object.keys(byEnv(d.object)).filter((name) => name.startsWith('OTEL_'))).toEqual([]);
  });

  it('refuses routes without a backbone: plan-backbone-missing at a route, nothing else changes', () => {
    const plan = planEstate({ ...base, options: {} });
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['plan-backbone-missing']);
    expect(plan.diagnostics[0]!.file).toMatch(/route/);
  });

  it('shortens names over 63 characters with a stable hash', () => {
    const long = `route-${'a'.repeat(70)}`;
    expect(kubeName(long)).toHaveLength(63);
    expect(kubeName(long)).toBe(kubeName(long));
    expect(kubeName(long)).not.toBe(kubeName(`${long}b`));
    expect(kubeName('route-short')).toBe('route-short');
  });
});

describe('diffObjects (server-side apply semantics)', () => {
  const desired = () => find(planEstate(base).objects, 'Deployment', 'route-sap-order-created').object;

  it('ignores what the API server adds: defaults, status, managed fields, other annotations, bound owner uids', () => {
    const live = structuredClone(desired()) as any;
    live.metadata.uid = 'abc';
    live.metadata.resourceVersion = '42';
    live.metadata.managedFields = [{ manager: 'interlace-controller' }];
    live.metadata.annotations['deployment.kubernetes.io/revision'] = '3';
    live.metadata.ownerReferences[0].uid = 'real-uid';
    live.spec.replicas = 1;
    live.spec.strategy = { type: 'RollingUpdate' };
    live.spec.template.spec.containers[0].terminationMessagePath = '/dev/termination-log';
    live.spec.template.spec.containers[0].ports[0].hostPort = undefined;
    live.spec.template.spec.dnsPolicy = 'ClusterFirst';
    live.spec.template.spec.containers[0].env.reverse(); // keyed by name, order does not matter
    live.status = { replicas: 1 };
    expect(diffObjects(desired(), live)).toEqual([]);
  });

  it('finds drift in fields we manage', () => {
    const live = structuredClone(desired()) as any;
    live.spec.template.spec.containers[0].image = 'evil:latest';
    live.spec.template.metadata.annotations[ANNOTATION_BUNDLE_HASH] = 'old';
    live.spec.template.spec.containers[0].env = live.spec.template.spec.containers[0].env.filter(
      (e: { name: string }) => e.name !== 'INTERLACE_UNIT',
    );
    expect(
      diffObjects(desired(), live)
        .map((d) => d.path)
        .sort(),
    ).toEqual([
      'spec.template.metadata.annotations.interlace.dev/bundle-hash',
      'spec.template.spec.containers[name=worker].env[name=INTERLACE_UNIT]',
      'spec.template.spec.containers[name=worker].image',
    ]);
  });
});

describe('interlace plan --offline', () => {
  it('prints every object as YAML and exits 0 for an estate that passes the gate', async () => {
    const result = await runCli(
      ['plan', FIXTURE, '--offline', '--namespace', 'shop', '--estate', 'shop', '--image', 'example/interlace:1', '--nats', BACKBONE.url],
      ROOT,
    );
    expect(result.stderr).toMatch(
      /planned 23 objects: 9 in stage 1 .* 8 spec objects, 6 runtime objects for 2 units \(1 of them the Prometheus Operator's, applied where its CRDs are installed\)/,
    );
    expect(result.code).toBe(0);
    const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as KubeObject);
    expect(docs).toHaveLength(23);
    expect(docs.filter((d) => d.kind === 'Deployment').map((d) => container(d).image)).toEqual([
      'example/interlace:1',
      'example/interlace:1',
    ]);
  });

  it('prints a JSON List with --output json, and leaves CRDs out with --no-crds', async () => {
    const result = await runCli(['plan', FIXTURE, '--offline', '--output', 'json', '--no-crds', '--nats', BACKBONE.url], ROOT);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.kind)).not.toContain('CustomResourceDefinition');
    expect(list.items[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'interlace' } });
    // Without --image the workers run the image's worker flavour of this version (docs/image.md; runCli's
    // version is 0.0.0-test).
    const images = list.items.filter((i) => i.kind === 'Deployment').map((d) => (d as any).spec.template.spec.containers[0].image);
    expect(images.length).toBeGreaterThan(0);
    expect(new Set(images)).toEqual(new Set(['ghcr.io/interlace-dev/interlace:0.0.0-test-worker']));
  });

  it('a rejected estate prints its diagnostics and exits 1 without planning', async () => {
    const result = await runCli(['plan', 'test/generators/sap-order/specs', '--offline'], ROOT);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('credentials-by-secret-ref');
    expect(result.stdout).not.toContain('apiVersion:');
    expect(result.stderr).toContain('the controller would not apply this revision');
  });

  it('rejects bad options as usage errors', async () => {
    expect((await runCli(['plan', FIXTURE, '--offline', '--output', 'toml'], ROOT)).code).toBe(2);
    expect((await runCli(['plan', FIXTURE, '--offline', '--namespace', 'Not_A_Label'], ROOT)).code).toBe(2);
    expect((await runCli(['plan', FIXTURE, '--offline', '--nats', 'http://nats:4222'], ROOT)).code).toBe(2);
    expect((await runCli(['plan', FIXTURE, '--offline', '--nats', BACKBONE.url, '--nats-credentials', 'password:x'], ROOT)).code).toBe(2);
  });

  it('refuses an estate with routes but no backbone (plan-backbone-missing, a diagnostic at the route, exit 1)', async () => {
    const result = await runCli(['plan', FIXTURE, '--offline'], ROOT);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('plan-backbone-missing');
    expect(result.stdout).toMatch(/route-api\.yaml/);
    expect(result.stdout).not.toContain('apiVersion: apps/v1');
  });
});
