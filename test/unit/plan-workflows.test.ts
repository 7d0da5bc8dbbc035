// A Workflow unit in the plan: a ConfigMap and a worker Deployment like a route's, wired to the Estate's
// Temporal cluster the way routes are wired to the backbone (address and namespace as env, the API key by
// secretKeyRef, the mTLS certificate as a mounted kubernetes.io/tls Secret) — never a secret value. Without a
// Temporal cluster no Workflow unit is planned and each workflow gets a warning.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { planEstate } from '../../controller/plan/index.ts';
import type { KubeObject, PlanInput } from '../../controller/plan/index.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { temporalSettings } from '../../runtime/workflow/temporal/temporal-settings.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = 'test/fixtures/workflow-worker';
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
    options: { backbone: { url: 'nats://nats.shop:4222' }, includeCrds: false },
  };
}, 60_000);

const deploymentOf = (objects: { object: KubeObject }[], name: string) =>
  objects.find((o) => o.object.kind === 'Deployment' && o.object.metadata.name === name)?.object as
    | {
        spec: {
          template: {
            spec: {
              containers: {
                image: string;
                env: { name: string; value?: string; valueFrom?: unknown }[];
                volumeMounts: unknown[];
                resources: unknown;
              }[];
              volumes: unknown[];
            };
          };
        };
      }
    | undefined;

describe('planEstate: Workflow units', () => {
  it('without a Temporal cluster: no Workflow Deployment, a plan-temporal-missing warning at the workflow', () => {
    const plan = planEstate(base);
    expect(plan.diagnostics.map((d) => [d.code, d.severity, d.file])).toEqual([
      ['plan-temporal-missing', 'warning', `${FIXTURE}/estate.yaml`],
    ]);
    expect(deploymentOf(plan.objects, 'workflow-order-flow-v1')).toBeUndefined();
    expect(plan.units.map((u) => u.id)).toEqual(['route-confirmations-in', 'route-orders-in']);
  });

  it('with one: a Deployment on the workflow bundle, Temporal address and namespace as env, secrets by reference', () => {
    const plan = planEstate({
      ...base,
      options: {
        ...base.options,
        temporal: {
          address: 'temporal-frontend.temporal:7233',
          namespace: 'orders',
          mtls: { secretRef: { name: 'temporal-client' } },
          apiKey: { secretRef: { name: 'temporal-cloud', key: 'key' } },
          image: 'ghcr.io/interlace-dev/interlace:1.0.0-temporal',
        },
      },
    });
    expect(plan.diagnostics).toEqual([]);
    const unit = plan.units.find((u) => u.id === 'workflow-order-flow-v1')!;
    expect(unit.owner).toMatchObject({ kind: 'Workflow', name: 'order-flow-v1' });
    const configMap = plan.objects.find(
      (o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'workflow-order-flow-v1-bundle',
    )!;
    expect(JSON.parse((configMap.object.data as Record<string, string>)['manifest.json']!)).toMatchObject({
      kind: 'Workflow',
      systems: ['wms'],
    });
    const deployment = deploymentOf(plan.objects, 'workflow-order-flow-v1')!;
    const container = deployment.spec.template.spec.containers[0]!;
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      INTERLACE_UNIT: 'workflow-order-flow-v1',
      INTERLACE_NATS_URL: 'nats://nats.shop:4222',
      INTERLACE_TEMPORAL_ADDRESS: 'temporal-frontend.temporal:7233',
      INTERLACE_TEMPORAL_NAMESPACE: 'orders',
      INTERLACE_TEMPORAL_API_KEY: { secretKeyRef: { name: 'temporal-cloud', key: 'key' } },
      INTERLACE_TEMPORAL_TLS_CERT_FILE: '/etc/interlace/temporal-tls/tls.crt',
      INTERLACE_TEMPORAL_TLS_KEY_FILE: '/etc/interlace/temporal-tls/tls.key',
      INTERLACE_TEMPORAL_TLS_CA_FILE: '/etc/interlace/temporal-tls/ca.crt',
    });
    expect(container.volumeMounts).toContainEqual({ name: 'temporal-tls', mountPath: '/etc/interlace/temporal-tls', readOnly: true });
    expect(deployment.spec.template.spec.volumes).toContainEqual(
      expect.objectContaining({ name: 'temporal-tls', secret: expect.objectContaining({ secretName: 'temporal-client' }) }),
    );
    // The SDK's native core and the sandbox bundling at start need more memory than a route's worker.
    expect(container.resources).toMatchObject({ limits: { memory: '768Mi' } });
    // The image with the SDK for the workflow; routes keep the runtime image and get no Temporal settings.
    expect(container.image).toBe('ghcr.io/interlace-dev/interlace:1.0.0-temporal');
    const route = deploymentOf(plan.objects, 'route-orders-in')!.spec.template.spec.containers[0]!;
    expect(route.image).toBe('ghcr.io/interlace-dev/interlace:1.0.0-worker');
    expect(route.env.some((e) => e.name.startsWith('INTERLACE_TEMPORAL_'))).toBe(false);
  });
});

describe('temporalSettings (the worker side)', () => {
  it('no address: no Temporal; flags win over the environment; the API key only from the environment', () => {
    expect(temporalSettings({}, {})).toEqual({ ok: true, settings: undefined });
    const result = temporalSettings(
      { address: 'flag-host:7233' },
      { INTERLACE_TEMPORAL_ADDRESS: 'env-host:7233', INTERLACE_TEMPORAL_NAMESPACE: 'orders', INTERLACE_TEMPORAL_API_KEY: 'k' },
    );
    expect(result).toEqual({ ok: true, settings: { address: 'flag-host:7233', namespace: 'orders', apiKey: 'k' } });
  });

  it('bad settings are one message each: not host:port, a certificate without its key, an unreadable file', () => {
    const error = (r: ReturnType<typeof temporalSettings>) => (r.ok ? undefined : r.error);
    expect(error(temporalSettings({ address: 'http://temporal:7233' }, {}))).toContain('is not host:port');
    expect(error(temporalSettings({ address: 'temporal:7233', tlsCert: '/x.crt' }, {}))).toContain('both a client certificate and its key');
    expect(error(temporalSettings({ address: 'temporal:7233', tlsCert: '/nonexistent/tls.crt', tlsKey: '/nonexistent/tls.key' }, {}))).toBe(
      'cannot read the Temporal client certificate /nonexistent/tls.crt: ENOENT',
    );
  });
});
